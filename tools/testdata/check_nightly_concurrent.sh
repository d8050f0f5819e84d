#!/usr/bin/env bash
# ctest tool.nightly-concurrent-replay / -libfuzzer: two nightly jobs started together on
# one machine, with the same reports folder and the same corpora, must not clobber each
# other: each claims a report folder of its own and both reports are complete (summary.md,
# stats.json consistent with the folder and the exit status, every finding's files, every
# log); the behaviour diff and the history ignore a report another run is still writing;
# (libfuzzer) both merge into the shared corpus, one at a time, and a run that cannot get
# the corpus lock in time keeps its new units in its report.
#   check_nightly_concurrent.sh replay BUILD FAULTS WORK
#   check_nightly_concurrent.sh libfuzzer BUILD FAULTS WORK FUZZERS
# CHECK_NIGHTLY_TOOL (default: this build's closesem_tool) is the job under test: an
# older build shows what this test catches.
# The conformance suite is a stand-in here (it copies tools/testdata/linux.json): the
# real one takes a minute, and tool.nightly-replay's third night runs it; what is checked
# is the nightly's handling of the reports, not the suite.
set -uo pipefail
mode="$1" build="$2" faults="$3" work="$4" fuzzers="${5:-$2/fuzz}"
top="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
tool="${CHECK_NIGHTLY_TOOL:-$build/tools/closesem_tool}"
rm -rf "$work"
mkdir -p "$work"
reports="$work/reports" corpus="$work/corpus"

fail() { echo "check_nightly_concurrent: $*" >&2; exit 1; }
# has FILE REGEX: FILE has a line matching REGEX (extended).
has() { grep -qE "$2" "$1" || fail "$1 has no line matching: $2"; }

# The build the jobs run: this build's tools, the stand-in conformance suite.
mkdir -p "$work/build/conformance"
ln -s "$(realpath "$build/tools")" "$work/build/tools"
for suite in closesem_conformance closesem_conformance_asio; do
  cat >"$work/build/conformance/$suite" <<EOF
#!/bin/sh
cp "$top/tools/testdata/linux.json" "\$CLOSESEM_REPORT" || exit 1
echo "closesem: behaviour report \$CLOSESEM_REPORT: 89 pass, 0 known, 0 fail, 0 unexpected pass, 6 skipped"
EOF
  chmod +x "$work/build/conformance/$suite"
done

# An earlier night, finished (stats.json, no .running) ...
mkdir -p "$reports/2000-01-01"
cp "$top/tools/testdata/linux.json" "$reports/2000-01-01/behaviour.json"
printf '{"schema": "closesem-nightly/1", "date": "2000-01-01", "findings": []}\n' >"$reports/2000-01-01/stats.json"
touch -d '2000-01-01 12:00' "$reports/2000-01-01/behaviour.json"
# ... and two runs still writing their folders (.running): one with its behaviour.json
# (the newest of all, so that only its being unfinished rules it out) and no summary
# yet, one in the middle of writing its stats.json, which lists the fault's finding.
# Neither job may compare its behaviour with the first, nor call the finding known
# because of the second.
mkdir -p "$reports/2000-01-02" "$reports/2000-01-03"
cp "$top/tools/testdata/linux.json" "$reports/2000-01-02/behaviour.json"
touch -d "@$(( $(date +%s) + 3600 ))" "$reports/2000-01-02/behaviour.json"
printf '{"schema": "closesem-nightly/1", "date": "2000-01-03", "findings": [%s]}\n' \
  '{"target": "fuzz_linger", "signature": "divergence/recv/connection_reset/predicted 0", "first_seen": "2000-01-03"}' \
  >"$reports/2000-01-03/stats.json"
