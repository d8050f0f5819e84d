#!/usr/bin/env bash
# ctest tool.nightly-wine: the nightly job's Wine lane. A short night of the replay engine
# with a Windows build (--wine-build, the mingw preset's folder; --wine-share left at its
# default, a fifth) runs two lanes, natively then the Windows build's fuzz_handles.exe
# under Wine, and the report has the Winsock lane's row: its executions, the counts its
# Windows processes wrote (what the Winsock model checked), its platform and seconds.
#   check_nightly_wine.sh BUILD WORK [winsock]
# With `winsock` (ctest tool.nightly-wine-profile) the Wine lane judges Wine by the winsock
# profile (--wine-profile winsock: Windows as documented): Wine 8's known deviations are
# findings then, and at least one must come out whole: found under Wine only, minimised,
# decoded, confirmed by the Windows build's own `ops run` under Wine (exit 1) and shown by
# its standalone C reproducer built with mingw-w64 and run under Wine (a DEVIATION line).
# The Windows build: $CLOSESEM_TEST_MINGW_BUILD (./closesem test builds the mingw preset
# before the native tests and exports it), else build/mingw of the source tree. Without
# one the test fails, unless Wine is not wanted (CLOSESEM_NO_WINE=1, ./closesem test
# --no-wine): then it is skipped (exit 77).
set -uo pipefail
build="$1" work="$2" profile="${3:-}"
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

if [ "$profile" = winsock ]; then
  # (half of 12 s under Wine: a Wine 8 deviation of the documented calls after the last
  # WSACleanup comes in about every second fuzz_handles input)
  "$tool" nightly --build "$build" --engine replay --sanitizers none --wine-build "$mingw" --wine-share 0.5 \
    --wine-profile winsock --budget 12 --jobs 1 --targets fuzz_handles --no-conformance --reports "$work/reports" \
    --corpus "$work/corpus" >"$work/night.out" 2>&1
  rc=$?
  cat "$work/night.out"
  [ "$rc" = 1 ] || fail "exit status $rc, expected 1 (Wine judged as documented Windows has findings)"
  night=$(ls -td "$work/reports"/*/ | head -n 1)
  night=${night%/}
  python3 - "$night/stats.json" <<'PY' || fail "no Wine deviation came out whole (above)"
import json, sys
path = sys.argv[1]
stats = json.load(open(path))
problems = []
lanes = {l.get("label"): l for l in stats.get("lanes", [])}
if lanes.get("wine-replay", {}).get("profile") != "winsock": problems.append(f"wine lane: {lanes.get('wine-replay')}")
if "profile" in lanes.get("replay", {}): problems.append(f"the native lane has a profile: {lanes['replay']}")
# Wine 8.0's documented deviations (docs/FINDINGS.md: wine8-calls-after-last-cleanup-not-socket,
# wine8-epipe-maps-to-connection-reset, wine8-recv-after-reset-reads-0) as signatures
known = ("/not_socket/predicted not_initialised", "send/connection_reset/predicted not_connected", "recv/value/predicted connection_reset")
whole = []
for f in stats.get("findings", []):
    if f.get("lane") != "wine-replay": problems.append(f"{f.get('id')}: found natively ({f.get('lane')}): {f.get('signature')}"); continue
    if f.get("platform") != "wine": problems.append(f"{f.get('id')}: platform {f.get('platform')!r}")
    if (f.get("status") == "confirmed" and str(f.get("wine_check", "")).startswith("exit 1: ")
            and "diverged from the model" in f.get("wine_check", "")
            and str(f.get("reproducer", "")).startswith("under Wine, exit 1: ") and "DEVIATION" in f.get("reproducer", "")
            and any(k in f.get("signature", "") for k in known)):
        whole.append(f["id"])
if not whole: problems.append("no known Wine deviation confirmed by ops run and by its reproducer under Wine: " +
                               json.dumps(stats.get("findings", []), indent=1))
for p in problems: print(f"{path}: {p}", file=sys.stderr)
if not problems: print(f"check_nightly_wine: whole Wine findings: {whole}")
sys.exit(1 if problems else 0)
PY
  has "$night/summary.md" '^\| wine-replay \| replay engine \(random mode\) \| no sanitizers \| the Windows build under Wine, judged by the model profile winsock \| '
  has "$night/summary.md" 'ops run --profile winsock --skip-invalid '
  # (the target's own report names the profile it judged by: CLOSESEM_FUZZ_PROFILE reached it)
  grep -qE '^platform wine-.*, model profile winsock' "$night"/findings/fuzz_handles/*.log ||
    fail "no finding's log says the target judged by the model profile winsock"
  echo "check_nightly_wine: Wine judged by the winsock profile: its known deviations found, minimised, decoded and confirmed"
  exit 0
fi

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
