#!/usr/bin/env bash
# ctest tool.nightly-replay / tool.nightly-libfuzzer: the nightly job (closesem_tool
# nightly) end to end, on a few targets for a few seconds, in WORK.
#   check_nightly.sh replay BUILD FAULTS WORK
#   check_nightly.sh libfuzzer BUILD FAULTS WORK FUZZERS
# Under an injected fault (eof-as-reset: the stack reads a graceful close as a reset)
# the job must find it, minimise, decode and confirm it, write the report and exit 1;
# the report says how many ops each target ran and the share its model checked (the
# counts every fuzzing process wrote, summed); a second night with the same fault lists
# it as seen before and exits 0; (replay) a
# night without the fault runs the conformance suite too and exits 0, and a night
# interrupted while it fuzzes stops its fuzzers and still writes its report.
set -uo pipefail
mode="$1" build="$2" faults="$3" work="$4" fuzzers="${5:-$2/fuzz}"
top="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
rm -rf "$work"
mkdir -p "$work"

fail() { echo "check_nightly: $*" >&2; exit 1; }
# The job under test: this build's tool (CHECK_NIGHTLY_TOOL: another one).
tool="${CHECK_NIGHTLY_TOOL:-$build/tools/closesem_tool}"
# night NAME EXPECTED_STATUS [FAULT] -- nightly options...
night() {
  local name="$1" expected="$2" fault="$3" rc
  shift 4
  local env=()
  [ -n "$fault" ] && env=(LD_PRELOAD="$faults" CLOSESEM_FAULT="$fault")
  env "${env[@]}" "$tool" nightly --build "$build" --fuzzers "$fuzzers" --engine "$mode" \
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
# (the reproducer's input: 1 and the suffix of its format, beside its readable twin 1.ops)
input=$(find "$first/findings/fuzz_linger" -maxdepth 1 -name '1.*' ! -name '1.ops' ! -name '1.log' -print -quit)
[ -s "$first/findings/fuzz_linger/1.ops" ] && [ -n "$input" ] ||
  fail "first: no decoded reproducer findings/fuzz_linger/1.ops + its input 1.<format>"
has "$first/findings/fuzz_linger/1.ops" '^# Signature: divergence/recv/connection_reset/'
has "$first/findings/fuzz_linger/1.ops" '^pair '
grep -qE '^(==[0-9]+==|replay: |INFO: )' "$first/findings/fuzz_linger/1.ops" &&
  fail "first: the engine's own output leaked into findings/fuzz_linger/1.ops"
has "$first/findings/fuzz_linger/1.log" '^closesem signature: divergence/recv/connection_reset/'
has "$first/stats.json" '"executions": [1-9]'
has "$first/stats.json" '"status": "confirmed"'
# What the model checked: every fuzzing process of both targets wrote its counts
# (CLOSESEM_CHECK_COUNTS, libFuzzer's fork-mode children too), summed per target.
python3 - "$first/stats.json" <<'EOF' || fail "first: stats.json lacks what the model checked (above)"
import json, sys
stats = json.load(open(sys.argv[1]))
problems = []
if stats.get("checked_floor_percent") != 95: problems.append(f"checked_floor_percent {stats.get('checked_floor_percent')}")
for name in ("fuzz_linger", "fuzz_handles"):
    t = stats["targets"][name]
    run, checked, share = t.get("ops_run"), t.get("ops_checked"), t.get("checked_share")
    if not isinstance(run, int) or run <= 0: problems.append(f"{name}: ops_run {run!r}")
    elif not isinstance(checked, int) or not 0 <= checked <= run: problems.append(f"{name}: ops_checked {checked!r} of {run}")
    elif not isinstance(share, (int, float)) or abs(share - checked / run) > 1e-9: problems.append(f"{name}: checked_share {share!r}")
    if not t.get("check_counts_files", 0) >= 1: problems.append(f"{name}: check_counts_files {t.get('check_counts_files')!r}")
    for key in ("unpredicted_by_kind", "unpredicted_reasons"):
        if not isinstance(t.get(key), dict) or len(t[key]) > 10: problems.append(f"{name}: {key} {t.get(key)!r}")
    if t.get("check_counts_problems"): problems.append(f"{name}: {t['check_counts_problems']}")
for p in problems: print(f"{sys.argv[1]}: {p}", file=sys.stderr)
sys.exit(1 if problems else 0)
EOF
has "$first/summary.md" '^\| target \| runs \| runs/s \| .* \| ops run \| checked \|$'
has "$first/summary.md" '^\| fuzz_linger \| [0-9,]+ \| .* \| [1-9][0-9,]* \| [0-9]+% \|$'
has "$first/summary.md" '^## What the model did not check'
grep -q 'no counts file' "$first/summary.md" && fail "first: a target wrote no counts file"
if [ "$mode" = libfuzzer ]; then
  has "$first/summary.md" 'with libFuzzer \(fork mode\)'
  has "$first/stats.json" '"edges": [1-9]'
fi
# The reproducer replays to the same failure on its own.
env LD_PRELOAD="$faults" CLOSESEM_FAULT=eof-as-reset "$fuzzers/fuzz_linger" "$input" \
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
if [ "$mode" = replay ]; then
  # Interrupted (SIGINT, as Ctrl-C sends it) while it fuzzes: the fuzzers stop and none is
  # left, what they found is kept, and the report says it stopped early.
  env LD_PRELOAD="$faults" CLOSESEM_FAULT=eof-as-reset "$tool" nightly --build "$build" --fuzzers "$fuzzers" \
    --engine replay --reports "$work/reports" --corpus "$work/corpus" --budget 600 --jobs 2 \
    --targets fuzz_linger,fuzz_handles --no-conformance >"$work/fourth.out" 2>&1 &
  job=$!
  # (bounded: under the fault, fuzz_linger fails on its first input)
  for _ in $(seq 1 300); do
    [ -n "$(find "$work/reports" -path '*/findings/fuzz_linger/inputs/*' -newer "$work/third.out" -print -quit)" ] && break
    sleep 0.2
  done
  fourth="$(newest)"
  kill -INT "$job"
  wait "$job"
  rc=$?
  cat "$work/fourth.out"
  [ "$rc" = 0 ] || [ "$rc" = 1 ] || fail "fourth (interrupted): exit status $rc, expected a report (0 or 1)"
  has "$work/fourth.out" '^nightly: interrupted: (stopping the fuzzers|the fuzzers have stopped)'
  has "$fourth/summary.md" '^> \*\*Stopped early\*\* \(interrupted\) after [0-9]+ s of the budget of 10 min'
  has "$fourth/stats.json" '"stopped_early_after_seconds": [0-9]+'
  has "$fourth/summary.md" '^### fuzz_linger/1 '
  [ ! -e "$fourth/.running" ] && [ ! -e "$fourth/.work" ] || fail "fourth: .running or .work left in $fourth"
  # No process left working in the report folder (the fuzzers run there).
  for proc in /proc/[0-9]*; do
    case "$(readlink "$proc/cwd" 2>/dev/null)" in
      "$fourth"*) fail "fourth: process ${proc#/proc/} ($(tr '\0' ' ' <"$proc/cmdline")) still runs in $fourth" ;;
    esac
  done
fi
echo "check_nightly: $mode engine: findings kept, minimised, decoded, confirmed; new and seen before told apart"
