#!/usr/bin/env bash
# tools/nightly.sh: the nightly job. `./closesem nightly` installs and builds what it
# needs, then hands over here with --build and --engine; ctest calls it the same way.
# Runs every fuzz target at once for the budget, keeps what they found (new corpus
# units merged into the corpora and minimised; every crash input, deduplicated by
# signature, minimised, decoded and confirmed), runs the conformance suite, and writes
# reports/<date>/ (summary.md, stats.json, behaviour.json, findings/, logs/).
set -uo pipefail
# The whole script is one block, read before any of it runs: the job lasts hours, and a
# `git pull` meanwhile must not change the lines bash has yet to read.
{

readonly TOP="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=tools/fuzz_lib.sh
source "$TOP/tools/fuzz_lib.sh"

usage() {
  cat <<'EOF'
Usage: ./closesem nightly [--budget TIME] [--jobs N] [--engine libfuzzer|replay]
                          [--targets T1,T2] [--corpus DIR] [--reports DIR] [--no-conformance]

The nightly job: fuzz every target at once for the budget, keep what the fuzzers
found, run the conformance suite, and write a report a person reads in a minute.

  --budget TIME    fuzzing time: 300, 300s, 30m, 2h (default 30m). Building, the
                   corpus merge, minimising findings and the conformance suite come
                   on top (a few minutes).
  --jobs N         fuzzing processes in all (default: the number of cores). Every
                   target gets at least one; the targets mostly wait on their
                   sockets, so more targets than cores still fuzz well.
  --engine E       libfuzzer (the clang 'fuzz' build, libFuzzer's fork mode) or
                   replay (the replay engine's random mode, for a machine without
                   clang). Default: libfuzzer where clang can build it.
  --targets LIST   only these targets (comma-separated; default: every fuzz/fuzz_*.cpp).
  --corpus DIR     the corpora that grow from night to night, one folder per target
                   (default: build/fuzz-corpus, shared with './closesem fuzz').
  --reports DIR    where reports/<date>/ goes (default: reports).
  --no-conformance skip the conformance suite (no behaviour.json).

Writes REPORTS/<date>/ (a second run the same day: <date>.2, ...):
  summary.md      what a person reads first: new findings, what to do with them,
                  per-target figures, the conformance result, changes since last night
  stats.json      per target: executions, executions per second, coverage, corpus
                  size before and after, new units, crash inputs, findings
  behaviour.json  the conformance suite's behaviour report (behaviour-asio.json: asio's)
  findings/TARGET/N.bin + N.ops (N.asio)  one minimised, decoded reproducer per
                  signature; N.log the confirming run; inputs/ every crash input
  logs/           the fuzzers', the merges' and the suite's output

Runs may share a machine and REPORTS: each claims a folder of its own (mkdir, not a
check then a create) and keeps its work inside it (.work/, .running while it runs);
the shared corpus of a target is locked (CORPUS/TARGET.lock, flock) while a run copies
it and while it merges into it, for at most CLOSESEM_NIGHTLY_LOCK_WAIT seconds
(default: the merge's own time limit and a minute); a run that cannot get the lock
keeps its new units in corpus-new/TARGET/ of its report. Only finished reports (with
stats.json, without .running) count as history and as last night's behaviour.

Exit status: 0 no new finding and the conformance suite passed; 1 a new finding (one
not in an earlier nightly report here) or a conformance failure; 2 bad usage; 3 the
job could not run (a build or a binary missing).
EOF
}

say() { printf 'nightly: %s\n' "$*" >&2; }
die_usage() {
  echo "nightly: $1" >&2
  echo "Run './closesem nightly --help' for the options." >&2
  exit 2
}
die() { say "$1"; exit 3; }

# "30m" -> 1800. Seconds, minutes or hours; at most a week.
parse_duration() {
  [[ $1 =~ ^([0-9]{1,7})([smh]?)$ ]] || return 1
  local n=$((10#${BASH_REMATCH[1]}))
  case "${BASH_REMATCH[2]}" in
    h) n=$((n * 3600)) ;;
    m) n=$((n * 60)) ;;
  esac
  [ "$n" -gt 0 ] && [ "$n" -le 604800 ] || return 1
  echo "$n"
}

# --- options ---------------------------------------------------------------------

build="" fuzzers="" engine="" budget=1800 jobs="" targets_arg="" conformance=1 check_only=0
corpus_root="$TOP/build/fuzz-corpus" reports_root="$TOP/reports"
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --check-usage) check_only=1 ;;
    --no-conformance) conformance=0 ;;
    --budget|--jobs|--engine|--targets|--corpus|--reports|--build|--fuzzers)
      [ $# -ge 2 ] && [ -n "$2" ] || die_usage "$1 needs a value"
      case "$1" in
        --budget) budget=$(parse_duration "$2") || die_usage "--budget needs a time like 300, 90s, 30m or 2h (at most a week), not '$2'" ;;
        --jobs) [[ $2 =~ ^[1-9][0-9]{0,2}$ ]] || die_usage "--jobs needs a number from 1 to 999, not '$2'"; jobs=$2 ;;
        --engine) [[ $2 =~ ^(libfuzzer|replay)$ ]] || die_usage "--engine is libfuzzer or replay, not '$2'"; engine=$2 ;;
        --targets) targets_arg=$2 ;;
        --corpus) corpus_root=$2 ;;
        --reports) reports_root=$2 ;;
        --build) build=$2 ;;
        --fuzzers) fuzzers=$2 ;;
      esac
      shift ;;
    *) die_usage "unknown option '$1' for 'nightly'" ;;
  esac
  shift
