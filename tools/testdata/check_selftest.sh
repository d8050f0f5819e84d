#!/usr/bin/env bash
# ctest tool.selftest: `closesem_tool selftest` end to end on one fault, in BUILD (a build
# without sanitizers: its shim, conformance suite and fuzz targets): the baseline is clean,
# the fault is caught by the conformance suite and by every socket fuzz target's corpus,
# the table (stdout and BUILD/selftest/selftest.md) says so, and the exit status is 0; bad
# usage exits 2 before anything runs; SIGTERM stops the run (exit 130) with nothing left.
#   check_selftest.sh TOOL BUILD WORK
set -uo pipefail
tool="$1" build="$2" work="$3"
rm -rf "$work"
mkdir -p "$work"
fail() { echo "check_selftest: $*" >&2; exit 1; }
# expect STATUS REGEX COMMAND...: COMMAND exits STATUS and its output matches REGEX.
expect() {
  local status="$1" regex="$2" rc
  shift 2
  "$@" >"$work/out" 2>&1
  rc=$?
  [ "$rc" = "$status" ] && grep -qE -- "$regex" "$work/out" ||
    fail "$* exited $rc (expected $status), output (expected to match '$regex'):$(sed 's/^/  | /' "$work/out")"
}
export CLOSESEM_SELFTEST_BUILD="$build"
expect 0 '^Usage: \./closesem selftest ' "$tool" selftest --help
expect 2 '--budget needs a whole number of seconds' "$tool" selftest --budget 0
expect 2 "--fault needs a fault name \(e.g. eof-as-reset\), not 'Bad Name'" "$tool" selftest --fault 'Bad Name'
expect 2 "unknown fault 'no-such-fault' \(known: .*eof-as-reset" "$tool" selftest --fault no-such-fault
expect 2 'not expected: --nosuch' "$tool" selftest --nosuch

# One fault, end to end.
# (--compare-blind: the baseline's fuzz cells read "blind → steered"; the corpus caught
# the fault, so its cells read "seeds" once.)
"$tool" selftest --fault eof-as-reset --budget 2 --compare-blind >"$work/table.md" 2>"$work/progress.txt"
rc=$?
cat "$work/progress.txt" "$work/table.md"
[ "$rc" = 0 ] || fail "selftest --fault eof-as-reset: exit status $rc, expected 0"
has() { grep -qE -- "$2" "$1" || fail "$1 has no line matching: $2"; }
has "$work/table.md" '^\| fault \| what it does \| conformance tests that caught it \| fuzz_'
has "$work/table.md" '^\| \*baseline\* \| no fault \(the shim passes every call through\) \| — \|( — → — \|){4}$'
has "$work/table.md" '^\| eof-as-reset \|.*\| seeds \|$'
has "$work/table.md" 'Each fuzz cell: drawn blindly \(CLOSESEM_FUZZ_BLIND=1\) → steered'
has "$work/progress.txt" 'fuzz_linger \(blind\) \.\.\. nothing in 2 s; fuzz_linger \(steered\) \.\.\. nothing in 2 s'
has "$work/table.md" '^\| eof-as-reset \| [^|]+ \| [1-9][0-9]* — "'
has "$work/table.md" '^- eof-as-reset × fuzz_linger: closesem finding: fuzz_linger: '
grep -q 'fuzz_ops_text' "$work/table.md" && fail "fuzz_ops_text makes no socket call (sockets = false), yet it has a column"
grep -qE '^(GAP|BASELINE NOT CLEAN)' "$work/table.md" && fail "a gap or an unclean baseline"
cmp -s "$work/table.md" "$build/selftest/selftest.md" || fail "$build/selftest/selftest.md is not the table printed"
has "$work/progress.txt" '^fault 1/1 eof-as-reset: conformance \.\.\. [1-9][0-9]* failed'

# Stopped while the conformance suite runs: exit 130, no process left.
rm -rf "$build/selftest"
"$tool" selftest --fault eof-as-reset --budget 2 >"$work/stopped.out" 2>&1 &
job=$!
for _ in $(seq 1 300); do
  [ -s "$build/selftest/baseline/conformance.xml" ] && break
  sleep 0.2
done
kill -TERM "$job"
wait "$job"
rc=$?
[ "$rc" = 130 ] || fail "selftest stopped by SIGTERM: exit status $rc, expected 130 ($(cat "$work/stopped.out"))"
has "$work/stopped.out" 'closesem selftest: interrupted; logs so far in '
for proc in /proc/[0-9]*; do
  case "$(tr '\0' ' ' <"$proc/cmdline" 2>/dev/null)" in
    *"--out $build/selftest/"*) fail "process ${proc#/proc/} of the stopped selftest still runs" ;;
  esac
done
echo "check_selftest: the fault is caught, the table is written, bad usage and a stop are handled"
