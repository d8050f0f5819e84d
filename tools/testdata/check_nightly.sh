#!/usr/bin/env bash
# ctest tool.nightly-replay / tool.nightly-libfuzzer: tools/nightly.sh end to end, on a
# few targets for a few seconds, in WORK.
#   check_nightly.sh replay BUILD FAULTS WORK
#   check_nightly.sh libfuzzer BUILD FAULTS WORK FUZZERS
# Under an injected fault (eof-as-reset: the stack reads a graceful close as a reset)
# the job must find it, minimise, decode and confirm it, write the report and exit 1;
# a second night with the same fault lists it as seen before and exits 0; (replay) a
# night without the fault runs the conformance suite too and exits 0.
set -uo pipefail
mode="$1" build="$2" faults="$3" work="$4" fuzzers="${5:-$2/fuzz}"
top="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
rm -rf "$work"
mkdir -p "$work"

fail() { echo "check_nightly: $*" >&2; exit 1; }
# night NAME EXPECTED_STATUS [FAULT] -- nightly.sh options...
night() {
  local name="$1" expected="$2" fault="$3" rc
  shift 4
  local env=()
  [ -n "$fault" ] && env=(LD_PRELOAD="$faults" CLOSESEM_FAULT="$fault")
  env "${env[@]}" bash "$top/tools/nightly.sh" --build "$build" --fuzzers "$fuzzers" --engine "$mode" \
    --reports "$work/reports" --corpus "$work/corpus" "$@" >"$work/$name.out" 2>&1
  rc=$?
  cat "$work/$name.out"
  # ("new-or-not": whatever the headline says, the status must agree with it)
  if [ "$expected" = new-or-not ]; then
    if grep -q ': no new finding' "$work/$name.out"; then expected=0; else expected=1; fi
  fi
  [ "$rc" = "$expected" ] || fail "$name: exit status $rc, expected $expected"
}
# has FILE REGEX: FILE has a line matching REGEX (extended).
has() { grep -qE "$2" "$1" || fail "$(basename "$(dirname "$1")")/$(basename "$1") has no line matching: $2"; }

night first 1 eof-as-reset -- --budget 8 --jobs 2 --targets fuzz_linger,fuzz_handles --no-conformance
# (each night's folder: the newest)
newest() { ls -td "$work/reports"/*/ | head -n 1 | sed 's|/$||'; }
first="$(newest)"
[ -f "$first/summary.md" ] && [ -f "$first/stats.json" ] || fail "first: no summary.md or stats.json in $first"
has "$first/summary.md" '^# closesem nightly .*: [0-9]+ new findings?'
has "$first/summary.md" '^### fuzz_linger/1 \(new\)'
has "$first/summary.md" 'Signature: `divergence/recv/connection_reset/'
has "$first/summary.md" 'the minimised input failed the same way once more'
[ -s "$first/findings/fuzz_linger/1.ops" ] && [ -f "$first/findings/fuzz_linger/1.bin" ] ||
  fail "first: no decoded reproducer findings/fuzz_linger/1.ops + .bin"
has "$first/findings/fuzz_linger/1.ops" '^# Signature: divergence/recv/connection_reset/'
has "$first/findings/fuzz_linger/1.ops" '^pair '
grep -qE '^(==[0-9]+==|replay: |INFO: )' "$first/findings/fuzz_linger/1.ops" &&
  fail "first: the engine's own output leaked into findings/fuzz_linger/1.ops"
has "$first/findings/fuzz_linger/1.log" '^closesem signature: divergence/recv/connection_reset/'
has "$first/stats.json" '"executions": [1-9]'
has "$first/stats.json" '"status": "confirmed"'
if [ "$mode" = libfuzzer ]; then
  has "$first/summary.md" 'with libFuzzer \(fork mode\)'
  has "$first/stats.json" '"edges": [1-9]'
fi
# The reproducer replays to the same failure on its own.
env LD_PRELOAD="$faults" CLOSESEM_FAULT=eof-as-reset "$fuzzers/fuzz_linger" "$first/findings/fuzz_linger/1.bin" \
  >"$work/replay.out" 2>&1 && fail "the kept reproducer ran clean"
has "$work/replay.out" '^closesem signature: divergence/recv/connection_reset/'

# The second night meets the same fault again: known now. (Random inputs may also reach
# another signature that the first night did not: then that one is new, and the exit
# status says so.)
night second new-or-not eof-as-reset -- --budget 5 --jobs 1 --targets fuzz_linger --no-conformance
second="$(newest)"
has "$second/summary.md" '^# closesem nightly .*: .*[1-9][0-9]* seen before'
has "$second/summary.md" '^\| fuzz_linger/[0-9]+ \| `divergence/recv/connection_reset/[^|]*` \| confirmed \| [0-9]+ \| 20[0-9-]+ \|'
has "$second/summary.md" '^### fuzz_linger/[0-9]+ \(seen before, first on '

if [ "$mode" = replay ]; then
  night third 0 "" -- --budget 5 --jobs 1 --targets fuzz_handles
  third="$(newest)"
  has "$third/summary.md" '^# closesem nightly .*: no new finding; conformance passed'
  has "$third/summary.md" '^- Socket API: [0-9]+ pass, .* 0 fail'
  [ -s "$third/behaviour.json" ] || fail "third: no behaviour.json"
fi
echo "check_nightly: $mode engine: findings kept, minimised, decoded, confirmed; new and seen before told apart"
