#!/usr/bin/env bash
# ctest tool.nightly-usage: `./closesem nightly` and `closesem_tool nightly` refuse a
# target list they cannot run as given (a target twice would run its fuzzers twice into
# the same folders; a name not in the manifest; an empty name), and a --checked-floor
# that is no percentage, with exit status 2 and a message naming the culprit, before
# they build, fuzz or make a report folder; a good list passes, and --help answers with
# exit status 0.
#   check_nightly_usage.sh WORK TOOL
# The front end runs from a folder of links to the source tree whose
# build/release/tools/closesem_tool is TOOL (so that it builds nothing).
set -uo pipefail
work="$1" tool="$2"
top="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
rm -rf "$work"
mkdir -p "$work/top/build/release/tools"
for entry in closesem tools core fuzz; do ln -s "$top/$entry" "$work/top/$entry"; done
ln -s "$tool" "$work/top/build/release/tools/closesem_tool"
failures=0

# expect STATUS REGEX COMMAND...: COMMAND exits STATUS and its output matches REGEX.
expect() {
  local status="$1" regex="$2" rc
  shift 2
  "$@" >"$work/out" 2>&1
  rc=$?
  if [ "$rc" != "$status" ] || { [ -n "$regex" ] && ! grep -qE -- "$regex" "$work/out"; }; then
    echo "check_nightly_usage: FAILED: $* exited $rc (expected $status), output (expected to match '$regex'):" >&2
    sed 's/^/  | /' "$work/out" >&2
    failures=$((failures + 1))
  else
    echo "check_nightly_usage: ok: $* -> $rc"
  fi
}

expect 2 "fuzz target 'fuzz_linger' is given more than once in --targets 'fuzz_linger,fuzz_linger'" \
  "$tool" nightly --check-usage --targets fuzz_linger,fuzz_linger
expect 2 "fuzz target 'fuzz_linger' is given more than once" \
  "$tool" nightly --check-usage --targets fuzz_linger,fuzz_handles,fuzz_linger
# (the front end asks the job before it installs or builds anything)
expect 2 "fuzz target 'fuzz_handles' is given more than once" \
  bash "$work/top/closesem" nightly --budget 5 --targets fuzz_handles,fuzz_handles
expect 2 "unknown fuzz target 'fuzz_nosuch' in --targets" \
  bash "$work/top/closesem" nightly --targets fuzz_linger,fuzz_nosuch
# (a path that happens to name a target's source is no target name)
expect 2 "unknown fuzz target '../fuzz/fuzz_linger' in --targets" \
  "$tool" nightly --check-usage --targets ../fuzz/fuzz_linger
expect 2 "unknown fuzz target '' in --targets" \
  "$tool" nightly --check-usage --targets fuzz_linger,,fuzz_handles
# The whole job, not only the check: refused before a report folder is made.
expect 2 "given more than once" \
  "$tool" nightly --build "$work/no-build" --engine replay --reports "$work/reports" --budget 5 \
    --targets fuzz_linger,fuzz_linger
if [ -e "$work/reports" ]; then
  echo "check_nightly_usage: FAILED: a refused job made $work/reports" >&2
  failures=$((failures + 1))
fi
expect 0 "" "$tool" nightly --check-usage --targets fuzz_linger,fuzz_handles
expect 0 "Usage: ./closesem nightly" "$tool" nightly --help
expect 0 "Usage: ./closesem nightly" bash "$work/top/closesem" nightly --budget 5 --help
expect 2 "--jobs needs a number from 1 to 999, not '0'" bash "$work/top/closesem" nightly --jobs 0
expect 2 "--engine is libfuzzer or replay, not 'afl'" "$tool" nightly --engine afl
# --checked-floor: a percentage from 0 to 100, checked before anything is built.
expect 2 "--checked-floor needs a percentage from 0 to 100 \(such as 95 or 97.5\), not 'abc'" \
  "$tool" nightly --check-usage --checked-floor abc
expect 2 "--checked-floor needs a percentage from 0 to 100 .*, not '101'" \
  bash "$work/top/closesem" nightly --checked-floor 101
expect 2 "--checked-floor needs a percentage" "$tool" nightly --check-usage --checked-floor=-1
expect 2 "--checked-floor needs a value" "$tool" nightly --check-usage --checked-floor ""
expect 0 "" "$tool" nightly --check-usage --checked-floor 97.5
expect 0 "--checked-floor PERCENT" "$tool" nightly --help

[ "$failures" = 0 ] || { echo "check_nightly_usage: $failures check(s) failed" >&2; exit 1; }
echo "check_nightly_usage: every bad target list refused with exit status 2"