done

mapfile -t all_targets < <(fuzz_targets)
targets=()
if [ -n "$targets_arg" ]; then
  IFS=',' read -r -a targets <<<"$targets_arg"
  declare -A known=() given=()
  for t in "${all_targets[@]}"; do known[$t]=1; done
  for t in "${targets[@]}"; do
    # (the names from the one list only: a path such as ../fuzz/fuzz_linger is no target)
    [ -n "$t" ] && [ -n "${known[$t]:-}" ] ||
      die_usage "unknown fuzz target '$t' in --targets '$targets_arg' (known: ${all_targets[*]})"
    # Twice the same target would run its fuzzers twice into the same folders.
    [ -z "${given[$t]:-}" ] || die_usage "fuzz target '$t' is given more than once in --targets '$targets_arg' (name each target once)"
    given[$t]=1
  done
else
  targets=("${all_targets[@]}")
fi
[ "$check_only" = 1 ] && exit 0

[ -n "$build" ] || die_usage "--build DIR is given by ./closesem nightly (run that)"
[ -n "$engine" ] || die_usage "--engine is given by ./closesem nightly (run that)"
[ -n "$fuzzers" ] || fuzzers="$build/fuzz"
[ -n "$jobs" ] || jobs=$(nproc 2>/dev/null || echo 2)
build="$(realpath "$build")" fuzzers="$(realpath "$fuzzers")"
tool="$build/tools/closesem_tool"
[ -x "$tool" ] || die "no $tool: build the tools first"
for t in "${targets[@]}"; do
  [ -x "$fuzzers/$t" ] || die "no fuzz target binary $fuzzers/$t"
done
# The engine the binaries were built with answers for itself: libFuzzer knows -help=1.
if [ "$("$fuzzers/${targets[0]}" -help=1 2>&1 | grep -c '^Usage:')" -gt 0 ]; then built_with=libfuzzer; else built_with=replay; fi
[ "$built_with" = "$engine" ] ||
  die "the binaries in $fuzzers are built for the $built_with engine, not $engine"
# libFuzzer's corpora are shared between runs: flock (util-linux) guards them. A run
# waits for another's merge at most as long as a merge of its own may take, and a minute.
[ "$engine" = replay ] || command -v flock >/dev/null ||
  die "no flock (util-linux) to lock the shared corpora in $corpus_root: install util-linux"