for d in 2000-01-02 2000-01-03; do echo "pid 1 on elsewhere since ${d}T00:00:00Z" >"$reports/$d/.running"; done
if [ "$mode" = libfuzzer ]; then
  # (a corpus to share: the seeds of both targets, as a night before left them)
  for t in fuzz_linger fuzz_handles; do
    mkdir -p "$corpus/$t"
    cp "$top/corpora/$t/seeds"/* "$corpus/$t/" 2>/dev/null
  done
fi

# night NAME [VAR=VALUE...] [-- OPTIONS...]: one job in the background, under the fault
# (the stack reads a graceful close as a reset), its status in WORK/NAME.rc.
night() {
  local name="$1" env=()
  shift
  while [ $# -gt 0 ] && [ "$1" != -- ]; do env+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  (env "${env[@]}" LD_PRELOAD="$faults" CLOSESEM_FAULT=eof-as-reset \
     "$tool" nightly --build "$work/build" --fuzzers "$fuzzers" --engine "$mode" --reports "$reports" \
       --corpus "$corpus" --budget 5 --jobs 2 --targets fuzz_linger,fuzz_handles --sanitizers none "$@" \
       >"$work/$name.out" 2>&1
   echo $? >"$work/$name.rc") &
}
started=$SECONDS
night a
night b
wait
echo "check_nightly_concurrent: two $mode nights together took $((SECONDS - started)) s"
for name in a b; do
  echo "--- night $name (exit $(cat "$work/$name.rc"))"
  cat "$work/$name.out"
done

# report_of OUTPUT: the folder a job's last line names (relative to the source tree when
# inside it).
report_of() {
  local d
  d=$(sed -n 's|^  summary: \(.*\)/summary.md$|\1|p' "$1" | tail -n 1)
  [ -z "$d" ] || [[ $d == /* ]] || d="$top/$d"
  printf '%s\n' "$d"
}
# Each job's folder.
declare -A dir=()
for name in a b; do
  rc=$(cat "$work/$name.rc")
  [ "$rc" = 0 ] || [ "$rc" = 1 ] || fail "night $name: exit status $rc, expected 0 or 1 (a report)"
  dir[$name]=$(report_of "$work/$name.out")
  [ -n "${dir[$name]}" ] || fail "night $name: no 'summary:' line in its output"
done
[ "${dir[a]}" != "${dir[b]}" ] || fail "both nights wrote the same report folder ${dir[a]}"
mapfile -t folders < <(cd "$reports" && ls -A)
[ "${#folders[@]}" = 5 ] || fail "reports/ should hold the three fixtures and two new reports, not: ${folders[*]}"

new_somewhere=0
for name in a b; do
  d="${dir[$name]}" rc=$(cat "$work/$name.rc")
  folder=$(basename "$d")
  [ "$(dirname "$d")" = "$(realpath "$reports")" ] || fail "night $name: report $d is not in $reports"
  [ -f "$d/summary.md" ] && [ -f "$d/stats.json" ] || fail "night $name: no summary.md or stats.json in $d"
  [ ! -e "$d/.work" ] && [ ! -e "$d/.running" ] || fail "night $name: $d still has .work or .running"
  # The headline and the exit status agree; stats.json is whole and tells the same.
  if grep -q ': no new finding' "$work/$name.out"; then expected=0; else expected=1; new_somewhere=1; fi
  [ "$rc" = "$expected" ] || fail "night $name: exit status $rc, but its headline says otherwise"
  python3 - "$d" "$folder" "$rc" "$top" <<'EOF' || fail "night $name: stats.json of $d is not whole and consistent (above)"
import json, os, sys
d, folder, rc, top = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
stats = json.load(open(os.path.join(d, "stats.json")))
problems = []
if stats.get("date") != folder: problems.append(f"date {stats.get('date')!r}, folder {folder!r}")
if stats.get("exit_status") != rc: problems.append(f"exit_status {stats.get('exit_status')}, exit {rc}")
if sorted(stats.get("targets", {})) != ["fuzz_handles", "fuzz_linger"]: problems.append(f"targets {sorted(stats.get('targets', {}))}")
findings = stats.get("findings", [])
for t, entry in stats.get("targets", {}).items():
    if entry.get("findings") != len([f for f in findings if f["target"] == t and f.get("status") != "unreproducible"]):
        problems.append(f"{t}: findings {entry.get('findings')} does not match the list")
    # (every lane's crash inputs in a folder of its own: inputs/LANE/)
    inputs = os.path.join(d, "findings", t, "inputs")
    on_disk = sum(len(files) for _, _, files in os.walk(inputs))
    if entry.get("crash_inputs") != on_disk: problems.append(f"{t}: crash_inputs {entry.get('crash_inputs')}, on disk {on_disk}")
    if entry.get("crash_inputs_examined", 0) > min(on_disk, 100): problems.append(f"{t}: {entry.get('crash_inputs_examined')} inputs examined of {on_disk}")
for f in findings:
    for name in f.get("files", []):
        if not os.path.isfile(os.path.join(d, "findings", f["target"], name)):
            problems.append(f"{f['id']}: no findings/{f['target']}/{name}")
    # (paths inside the source tree are shown relative to it)
    if f.get("original") and not os.path.isfile(os.path.join(top, f["original"])): problems.append(f"{f['id']}: its input {f['original']} is gone")
if not any(f["target"] == "fuzz_linger" and f.get("status") == "confirmed"
           and f.get("signature", "").startswith("divergence/recv/connection_reset/") for f in findings):
    problems.append("no confirmed fuzz_linger finding divergence/recv/connection_reset/")
for p in problems: print(f"{d}/stats.json: {p}", file=sys.stderr)
sys.exit(1 if problems else 0)
EOF
  has "$d/summary.md" "^# closesem nightly $folder: "
  has "$d/summary.md" '^### fuzz_linger/[0-9]+ \((new|seen before, first on [0-9.-]+)\)'
  ! grep -q 'first on 2000-01-03' "$d/summary.md" || fail "night $name took the unfinished report 2000-01-03 as history"
  # Its logs: the fuzzers', every finding's and the suite's.
  for log in fuzz_linger fuzz_handles finding-1 conformance conformance-asio; do
    [ -n "$(find "$d/logs" -name "*$log*" -size +0)" ] || fail "night $name: no log $log in $d/logs"
  done
  if [ "$mode" = replay ]; then
    has "$d/logs/replay/fuzz_linger.w0.log" 'random inputs|a finding after'
  fi
  # The behaviour diff: with the finished night before, or with the other job once it
  # had finished; never with a run still writing, nor with itself.
  has "$d/summary.md" '^- Since the report of '
  previous=$(sed -n 's/^- Since the report of \([^:]*\): .*/\1/p' "$d/summary.md")
  other=${dir[a]}; [ "$name" = a ] && other=${dir[b]}
  if [ "$previous" != 2000-01-01 ]; then
    [ "$previous" = "$(basename "$other")" ] ||
      fail "night $name compared its behaviour with the report of $previous (expected 2000-01-01 or the other night's)"
    # (the other one then had finished: its end is no later than this one's)
    [[ ! "$(sed -n 's/^  "finished": "\(.*\)",$/\1/p' "$other/stats.json")" > "$(sed -n 's/^  "finished": "\(.*\)",$/\1/p' "$d/stats.json")" ]] ||
      fail "night $name compared its behaviour with $previous, which finished after it"
  fi
  if [ "$mode" = libfuzzer ]; then
    for t in fuzz_linger fuzz_handles; do
      python3 -c 'import json, sys; s = json.load(open(sys.argv[1]))["targets"][sys.argv[2]]
