#!/usr/bin/env bash
# ctest tool.nightly-usage: `./closesem nightly` and `closesem_tool nightly` refuse a
# target list they cannot run as given (a target twice would run its fuzzers twice into
# the same folders; a name not in the manifest; an empty name), a --checked-floor that
# is no percentage, a --sanitizers that is not none, all or share and a --wine-share
# that is no fraction from 0 to 0.9, with exit status 2 and a message naming the
# culprit, before they build, fuzz or make a report folder; a share under Wine without
# a Windows build (or without its wine-run) and a libFuzzer night without its sanitized
# build cannot run (exit 3); a good list passes, and --help answers with exit status 0.
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

# --sanitizers and --wine-share: refused with exit status 2 before anything is built, by the
# job and by the front end.
expect 2 "--sanitizers is none, all or share, not 'some'" "$tool" nightly --check-usage --sanitizers some
expect 2 "--sanitizers is none, all or share, not 'some'" bash "$work/top/closesem" nightly --sanitizers some
expect 2 "--sanitizers needs a value" "$tool" nightly --check-usage --sanitizers ""
for share in 1 0.95 -0.1 abc 20% 0.2.1 ""; do
  expect 2 "--wine-share (needs a fraction of the budget from 0 to 0.9 .*, not '$share'|needs a value)" \
    "$tool" nightly --check-usage --wine-share "$share"
done
expect 2 "--wine-share needs a fraction of the budget from 0 to 0.9" bash "$work/top/closesem" nightly --wine-share 2
for share in 0 0.2 .25 0.9; do
  expect 0 "" "$tool" nightly --check-usage --wine-share "$share" --sanitizers none
done
# A share of the budget under Wine without a Windows build to run: the job cannot run
# (exit 3, saying why), before it makes a report folder; a Windows build without wine-run
# (made only where wine64 is installed) neither.
expect 3 "--wine-share 0.3: no Windows build to fuzz under Wine \(--wine-build DIR" \
  "$tool" nightly --engine replay --reports "$work/reports" --budget 5 --targets fuzz_linger --wine-share 0.3
mkdir -p "$work/fake-mingw/fuzz"
expect 3 "no $work/fake-mingw/wine-run: the mingw build makes it only where wine64 is installed" \
  "$tool" nightly --engine replay --reports "$work/reports" --budget 5 --targets fuzz_linger \
    --wine-build "$work/fake-mingw"
# The libFuzzer engine's sanitized lane needs a sanitized build (--asan-build): none given
# is exit 3, not a night without it.
expect 3 "--sanitizers share: no sanitized build: give --asan-build DIR \(the fuzz preset's folder\)" \
  "$tool" nightly --engine libfuzzer --reports "$work/reports" --budget 5 --targets fuzz_linger
if [ -e "$work/reports" ]; then
  echo "check_nightly_usage: FAILED: a job that could not run made $work/reports" >&2
  failures=$((failures + 1))
fi
expect 0 "--sanitizers none\|all\|share" "$tool" nightly --help
expect 0 "--wine-share F" "$tool" nightly --help
# --wine-profile: a model profile by its name (a typo is bad usage, naming the known ones).
expect 2 "--wine-profile winsok: no model profile of that name \(known: .*winsock" \
  "$tool" nightly --check-usage --wine-profile winsok
expect 2 "--wine-profile needs a value" "$tool" nightly --check-usage --wine-profile ""
expect 0 "" "$tool" nightly --check-usage --wine-profile winsock
expect 0 "--wine-profile P" "$tool" nightly --help

[ "$failures" = 0 ] || { echo "check_nightly_usage: $failures check(s) failed" >&2; exit 1; }
echo "check_nightly_usage: every bad target list refused with exit status 2"
