#!/usr/bin/env bash
# ctest tool.nightly-replay / tool.nightly-libfuzzer: the nightly job (closesem_tool
# nightly) end to end, on a few targets for a few seconds, in WORK.
#   check_nightly.sh replay BUILD FAULTS WORK
#   check_nightly.sh libfuzzer BUILD FAULTS WORK FUZZERS
# Under an injected fault (eof-as-reset: the stack reads a graceful close as a reset)
# the job must find it, minimise, decode and confirm it, write the report and exit 1;
# the report says how many ops each target ran and the share its model checked (the
# counts every fuzzing process wrote, summed); a second night with the same fault lists
# it as seen before and exits 0; the budget is shared between lanes (--sanitizers: without
# sanitizers, then with; each with its rows, the finding attributed to its lane); (replay) a
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
# The sanitized lane's binaries: libFuzzer's from build.sh are ASan's (and so are the
# other lane's: the same folder); a replay build's own when it is a sanitizer build (the
# ci preset: both lanes then run sanitized binaries, and the report says so); in a build
# without sanitizers there are none, and `share` means none for the replay engine.
sanitized=()
if [ "$mode" = libfuzzer ]; then
  sanitized=(--asan-fuzzers "$fuzzers")
elif grep -q -- '-fsanitize=address' "$build/CMakeCache.txt" 2>/dev/null; then
  sanitized=(--asan-build "$build")
fi
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

# The first night shares its budget between the lanes (--sanitizers share, the default):
# four fifths without sanitizers, a fifth with, one after the other.
night first 1 eof-as-reset -- --budget 10 --jobs 2 --targets fuzz_linger,fuzz_handles --no-conformance "${sanitized[@]}"
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
has "$first/summary.md" '^\| target \| lane \| runs \| runs/s \| .* \| ops run \| checked \|$'
has "$first/summary.md" '^\| fuzz_linger \| [a-z-]+ \| [0-9,]+ \| .* \| [1-9][0-9,]* \| [0-9]+% \|$'
# The lanes: with a sanitized build, two (the budget 8 + 2 s), each with a row per target,
# its crash inputs under inputs/LANE/, the finding attributed to the lane whose input was
# minimised (and listing every lane that had it); without one, the summary says that
# share meant none.
python3 - "$first/stats.json" "$mode" "${#sanitized[@]}" <<'EOF' || fail "first: stats.json's lanes, rows or findings are wrong (above)"
import json, os, sys
path, mode, sanitized = sys.argv[1], sys.argv[2], int(sys.argv[3]) > 0
stats = json.load(open(path))
problems = []
lanes = stats.get("lanes", [])
want = [(mode, 8), (mode + "-asan", 2)] if sanitized else [(mode, 10)]
if [(l.get("label"), l.get("seconds")) for l in lanes] != want: problems.append(f"lanes {lanes}, expected {want}")
for l in lanes:
    if l.get("engine") != mode or l.get("platform") != "native" or not l.get("fuzz_seconds"): problems.append(f"lane {l}")
    if l["label"].endswith("-asan") and not str(l.get("sanitizers")).startswith("asan"): problems.append(f"lane {l['label']}: sanitizers {l.get('sanitizers')!r}")
by_label = {l.get("label"): l for l in lanes}
rows = {(r.get("target"), r.get("lane")): r for r in stats.get("rows", [])}
for t in ("fuzz_linger", "fuzz_handles"):
    total = 0
    for label, lane in by_label.items():
        r = rows.get((t, label))
        if r is None: problems.append(f"no row ({t}, {label})"); continue
        for key in ("engine", "sanitizers", "platform"):
            if r.get(key) != lane.get(key): problems.append(f"row ({t}, {label}): {key} {r.get(key)!r}, its lane's {lane.get(key)!r}")
        if not isinstance(r.get("seconds"), int) or r["seconds"] < 1: problems.append(f"row ({t}, {label}): seconds {r.get('seconds')!r}")
        if not isinstance(r.get("executions"), int): problems.append(f"row ({t}, {label}): executions {r.get('executions')!r}")
        else: total += r["executions"]
        inputs = os.path.join(os.path.dirname(path), "findings", t, "inputs", label)
        on_disk = len(os.listdir(inputs)) if os.path.isdir(inputs) else 0
        if r.get("crash_inputs") != on_disk: problems.append(f"row ({t}, {label}): crash_inputs {r.get('crash_inputs')}, in inputs/{label}/ {on_disk}")
    if stats["targets"][t].get("executions") != total: problems.append(f"{t}: executions {stats['targets'][t].get('executions')} is not the sum of its rows, {total}")
linger = [f for f in stats.get("findings", []) if f.get("target") == "fuzz_linger" and f.get("status") == "confirmed"]
if not linger: problems.append("no confirmed fuzz_linger finding")
for f in linger:
    lane = by_label.get(f.get("lane"))
    if lane is None: problems.append(f"{f['id']}: lane {f.get('lane')!r} is no lane of the night"); continue
    if f.get("sanitizers") != lane.get("sanitizers") or f.get("platform") != "native": problems.append(f"{f['id']}: {f}")
    if f["lane"] not in f.get("lanes", []) or any(l not in by_label for l in f.get("lanes", [])): problems.append(f"{f['id']}: lanes {f.get('lanes')}")
    for label in f.get("lanes", []):
        if not rows.get(("fuzz_linger", label), {}).get("crash_inputs"): problems.append(f"{f['id']}: lane {label} had no crash input")