sys.exit(0 if s.get("merge") in ("ok", "no new units") and (s.get("corpus") or {}).get("after", 0) > 0 else 1)' \
        "$d/stats.json" "$t" || fail "night $name: $t was not merged into the shared corpus (stats.json: $(grep -A3 "\"merge\"" "$d/stats.json" | head -n 3))"
    done
    [ ! -e "$d/corpus-new" ] || fail "night $name: new units left unmerged in $d/corpus-new"
  fi
done
[ "$new_somewhere" = 1 ] || fail "neither night reported the injected fault as new"
[ ! -e "$reports/2000-01-02/stats.json" ] || fail "the unfinished report 2000-01-02 was written to"

if [ "$mode" = libfuzzer ]; then
  # The two merges one after the other: the shared corpus is what the later one left.
  # (fuzz_handles: under the fault fuzz_linger fails on every input and finds no units)
  units=$(find "$corpus/fuzz_handles" -maxdepth 1 -type f | wc -l)
  python3 -c 'import json, sys
after = [json.load(open(f))["targets"]["fuzz_handles"]["corpus"]["after"] for f in sys.argv[2:]]
sys.exit(0 if int(sys.argv[1]) in after else 1)' "$units" "${dir[a]}/stats.json" "${dir[b]}/stats.json" ||
    fail "the shared corpus of fuzz_handles holds $units units, which neither merge left"
  # The corpus lock held elsewhere past the wait: the job fuzzes from the seeds, and keeps
  # its new units in its report, saying so (in stats.json and summary.md).
  [ -f "$corpus/fuzz_handles.lock" ] || fail "no lock file $corpus/fuzz_handles.lock"
  echo "another job, merging" >"$corpus/fuzz_handles.lock"
  exec {held}>>"$corpus/fuzz_handles.lock"
  flock -n "$held" || fail "cannot lock $corpus/fuzz_handles.lock"
  night c CLOSESEM_NIGHTLY_LOCK_WAIT=2 -- --budget 3 --targets fuzz_handles
  wait
  exec {held}>&-
  cat "$work/c.out"
  rc=$(cat "$work/c.rc")
  [ "$rc" = 0 ] || [ "$rc" = 1 ] || fail "night c: exit status $rc, expected 0 or 1 (a report)"
  has "$work/c.out" 'was not free within 2 s \(held by: another job, merging\)'
  d=$(report_of "$work/c.out")
  [ -n "$d" ] || fail "night c: no report"
  has "$d/summary.md" 'fuzz_handles: merge failed: no lock on .*fuzz_handles.lock within 2 s'
  kept=$(find "$d/corpus-new/fuzz_handles" -type f 2>/dev/null | wc -l)
  has "$d/stats.json" "\"new_units\": $kept,"
  [ "$kept" -gt 0 ] || fail "night c: no new units of fuzz_handles kept in $d/corpus-new/fuzz_handles"
  [ "$(find "$corpus/fuzz_handles" -maxdepth 1 -type f | wc -l)" = "$units" ] ||
    fail "night c changed the corpus of fuzz_handles without its lock"
fi
echo "check_nightly_concurrent: $mode engine: two nights at once, two whole reports"
