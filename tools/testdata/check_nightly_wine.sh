#!/usr/bin/env bash
# ctest tool.nightly-wine: the nightly job's Wine lane. A short night of the replay engine
# with a Windows build (--wine-build, the mingw preset's folder; --wine-share left at its
# default, a fifth) runs two lanes, natively then the Windows build's fuzz_handles.exe
# under Wine, and the report has the Winsock lane's row: its executions, the counts its
# Windows processes wrote (what the Winsock model checked), its platform and seconds.
#   check_nightly_wine.sh BUILD WORK
# The Windows build: $CLOSESEM_TEST_MINGW_BUILD (./closesem test builds the mingw preset
# before the native tests and exports it), else build/mingw of the source tree. Without
# one the test fails, unless Wine is not wanted (CLOSESEM_NO_WINE=1, ./closesem test
# --no-wine): then it is skipped (exit 77).
set -uo pipefail
build="$1" work="$2"
top="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
tool="${CHECK_NIGHTLY_TOOL:-$build/tools/closesem_tool}"
fail() { echo "check_nightly_wine: $*" >&2; exit 1; }
has() { grep -qE "$2" "$1" || fail "$(basename "$1") has no line matching: $2"; }

mingw="${CLOSESEM_TEST_MINGW_BUILD:-}"
[ -n "$mingw" ] || { [ -x "$top/build/mingw/wine-run" ] && mingw="$top/build/mingw"; }
if [ -z "$mingw" ]; then
  if [ "${CLOSESEM_NO_WINE:-}" = 1 ]; then
    echo "check_nightly_wine: skipped: Wine is not wanted (--no-wine)"
    exit 77
  fi
  fail "no Windows build to fuzz under Wine: set CLOSESEM_TEST_MINGW_BUILD to the mingw preset's folder (./closesem test builds it and sets it), or build build/mingw"
fi
for file in wine-run fuzz/fuzz_handles.exe; do
  [ -e "$mingw/$file" ] || fail "the Windows build $mingw has no $file (build the mingw preset: its fuzz targets and wine-run)"
done
rm -rf "$work"
mkdir -p "$work"

"$tool" nightly --build "$build" --engine replay --sanitizers none --wine-build "$mingw" --budget 10 --jobs 1 \
  --targets fuzz_handles --no-conformance --reports "$work/reports" --corpus "$work/corpus" >"$work/night.out" 2>&1
rc=$?
cat "$work/night.out"
# (random programs may meet a real deviation of Wine's: then the headline says so, and the
# exit status agrees with it)
if grep -q ': no new finding' "$work/night.out"; then expected=0; else expected=1; fi
[ "$rc" = "$expected" ] || fail "exit status $rc, expected $expected (from its headline)"
night=$(ls -td "$work/reports"/*/ | head -n 1)
night=${night%/}
has "$work/night.out" '^nightly: lane wine-replay \(replay engine, sanitizers: none, the Windows build under Wine; '
python3 - "$night/stats.json" <<'PY' || fail "stats.json has no whole Wine lane (above)"
import json, sys
path = sys.argv[1]
stats = json.load(open(path))
problems = []
lanes = [(l.get("label"), l.get("platform"), l.get("seconds")) for l in stats.get("lanes", [])]
if lanes != [("replay", "native", 8), ("wine-replay", "wine", 2)]: problems.append(f"lanes {lanes}: expected replay 8 s natively, then wine-replay 2 s (a fifth)")
if stats.get("wine_share") != 0.2: problems.append(f"wine_share {stats.get('wine_share')!r}, expected the default 0.2")
rows = {r.get("lane"): r for r in stats.get("rows", []) if r.get("target") == "fuzz_handles"}
wine = rows.get("wine-replay")
if wine is None:
    problems.append("no row (fuzz_handles, wine-replay)")
else:
    if (wine.get("engine"), wine.get("platform"), wine.get("sanitizers")) != ("replay", "wine", "none"): problems.append(f"wine row: {wine}")
    if not isinstance(wine.get("executions"), int) or wine["executions"] <= 0: problems.append(f"wine row: executions {wine.get('executions')!r}")
    if not wine.get("check_counts_files") or not wine.get("ops_run"): problems.append(f"wine row: no counts from the Windows processes ({wine.get('check_counts_files')!r} files, {wine.get('ops_run')!r} ops)")
native = rows.get("replay")
if native is None or native.get("platform") != "native": problems.append(f"native row: {native}")
elif stats["targets"]["fuzz_handles"]["executions"] != native["executions"] + (wine or {}).get("executions", 0):
    problems.append("fuzz_handles: executions are not the sum of its rows")
for f in stats.get("findings", []):
    if f.get("lane") == "wine-replay" and f.get("platform") != "wine": problems.append(f"{f['id']}: {f}")
for p in problems: print(f"{path}: {p}", file=sys.stderr)
sys.exit(1 if problems else 0)
PY
has "$night/summary.md" '^\| wine-replay \| replay engine \(random mode\) \| no sanitizers \| the Windows build under Wine \| [0-9]+ s of 2 s \| `[^`]*/fuzz` \|$'
has "$night/summary.md" '^\| fuzz_handles \| wine-replay \| [1-9][0-9,]* \| [0-9,]+ \| [0-9]+ \| [0-9]+ \| [1-9][0-9,]* \| [0-9]+% \|$'
has "$night/summary.md" "the Windows build's replay engine without sanitizers under Wine"
echo "check_nightly_wine: the Windows build fuzzed under Wine in a lane of its own, with its rows"