merge_limit=$(( budget < 600 ? 600 : budget ))
lock_wait=${CLOSESEM_NIGHTLY_LOCK_WAIT:-$((merge_limit + 60))}
[[ $lock_wait =~ ^[0-9]{1,6}$ ]] ||
  die_usage "CLOSESEM_NIGHTLY_LOCK_WAIT needs a number of seconds, not '$lock_wait'"

# --- the report folder -------------------------------------------------------------

# Claimed with mkdir, which fails when the folder exists: two runs started together
# each get one of their own (a test for the name, then a create, would give both the
# same one). Everything the run writes until its report is done stays in that folder.
mkdir -p "$reports_root" || die "cannot make the reports folder $reports_root"
reports_root="$(realpath "$reports_root")"
day=$(date +%F)
name=$day
n=2
until mkdir "$reports_root/$name" 2>/dev/null; do
  [ -e "$reports_root/$name" ] || die "cannot make the report folder $reports_root/$name"
  [ "$n" -le 999 ] || die "cannot claim a report folder in $reports_root: $day to $name exist already"
  name="$day.$n"
  n=$((n + 1))
done
out="$(realpath "$reports_root/$name")"
# (while it is there, other runs neither read this report as history nor diff against it)
printf 'pid %s on %s since %s\n' "$$" "$(hostname 2>/dev/null || echo '?')" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
  >"$out/.running" || die "cannot write in $out"
mkdir -p "$out/findings" "$out/logs" || die "cannot make $out/findings and $out/logs"
work="$out/.work"
mkdir -p "$work" || die "cannot make $work"
facts="$work/facts"
: >"$facts"
# One fact per line, fields separated by tabs (tabs and newlines in values become spaces).
fact() {
  local field line=""
  for field in "$@"; do line+="${line:+$'\t'}$(tr '\t\n' '  ' <<<"$field" | sed 's/ *$//')"; done
  printf '%s\n' "$line" >>"$facts"
}
shown() { local path; path="$(realpath -m "$1")"; echo "${path#"$TOP"/}"; }
count_files() { find "$1" -maxdepth 1 -type f 2>/dev/null | wc -l; }
# Crash inputs saved so far (libFuzzer's slow-unit-* files are not crashes).
count_crashes() { find "$1" -maxdepth 1 -type f ! -name 'slow-unit-*' 2>/dev/null | wc -l; }
clock() { printf '%d:%02d' $(($1 / 60)) $(($1 % 60)); }

started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
fact job date "$name"
fact job started "$started"
fact job engine "$engine"
fact job budget_s "$budget"
fact job jobs "$jobs"
fact job cores "$(nproc 2>/dev/null || echo '?')"
fact job platform "$("$tool" platform 2>/dev/null || echo unknown)"
fact job suite_version "$(git -C "$TOP" describe --always --dirty --tags 2>/dev/null || echo unknown)"
fact job corpus_root "$(shown "$corpus_root")"
fact job fuzzers "$(shown "$fuzzers")"
fact job build "$(shown "$build")"
fact job report_dir "$(shown "$out")"
[ -n "${CLOSESEM_NIGHTLY_ENGINE_NOTE:-}" ] && fact job engine_note "$CLOSESEM_NIGHTLY_ENGINE_NOTE"

say "report: $(shown "$out")/; ${#targets[@]} targets, $engine engine, $(clock "$budget") of fuzzing, $jobs jobs"

# --- fuzzing -------------------------------------------------------------------------

