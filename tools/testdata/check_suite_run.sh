#!/usr/bin/env bash
# ctest tool.suite-run: `closesem_tool run` against stand-in suites (scripts that write a
# behaviour report to $CLOSESEM_REPORT and exit as told): the report is named after its
# platform, a failed run never replaces a report that is there (its own goes beside it as
# .failed.json), a passing run removes a stale .failed.json, and a suite that writes no
# report fails the run.
#   check_suite_run.sh TOOL WORK
set -u
tool=$1 work=$2
rm -rf "$work" && mkdir -p "$work/build/conformance" "$work/reports" "$work/logs"
fail() { echo "FAIL: $*" >&2; exit 1; }
suite() {  # suite NAME EXIT [no-report]
  cat >"$work/build/conformance/$1" <<SCRIPT
#!/bin/sh
[ "$3" = no-report ] || printf '{"platform": "testos-1.0 (x)", "summary": {"pass": 3, "known": 1, "fail": $2, "unexpected_pass": 0, "skipped": 0}}' >"\$CLOSESEM_REPORT"
exit $2
SCRIPT
  chmod +x "$work/build/conformance/$1"
}
run() { "$tool" run --native-build "$work/build" --reports "$work/reports" --logs "$work/logs" >"$work/out" 2>&1; }

suite closesem_conformance 0 ""; suite closesem_conformance_asio 0 ""
run || fail "a passing run exited $?: $(cat "$work/out")"
[ -s "$work/reports/testos-1.0_x.json" ] || fail "no reports/testos-1.0_x.json: $(ls "$work/reports")"
[ -s "$work/reports/testos-1.0_x-asio.json" ] || fail "no asio report"
grep -q "3 pass, 1 known, 0 fail" "$work/out" || fail "no summary line: $(cat "$work/out")"
cp "$work/reports/testos-1.0_x.json" "$work/kept.json"

suite closesem_conformance 1 ""
run; rc=$?
[ "$rc" = 1 ] || fail "a failing suite: exit $rc, expected 1"
cmp -s "$work/reports/testos-1.0_x.json" "$work/kept.json" || fail "a failed run replaced the report"
grep -q '"fail": 1' "$work/reports/testos-1.0_x.failed.json" || fail "no .failed.json beside it"

suite closesem_conformance 0 ""
run || fail "the passing run after it exited $?"
[ ! -e "$work/reports/testos-1.0_x.failed.json" ] || fail "a passing run left the stale .failed.json"

suite closesem_conformance 0 no-report
run; rc=$?
[ "$rc" = 1 ] || fail "a suite without a report: exit $rc, expected 1"
grep -q "the suite wrote no report" "$work/out" || fail "no reason given: $(cat "$work/out")"
ls -A "$work/reports" | grep -q '^\.' && fail "a temporary report was left: $(ls -A "$work/reports")"
echo "tool.suite-run: passed"