for p in problems: print(f"{path}: {p}", file=sys.stderr)
sys.exit(1 if problems else 0)
EOF
has "$first/summary.md" '^\| lane \| engine \| sanitizers \| platform \| fuzzed \| binaries \|$'
has "$first/summary.md" '^- Found by the lane \*\*'"$mode"'(-asan)?\*\* \('
has "$work/first.out" "^nightly: lane $mode \("
if [ "${#sanitized[@]}" -gt 0 ]; then
  has "$first/summary.md" "^\| $mode-asan \| .* \| ASan(\+UBSan)? \| native \| [0-9]+ s of 2 s \|"
  has "$first/summary.md" "^\| fuzz_linger \| $mode-asan \| "
  has "$work/first.out" "^nightly: lane $mode-asan \(.*sanitizers: asan"
  has "$first/summary.md" '^\| fuzz_linger/1 \| .* \| [a-z*, -]*'"$mode"'[a-z*, -]* \|$'
else
  has "$first/summary.md" '^> \*\*Note:\*\* --sanitizers share: no sanitized build of the replay engine'
fi
has "$first/summary.md" '^## What the model did not check'
# Semantic coverage (issue 21): every process wrote the transitions it reached; the report
# has them per target and lane, against the reachable ones, with a plot and what was not reached.
has "$first/summary.md" '^## Semantic coverage'
has "$first/summary.md" '^\| fuzz_handles, all lanes \| [1-9][0-9]* \| [1-9][0-9]* of [1-9][0-9]* \| [0-9]+% \| '
has "$first/summary.md" '^!\[fuzz_handles: model transitions reached over the night\]\(semantic-fuzz_handles.svg\)'
has "$first/semantic-fuzz_handles.svg" '^<svg xmlns="http://www.w3.org/2000/svg"'
python3 - "$first/stats.json" <<'EOF' || fail "first: stats.json lacks the semantic coverage (above)"
import json, sys
stats = json.load(open(sys.argv[1]))
problems = []
rows_of = {}
for r in stats.get("rows", []): rows_of.setdefault(r.get("target"), []).append(r)
for name, t in stats["targets"].items():
    t["name"] = name
    t["lanes"] = rows_of.get(name, [])
    m = t.get("semantic")
    if not m: problems.append(f"{t['name']}: no semantic coverage"); continue
    if not (0 < m["reached_of_reachable"] <= min(m["reached"], m["reachable"])): problems.append(f"{t['name']}: {m}")
    if m["not_reached_count"] != m["reachable"] - m["reached_of_reachable"]: problems.append(f"{t['name']}: not reached {m['not_reached_count']}")
    if not m["growth"] or m["growth"][-1][1] > m["reached"]: problems.append(f"{t['name']}: growth {m['growth'][-3:]}")
    rows = [r for r in t.get("lanes", []) if r.get("semantic")]
    if not rows: problems.append(f"{t['name']}: no row with semantic coverage")
for p in problems: print(p, file=sys.stderr)
sys.exit(1 if problems else 0)
EOF
grep -q 'no counts file' "$first/summary.md" && fail "first: a target wrote no counts file"
if [ "$mode" = libfuzzer ]; then
  has "$first/summary.md" ' fuzz targets for .* (with libFuzzer \(fork mode\)|in 2 lanes: libFuzzer .* and libFuzzer with ASan)'
  has "$first/stats.json" '"edges": [1-9]'
fi
# The reproducer replays to the same failure on its own.
env LD_PRELOAD="$faults" CLOSESEM_FAULT=eof-as-reset "$fuzzers/fuzz_linger" "$input" \
  >"$work/replay.out" 2>&1 && fail "the kept reproducer ran clean"
has "$work/replay.out" '^closesem signature: divergence/recv/connection_reset/'

# The second night meets the same fault again: known now. (Random inputs may also reach
# another signature that the first night did not: then that one is new, and the exit
# status says so.)
night second new-or-not eof-as-reset -- --budget 5 --jobs 1 --targets fuzz_linger --no-conformance --sanitizers none
second="$(newest)"
# (--sanitizers none: one lane)
has "$second/stats.json" '"sanitizers": "none"'
[ "$(grep -c '^| fuzz_linger | ' "$second/summary.md")" = 1 ] || fail "second: not one row of fuzz_linger (--sanitizers none)"
has "$second/summary.md" '^# closesem nightly .*: .*[1-9][0-9]* seen before'
has "$second/summary.md" '^\| fuzz_linger/[0-9]+ \| `divergence/recv/connection_reset/[^|]*` \| confirmed \| [0-9]+ \| 20[0-9-]+ \|'
has "$second/summary.md" '^### fuzz_linger/[0-9]+ \(seen before, first on '
# (its semantic coverage beside the first night's share)
has "$second/summary.md" '^\| fuzz_linger, all lanes \| [0-9]+ \| .* \| [0-9]+% \| [0-9-]+(\.[0-9]+)?: [0-9]+% \|$'

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
    --targets fuzz_linger,fuzz_handles --no-conformance "${sanitized[@]}" >"$work/fourth.out" 2>&1 &
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
  # (stopped in the first lane: the sanitized one did not run, and the report says so)
  if [ "${#sanitized[@]}" -gt 0 ]; then
    has "$work/fourth.out" '^nightly: the lanes not run: replay-asan$'
    has "$fourth/summary.md" '^\| replay-asan \| .* \| not run \(of 2 min\) \|'
  fi
  [ ! -e "$fourth/.running" ] && [ ! -e "$fourth/.work" ] || fail "fourth: .running or .work left in $fourth"
  # No process left working in the report folder (the fuzzers run there).
  for proc in /proc/[0-9]*; do
    case "$(readlink "$proc/cwd" 2>/dev/null)" in
      "$fourth"*) fail "fourth: process ${proc#/proc/} ($(tr '\0' ' ' <"$proc/cmdline")) still runs in $fourth" ;;
    esac
  done
fi
echo "check_nightly: $mode engine: findings kept, minimised, decoded, confirmed; new and seen before told apart"