# Fuzzing processes per target: `jobs` spread over the targets, at least one each.
declare -A workers=()
i=0
for t in "${targets[@]}"; do
  workers[$t]=$(( jobs / ${#targets[@]} ))
  [ "$i" -lt $(( jobs % ${#targets[@]} )) ] && workers[$t]=$(( workers[$t] + 1 ))
  [ "${workers[$t]}" -ge 1 ] || workers[$t]=1
  i=$((i + 1))
done

stop_requested=0
on_signal() {
  if [ "$stop_requested" = 1 ]; then
    say "second interrupt: stopping without a report (the inputs so far are in $(shown "$out")/)"
    kill -- $(jobs -p) 2>/dev/null
    exit 130
  fi
  stop_requested=1
  say "interrupted: stopping the fuzzers, then keeping what they found and writing the report (interrupt again to quit)"
}
trap on_signal INT TERM

# The replay engine, one worker: random inputs from a seed of its own until the
# deadline; after a finding (the process ends) it goes on with the next seed.
replay_worker() {
  local t="$1" w="$2" k="$3" deadline="$4" max_len seed remaining
  max_len=$(option_value "$t" max_len 1024)
  seed=$(( (w + 1) * 1000003 + $(date +%j) * 1009 ))
  cd "$out/findings/$t/inputs" || return 1
  while [ "$stop_requested" = 0 ]; do
    remaining=$(( deadline - $(date +%s) ))
    [ "$remaining" -gt 0 ] || break
    "$fuzzers/$t" --random --seed "$seed" --budget "$remaining" --max-len "$max_len"
    seed=$((seed + k))
  done
}

# Executions so far of a target, from its logs (libFuzzer: the last status line;
# replay: the rounds that ended plus the one running).
execs_of() {
  local t="$1"
  if [ "$engine" = libfuzzer ]; then
    grep -aoE '^#[0-9]+: cov: ' "$out/logs/$t.log" 2>/dev/null | tail -n 1 | tr -dc '0-9'
  else
    cat "$out/logs/$t".w*.log 2>/dev/null | awk '
      /random inputs so far/ { current = $2 }
      /random inputs \(seed/ { total += $2; current = 0 }
      /a finding after [0-9]+ random inputs/ { match($0, /after [0-9]+/); total += substr($0, RSTART + 6, RLENGTH - 6); current = 0 }
      END { print total + current + 0 }'
  fi
}
# A field of the last libFuzzer status line: cov, ft, corp.
status_field() {
  grep -aE '^#[0-9]+: cov: ' "$out/logs/$1.log" 2>/dev/null | tail -n 1 |
    sed -nE "s/.* $2: ([0-9]+).*/\1/p"
}

progress() {
  local elapsed="$1" t execs rate cov
  printf 'nightly: [%s of %s]\n' "$(clock "$elapsed")" "$(clock "$budget")" >&2
  for t in "${targets[@]}"; do
    execs=$(execs_of "$t"); execs=${execs:-0}
    rate=$(( elapsed > 0 ? execs / elapsed : 0 ))
    if [ "$engine" = libfuzzer ]; then
      cov=$(status_field "$t" cov)
      printf '  %-22s %9d runs %6d/s   cov %-6s corpus %s (+%d new)   crash inputs %d\n' "$t" "$execs" "$rate" \
        "${cov:--}" "$(count_files "$work/$t/corpus")" "$(count_files "$work/$t/new")" \
        "$(count_crashes "$out/findings/$t/inputs")" >&2
    else
      printf '  %-22s %9d runs %6d/s   crash inputs %d\n' "$t" "$execs" "$rate" \
        "$(count_crashes "$out/findings/$t/inputs")" >&2
    fi
  done
}

# This run's copy of a target's shared corpus, to fuzz from: another run's merge may
# replace the shared one meanwhile (libFuzzer's fork mode reads its inputs by path
# throughout the run). Called under the corpus lock.
copy_corpus() {
  local t="$1"
  mkdir -p "$corpus_root/$t" "$work/$t/corpus" || return 1
  find "$corpus_root/$t" -maxdepth 1 -type f -exec cp -t "$work/$t/corpus" {} +
}

pids=()
for t in "${targets[@]}"; do
  mkdir -p "$work/$t/new" "$work/$t/tmp" "$work/$t/corpus" "$out/findings/$t/inputs"
  fact target "$t" workers "${workers[$t]}"
  [ "$engine" = libfuzzer ] || continue
  mkdir -p "$corpus_root" || die "cannot make the corpora folder $corpus_root"
  with_lock "$corpus_root/$t.lock" "$lock_wait" "nightly $name (pid $$), copying the corpus" copy_corpus "$t" ||
    say "$t: no copy of the corpus $(shown "$corpus_root/$t") (see above): fuzzing from the seeds alone"
  seeds=$(stage_seeds "$tool" "$t" "$work/$t/seeds") || die "cannot stage the seeds of $t"
  fact target "$t" seeds "$seeds"
  fact target "$t" corpus_before "$(count_files "$work/$t/corpus")"
done

fuzz_start=$(date +%s)
deadline=$((fuzz_start + budget))
for t in "${targets[@]}"; do
  if [ "$engine" = libfuzzer ]; then
    mapfile -t options < <(libfuzzer_options "$t")
    (cd "$work/$t" && TMPDIR="$work/$t/tmp" exec "$fuzzers/$t" "${options[@]}" -fork="${workers[$t]}" \
       -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 -max_total_time="$budget" \
       -artifact_prefix="$out/findings/$t/inputs/" "$work/$t/new" "$work/$t/corpus" "$work/$t/seeds") \
      >"$out/logs/$t.log" 2>&1 &
    pids+=($!)
  else
    for ((w = 0; w < workers[$t]; w++)); do
      replay_worker "$t" "$w" "${workers[$t]}" "$deadline" >"$out/logs/$t.w$w.log" 2>&1 &
      pids+=($!)
    done
  fi
done

# Wait for the fuzzers, with progress; past the budget and a grace period, stop them.
if [ "$budget" -le 120 ]; then interval=10; elif [ "$budget" -le 900 ]; then interval=30; else interval=60; fi
next_report=$interval
grace=60
while :; do
  alive=0
  for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
  [ "$alive" = 1 ] || break
  now=$(( $(date +%s) - fuzz_start ))
  if [ "$stop_requested" = 1 ] || [ "$now" -gt $((budget + grace)) ]; then
    [ "$stop_requested" = 1 ] || say "fuzzers still running $grace s past the budget: stopping them"
    for pid in "${pids[@]}"; do pkill -TERM -P "$pid" 2>/dev/null; kill -TERM "$pid" 2>/dev/null; done
    stop_requested=1
  fi
  if [ "$now" -ge "$next_report" ]; then
    progress "$now"
    next_report=$((next_report + interval))
  fi
  sleep 1  # polling the fuzzers' liveness; every wait above is bounded by the deadline
done
wait 2>/dev/null
fuzz_seconds=$(( $(date +%s) - fuzz_start ))
[ "$fuzz_seconds" -gt 0 ] || fuzz_seconds=1
[ "$fuzz_seconds" -ge $((next_report - interval + 2)) ] && progress "$fuzz_seconds"
fact job fuzz_seconds "$fuzz_seconds"
[ "$stop_requested" = 1 ] && [ "$fuzz_seconds" -lt "$budget" ] && fact job stopped_early "$fuzz_seconds"
stop_requested=0

for t in "${targets[@]}"; do
  # libFuzzer also saves inputs that ran longer than 10 s (slow-unit-*): not findings, but
  # kept and counted.
  if [ -n "$(find "$out/findings/$t/inputs" -name 'slow-unit-*' -print -quit)" ]; then
    mkdir -p "$out/findings/$t/slow"
    find "$out/findings/$t/inputs" -name 'slow-unit-*' -exec mv -t "$out/findings/$t/slow" {} +
  fi
  fact target "$t" slow_units "$(count_files "$out/findings/$t/slow")"
  execs=$(execs_of "$t")
  fact target "$t" execs "${execs:-0}"
  fact target "$t" exec_per_s "$(( ${execs:-0} / fuzz_seconds ))"
  if [ "$engine" = libfuzzer ]; then
    fact target "$t" cov "$(status_field "$t" cov)"
    fact target "$t" ft "$(status_field "$t" ft)"
    fact target "$t" new_units "$(count_files "$work/$t/new")"
  fi
  fact target "$t" crash_inputs "$(count_files "$out/findings/$t/inputs")"
done

# Runs the given command for each target, at most `jobs` at a time.
for_each_target() {
  local t running=0
  for t in "${targets[@]}"; do
    "$@" "$t" &
    running=$((running + 1))
    if [ "$running" -ge "$jobs" ]; then wait -n; running=$((running - 1)); fi
  done
  wait
}

# --- the corpora: new units merged in, the whole minimised ----------------------------

# libFuzzer's merge picks, from the corpus and the night's new units, a smallest set
# with every feature of both; it replaces the corpus. If the merge fails or runs out of
# time, the new units are added as they are: nothing found is lost. The shared corpus is
# locked throughout (another nightly merges into it too).
merge_locked() {
  local t="$1" status=ok after
  local corpus="$corpus_root/$t" min="$work/$t/min"
  mkdir -p "$corpus" "$min"
  # (the units the merge reads: those it leaves out go afterwards)
  find "$corpus" -maxdepth 1 -type f -printf '%f\n' | sort >"$work/$t/merge-input"
  mapfile -t options < <(libfuzzer_options "$t" | grep -v '^-dict=')
  (cd "$work/$t" && TMPDIR="$work/$t/tmp" timeout -k 10 "$merge_limit" "$fuzzers/$t" "${options[@]}" -merge=1 \
     -artifact_prefix="$work/$t/merge-" "$min" "$corpus" "$work/$t/new") >"$out/logs/$t.merge.log" 2>&1
  local rc=$?
  if [ "$rc" = 0 ] && [ "$(count_files "$min")" -gt 0 ]; then
    # The merged set goes in first, then what it left out goes: a unit that a writer
    # without the lock (./closesem fuzz) added meanwhile stays.
    find "$min" -maxdepth 1 -type f -printf '%f\n' | sort >"$work/$t/merge-output"
    find "$min" -maxdepth 1 -type f -exec mv -f -t "$corpus" {} +
    comm -23 "$work/$t/merge-input" "$work/$t/merge-output" | while IFS= read -r f; do rm -f -- "$corpus/$f"; done
    local kept=0 f
    for f in "$work/$t/new"/*; do [ -f "$corpus/$(basename "$f")" ] && kept=$((kept + 1)); done
    fact target "$t" new_units_kept "$kept"
  else
    status="merge failed (exit $rc, see logs/$t.merge.log): the new units were added as they are"
    cp -n "$work/$t/new"/* "$corpus/" 2>/dev/null
  fi
  after=$(count_files "$corpus")
  fact target "$t" merge "$status"
  fact target "$t" corpus_after "$after"
}

merge_corpus() {
  local t="$1" units
  units=$(count_files "$work/$t/new")
  if [ "$units" = 0 ]; then
    fact target "$t" merge "no new units"
    fact target "$t" corpus_after "$(count_files "$corpus_root/$t")"
    return 0
  fi
  with_lock "$corpus_root/$t.lock" "$lock_wait" "nightly $name (pid $$), merging" merge_locked "$t"
  [ $? = 75 ] || return 0
  # No lock (another run's merge outlived the wait): the new units stay in this report.
  mkdir -p "$out/corpus-new/$t" && cp "$work/$t/new"/* "$out/corpus-new/$t/"
  say "$t: not merged into $(shown "$corpus_root/$t") (no lock): its $units new units are in $(shown "$out/corpus-new/$t")/; copy them into the corpus later"
  fact target "$t" merge "merge failed: no lock on $(shown "$corpus_root/$t.lock") within $lock_wait s (another run held it): the $units new units are in corpus-new/$t/ of this report"
  fact target "$t" corpus_after "$(count_files "$corpus_root/$t")"
}

phase_start=$(date +%s)
if [ "$engine" = libfuzzer ]; then
  say "merging the new units into the corpora ($(shown "$corpus_root")/TARGET) and minimising them"
  for_each_target merge_corpus
fi
fact job merge_seconds $(( $(date +%s) - phase_start ))

# --- findings: signature, deduplication, minimisation, decoding, confirmation ---------

# At most this many crash inputs are run per target to learn their signatures (and none
# after the triage deadline: inputs that hang take a minute each), and this many
# signatures minimised (the rest are kept as they are, and counted).
readonly kMaxInputs=100 kMaxSignatures=10
triage_deadline=$(( $(date +%s) + (budget / 2 > 600 ? budget / 2 : 600) ))
minimise_limit=$(( budget / 10 )); [ "$minimise_limit" -ge 30 ] || minimise_limit=30; [ "$minimise_limit" -le 300 ] || minimise_limit=300

triage() {
  local t="$1" dir="$out/findings/$t" inputs="$out/findings/$t/inputs" f sig n=0
  local total
  total=$(count_files "$inputs")
  [ "$total" -gt 0 ] || return 0
  : >"$work/$t/signatures"
  # (newest last: a target that keeps failing the same way has the oldest inputs examined)
  while IFS= read -r f; do
    [ "$(date +%s)" -lt "$triage_deadline" ] || break
    sig=$(signature_of "$fuzzers/$t" "$t" "$f" "$work/$t/run.out")
    [ -n "$sig" ] || sig="(did not fail when run again)"
    printf '%s\t%s\t%s\n' "$sig" "$(stat -c %s "$f")" "$f" >>"$work/$t/signatures"
  done < <(ls -tr "$inputs" | head -n "$kMaxInputs" | sed "s|^|$inputs/|")
  fact target "$t" inputs_examined "$(wc -l <"$work/$t/signatures")"
  # One finding per signature, the most frequent first; its smallest input is minimised.
  while IFS=$'\t' read -r count sig; do
    n=$((n + 1))
    local smallest
    smallest=$(awk -F'\t' -v s="$sig" '$1 == s' "$work/$t/signatures" | sort -t$'\t' -k2,2n | head -n 1 | cut -f3)
    fact finding "$t" "$n" signature "$sig"
    fact finding "$t" "$n" inputs "$count"
    fact finding "$t" "$n" original "$(shown "$smallest")"
    fact finding "$t" "$n" original_size "$(stat -c %s "$smallest")"
    if [ "$sig" = "(did not fail when run again)" ]; then
      cp "$smallest" "$dir/$n.bin"
      fact finding "$t" "$n" status unreproducible
      fact finding "$t" "$n" files "$n.bin"
      continue
    fi
    if [ "$n" -gt "$kMaxSignatures" ]; then
      cp "$smallest" "$dir/$n.bin"
      fact finding "$t" "$n" status "not minimised (more than $kMaxSignatures signatures)"
      fact finding "$t" "$n" files "$n.bin"
      continue
    fi
    if bash "$TOP/tools/promote.sh" "$build" "$t" "$smallest" "$n" --fuzzers "$fuzzers" --out "$dir" \
         --time-limit "$minimise_limit" --log "$dir/$n.log" \
         --origin "Finding $n of $t, nightly $name, from $(basename "$smallest") (one of $count inputs with this signature)." \
         >"$out/logs/$t.finding-$n.log" 2>&1; then
      fact finding "$t" "$n" status confirmed
      fact finding "$t" "$n" what "$(sed -n 's/^closesem finding: //p' "$dir/$n.log" | head -n 1)"
      fact finding "$t" "$n" minimised "$(sed -n 's/^promote: \(minimised .*\)/\1/p' "$out/logs/$t.finding-$n.log" | head -n 1)"
      if [ -f "$dir/$n.asio" ]; then
        fact finding "$t" "$n" files "$n.asio $n.log"
      else
        fact finding "$t" "$n" files "$n.bin $n.ops $n.log"
      fi
    else
      cp "$smallest" "$dir/$n.bin"
      fact finding "$t" "$n" status "unconfirmed: $(grep '^promote: ' "$out/logs/$t.finding-$n.log" | tail -n 1 | sed 's/^promote: //')"
      fact finding "$t" "$n" files "$n.bin"
    fi
  done < <(cut -f1 "$work/$t/signatures" | sort | uniq -c | sort -k1,1nr -k2 | sed -E 's/^ *([0-9]+) /\1\t/')
}

phase_start=$(date +%s)
if [ -n "$(find "$out/findings" -mindepth 3 -path '*/inputs/*' -type f -print -quit)" ]; then
  say "crash inputs: learning their signatures, minimising one per signature (at most $minimise_limit s each), confirming"
  for_each_target triage
fi
find "$out/findings" -mindepth 1 -type d -empty -delete
fact job triage_seconds $(( $(date +%s) - phase_start ))

# --- conformance ------------------------------------------------------------------------

# Runs one conformance binary with its behaviour report switched on (bounded: a stack
# that hangs makes the suite's own bounded waits fail, and this is the last resort).
conformance_run() {
  local label="$1" binary="$2" report="$3" rc summary
  if [ ! -x "$binary" ]; then
    fact conformance "$label" status "missing $(shown "$binary")"
    return 1
  fi
  CLOSESEM_REPORT="$report" timeout -k 10 3600 "$binary" >"$out/logs/$label.log" 2>&1
  rc=$?
  summary=$(sed -n 's/^closesem: behaviour report .*: \([0-9]* pass, .* skipped\)$/\1/p' "$out/logs/$label.log" | tail -n 1)
  fact conformance "$label" exit "$rc"
  fact conformance "$label" summary "${summary:-no summary (see logs/$label.log)}"
  fact conformance "$label" report "$(basename "$report")"
  [ -s "$report" ] || fact conformance "$label" status "the suite wrote no report"
  return "$rc"
}

# The other reports in REPORTS that are finished (stats.json written, no .running): a
# run still writing its folder is neither last night's behaviour nor history.
finished_reports() {
  local dir
  for dir in "$reports_root"/*/; do
    dir=${dir%/}
    [ "$dir" != "$out" ] && [ -f "$dir/stats.json" ] && [ ! -e "$dir/.running" ] && printf '%s\n' "$dir"
  done
}

phase_start=$(date +%s)
if [ "$conformance" = 1 ]; then
  say "running the conformance suite (behaviour.json)"
  conformance_run conformance "$build/conformance/closesem_conformance" "$out/behaviour.json"
  conformance_run conformance-asio "$build/conformance/closesem_conformance_asio" "$out/behaviour-asio.json"
  # What changed since the last finished nightly report that has one.
  previous=$(finished_reports | while IFS= read -r dir; do
               [ -s "$dir/behaviour.json" ] && find "$dir/behaviour.json" -printf '%T@ %p\n'
             done | sort -n | tail -n 1 | cut -d' ' -f2-)
  if [ -n "$previous" ] && [ -s "$out/behaviour.json" ]; then
    "$tool" report diff "$previous" "$out/behaviour.json" >"$out/behaviour-diff.txt" 2>&1
    fact conformance diff previous "$(basename "$(dirname "$previous")")"
    fact conformance diff result "$(tail -n 1 "$out/behaviour-diff.txt")"
  fi
else
  fact conformance skipped reason "--no-conformance"
fi
fact job conformance_seconds $(( $(date +%s) - phase_start ))

# --- the report ---------------------------------------------------------------------------

fact job finished "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
# The history the summary reads: the finished reports alone (links to them).
mkdir -p "$work/history"
finished_reports | while IFS= read -r dir; do ln -s "$dir" "$work/history/$(basename "$dir")"; done
"$tool" nightly summary --facts "$facts" --dir "$out" --history "$work/history" --corpora "$TOP/corpora"
status=$?
rm -rf "$work"
rm -f "$out/.running"
exit "$status"
}
