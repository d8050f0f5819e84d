#!/usr/bin/env bash
# tools/selftest.sh: proof that the suite finds bugs. Runs the conformance suite and
# every socket fuzz target under each fault of the closesem_faults interposer
# (core/testing/shim/closesem_faults.c, LD_PRELOAD, CLOSESEM_FAULT=name) and
# prints a markdown table: fault, the conformance tests that caught it, and per fuzz
# target the seconds until it reported a finding. A fault nothing catches is a gap.
# `./closesem selftest` builds what this needs (the dev preset) and runs it.
#
# Environment: CLOSESEM_SELFTEST_BUILD, the build folder (default build/dev; a gcc build
# without sanitizers: LD_PRELOAD and ASan do not mix).
# Exit status: 0 when the baseline is clean and every fault was caught; 1 otherwise;
# 2 for bad usage.
set -euo pipefail

TOP="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly TOP

usage() {
  cat <<'EOF'
Usage: ./closesem selftest [--budget SECONDS] [--fault NAME]... [--conformance-timeout SECONDS]

Proof that the suite finds bugs: runs the conformance suite and each socket fuzz target
(fuzz/fuzz_*.cpp) under each fault of the closesem_faults LD_PRELOAD shim, after a
baseline run without a fault that must be clean, and prints a markdown table (also
written to <build>/selftest/selftest.md): fault, conformance tests that caught it, and
per fuzz target the seconds until its finding ('seeds' when the corpus replay caught
it, '—' when the budget ran out). Logs go to <build>/selftest/<fault>/.

Options:
  --budget SECONDS     random fuzzing per target and fault when the corpus did not
                       catch the fault (default 30)
  --fault NAME         only this fault (repeatable; default every fault of the shim)
  --conformance-timeout SECONDS
                       stop a conformance run after this long (default 300); its
                       failures so far are counted, marked "stopped"
  -h, --help           this text

Environment: CLOSESEM_SELFTEST_BUILD names the build folder (default build/dev).
Exit status 0 when the baseline is clean and every fault was caught, 1 otherwise,
2 for bad usage.
EOF
}

bad_usage() {
  echo "closesem selftest: $1" >&2
  echo "Run './closesem selftest --help' for the options." >&2
  exit 2
}

progress() { printf '%s' "$*" >&2; }

# --- options -----------------------------------------------------------------------

# Every fuzz target in the source folder, except fuzz_ops_text (it makes no socket call).
targets=()
for source in "$TOP"/fuzz/fuzz_*.cpp; do
  [ -e "$source" ] || continue
  target="$(basename "$source" .cpp)"
  [ "$target" = fuzz_ops_text ] || targets+=("$target")
done

# For the front end, before it builds: --build-targets prints the CMake targets this
# needs (the fuzz targets fuzz/CMakeLists.txt declares); --check-usage only validates.
if [ "${1:-}" = --build-targets ]; then
  echo closesem_faults closesem_conformance
  for target in "${targets[@]}"; do
    grep -Eq "closesem_add_fuzzer\\($target([[:space:]]|\$)" "$TOP/fuzz/CMakeLists.txt" && echo "$target"
  done
  exit 0
fi
check_usage_only=0
if [ "${1:-}" = --check-usage ]; then
  check_usage_only=1
  shift
fi

budget=30
conformance_timeout=300
faults_wanted=()
while [ $# -gt 0 ]; do
  case "$1" in
    --budget|--conformance-timeout)
      [[ ${2:-} =~ ^[1-9][0-9]{0,5}$ ]] || bad_usage "$1 needs a whole number of seconds (1 or more)"
      if [ "$1" = --budget ]; then budget=$2; else conformance_timeout=$2; fi
      shift ;;
    --fault)
      [[ ${2:-} =~ ^[a-z0-9-]+$ ]] || bad_usage "--fault needs a fault name (e.g. eof-as-reset)"
      faults_wanted+=("$2")
      shift ;;
    -h|--help) usage; exit 0 ;;
    *) bad_usage "unknown option '$1'" ;;
  esac
  shift
done
[ "$check_usage_only" = 0 ] || exit 0

# --- what there is to run -------------------------------------------------------------

build="${CLOSESEM_SELFTEST_BUILD:-$TOP/build/dev}"
[ -d "$build" ] || { echo "closesem selftest: no build folder $build" >&2; exit 1; }
build="$(cd "$build" && pwd)"
shim="$build/core/testing/shim/libclosesem_faults.so"
conformance="$build/conformance/closesem_conformance"
for file in "$shim" "$conformance"; do
  [ -e "$file" ] || { echo "closesem selftest: $file is not built (./closesem selftest builds it)" >&2; exit 1; }
done

# The faults, in the shim's order, with what each does: the shim lists them itself.
declare -A fault_what=()
all_faults=()
while IFS=$'\t' read -r name what; do
  all_faults+=("$name")
  fault_what[$name]="$what"
done < <(env CLOSESEM_FAULT=list LD_PRELOAD="$shim" /bin/true)
[ "${#all_faults[@]}" -gt 0 ] || { echo "closesem selftest: $shim lists no faults" >&2; exit 1; }
if [ "${#faults_wanted[@]}" -eq 0 ]; then
  faults=("${all_faults[@]}")
else
  faults=()
  for name in "${faults_wanted[@]}"; do
    [ -n "${fault_what[$name]:-}" ] || bad_usage "unknown fault '$name' (known: ${all_faults[*]})"
    faults+=("$name")
  done
fi

out="$build/selftest"
rm -rf "$out"
mkdir -p "$out"

# The corpora as they are now: every row replays the inputs the baseline replayed, even
# when corpora/ changes during the run (a new regression, a new seed).
for target in "${targets[@]}"; do
  for kind in seeds regressions; do
    if [ -d "$TOP/corpora/$target/$kind" ]; then
      mkdir -p "$out/corpora/$target"
      cp -R "$TOP/corpora/$target/$kind" "$out/corpora/$target/"
    fi
  done
done

# --- one run of each kind ---------------------------------------------------------------

now() { date +%s.%N; }
# "4.2", or "0.04" below a second.
seconds_since() {
  awk -v start="$1" -v end="$(now)" 'BEGIN { s = end - start; printf (s < 1 ? "%.2f" : "%.1f"), s }'
}

# bounded SECONDS LOG COMMAND...: runs the command with its output in LOG, for at most
# SECONDS (then SIGTERM, SIGKILL 15 s later), and sets rc. It runs in the background
# (timeout makes it a process group of its own) and is waited for, so that Ctrl-C
# stops it with everything it started; the shell's "Aborted" notice for a command that
# dies of a signal (a finding aborts) stays off the terminal.
child=""
bounded() {
  local seconds="$1" log="$2"
  shift 2
  rc=0
  {
    timeout --kill-after=15 "$seconds" "$@" >"$log" 2>&1 &
    child=$!
    wait "$child" || rc=$?
  } 2>/dev/null
  child=""
}
exec 4>&2  # the terminal, for the trap (bounded silences stderr while it waits)
trap 'if [ -n "$child" ]; then kill -TERM -- "-$child" 2>/dev/null || kill -TERM "$child" 2>/dev/null || true; fi
      printf "\nclosesem selftest: interrupted; logs so far in %s/\n" "$out" >&4; exit 130' INT TERM

# Failed test cases of a Catch2 XML report, one name a line (entities decoded).
failed_tests() {
  [ -f "$1" ] || return 0
  awk '
    /<TestCase name="/ { match($0, /name="[^"]*"/); name = substr($0, RSTART + 6, RLENGTH - 7) }
    /<OverallResult success="false"/ {
      gsub(/&quot;/, "\"", name); gsub(/&apos;/, "'\''", name); gsub(/&lt;/, "<", name)
      gsub(/&gt;/, ">", name); gsub(/&amp;/, "\\&", name)
      print name
    }' "$1" | awk '!seen[$0]++'
}

# The conformance suite under a fault ("" = none). Sets conf_failed (count),
# conf_names (up to 3, "; "-joined), conf_note (stopped, crashed, did not run).
run_conformance() {
  local fault="$1" dir="$2" names
  bounded "$conformance_timeout" "$dir/conformance.log" env LD_PRELOAD="$shim" CLOSESEM_FAULT="$fault" \
    "$conformance" --reporter xml --out "$dir/conformance.xml"
  mapfile -t names < <(failed_tests "$dir/conformance.xml")
  printf '%s\n' "${names[@]}" >"$dir/conformance-failed.txt"
  conf_failed=${#names[@]}
  [ -n "${names[0]:-}" ] || conf_failed=0
  conf_names=""
  local i
  for ((i = 0; i < conf_failed && i < 3; i++)); do
    conf_names+="${conf_names:+, }\"${names[i]}\""
  done
  [ "$conf_failed" -le 3 ] || conf_names+=", …"
  # (Catch2's exit status is the number of failed assertions, so the report says the
  # rest: a crash is a FatalErrorCondition, an unfinished report has no </Catch>.)
  local fatal=""
  [ -f "$dir/conformance.xml" ] &&
    fatal=$(sed -n 's/^ *\(SIG[A-Z]*\) - .*/\1/p' "$dir/conformance.xml" | head -n 1)
  conf_note=""
  if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    conf_note="stopped at ${conformance_timeout} s"
  elif [ -n "$fatal" ]; then
    conf_note="crashed: $fatal"
  elif ! grep -q '</Catch>' "$dir/conformance.xml" 2>/dev/null; then
    conf_note="no complete report, exit status $rc"
  elif [ "$rc" -ne 0 ] && [ "$conf_failed" -eq 0 ]; then
    conf_note="exit status $rc"
  fi
  conf_rc=$rc
}

# One fuzz target under a fault: the corpus first, then random inputs for the budget.
# Sets fuzz_cell ("seeds", "4.2 s", "—", "not built") and fuzz_finding (its first line).
run_fuzzer() {
  local fault="$1" target="$2" dir="$3" binary="$build/fuzz/$2" start kind
  fuzz_finding=""
  if [ ! -x "$binary" ]; then
    fuzz_cell="not built"
    return 0
  fi
  local corpus=()
  for kind in seeds regressions; do
    [ -d "$out/corpora/$target/$kind" ] && corpus+=("$out/corpora/$target/$kind")
  done
  mkdir -p "$dir/$target"
  if [ "${#corpus[@]}" -gt 0 ]; then
    start=$(now)
    bounded 300 "$dir/$target/seeds.log" env -C "$dir/$target" LD_PRELOAD="$shim" CLOSESEM_FAULT="$fault" \
      "$binary" "${corpus[@]}"
    if [ "$rc" -ne 0 ]; then
      fuzz_cell="seeds"
      fuzz_finding="$(finding_line "$dir/$target/seeds.log" "$rc") (corpus replay, $(seconds_since "$start") s)"
      return 0
    fi
  fi
  start=$(now)
  # (The replay engine saves the failing input as crash-<seed>-<n> in its folder.)
  bounded $((budget + 120)) "$dir/$target/random.log" env -C "$dir/$target" LD_PRELOAD="$shim" \
    CLOSESEM_FAULT="$fault" "$binary" --random --seed 1 --budget "$budget"
  if [ "$rc" -ne 0 ]; then
    fuzz_cell="$(seconds_since "$start") s"
    fuzz_finding="$(finding_line "$dir/$target/random.log" "$rc")"
  else
    fuzz_cell="—"
  fi
}

# The first "closesem finding:" line of a log, or what ended the run without one.
finding_line() {
  local line
  line=$(grep -m 1 '^closesem finding:' "$1" || true)
  if [ -n "$line" ]; then
    echo "$line"
  elif [ "$2" -eq 124 ] || [ "$2" -eq 137 ]; then
    echo "no finding line: the run hung and was stopped"
  else
    echo "no finding line: exit status $2 ($(grep -v '^replay: ' "$1" | grep -m 1 . || echo 'no output'))"
  fi
}

# A markdown table cell: no pipes, no line breaks.
cell() { local text="${1//|/\\|}"; printf '%s' "${text//$'\n'/ }"; }

# --- the runs ---------------------------------------------------------------------------

rows=()       # one markdown row per fault, baseline first
gaps=()
findings=()   # "fault × target: line"
baseline_clean=1
count=${#faults[@]}
index=0
for fault in "" "${faults[@]}"; do
  label="${fault:-baseline}"
  dir="$out/$label"
  mkdir -p "$dir"
  if [ -z "$fault" ]; then
    progress "baseline (no fault): conformance ..."
  else
    index=$((index + 1))
    progress "fault $index/$count $fault: conformance ..."
  fi
  run_conformance "$fault" "$dir"
  progress " $conf_failed failed${conf_note:+ ($conf_note)}"
  caught=0
  if [ "$conf_failed" -gt 0 ] || [ "$conf_rc" -ne 0 ]; then caught=1; fi
  if [ "$conf_failed" -gt 0 ]; then
    conf_cell="$conf_failed — $conf_names${conf_note:+ ($conf_note)}"
  elif [ -n "$conf_note" ]; then
    conf_cell="0 ($conf_note)"
  else
    conf_cell="—"
  fi
  if [ -z "$fault" ]; then
    row="| *baseline* | no fault (the shim passes every call through) | $(cell "$conf_cell") |"
  else
    row="| $fault | $(cell "${fault_what[$fault]}") | $(cell "$conf_cell") |"
  fi
  for target in "${targets[@]}"; do
    progress "; $target ..."
    run_fuzzer "$fault" "$target" "$dir"
    case "$fuzz_cell" in
      seeds) progress " found by the corpus" ;;
      "—") progress " nothing in $budget s" ;;
      "not built") progress " not built" ;;
      *) progress " found in $fuzz_cell" ;;
    esac
    if [ -n "$fuzz_finding" ]; then
      caught=1
      findings+=("${fault:-baseline} × $target: $fuzz_finding")
    fi
    row+=" $(cell "$fuzz_cell") |"
  done
  progress $'\n'
  rows+=("$row")
  if [ -z "$fault" ]; then
    if [ "$caught" = 1 ]; then
      baseline_clean=0
      progress "closesem selftest: THE BASELINE IS NOT CLEAN: without a fault, something failed (logs: $dir/)"$'\n'
    fi
  elif [ "$caught" = 0 ]; then
    gaps+=("$fault")
  fi
done

# --- the table ------------------------------------------------------------------------------

{
  echo "# closesem selftest"
  echo
  echo "Each fault of closesem_faults (LD_PRELOAD) against the conformance suite and each fuzz"
  echo "target (corpus replay, then random inputs with seed 1 for $budget s). Build: ${build#"$TOP"/}."
  echo
  header="| fault | what it does | conformance tests that caught it |"
  rule="|---|---|---|"
  for target in "${targets[@]}"; do
    header+=" $target |"
    rule+="---|"
  done
  echo "$header"
  echo "$rule"
  printf '%s\n' "${rows[@]}"
  echo
  if [ "$baseline_clean" = 0 ]; then
    echo "BASELINE NOT CLEAN: the suite fails without any fault; the rows above prove nothing."
  fi
  for fault in "${gaps[@]}"; do
    echo "GAP: $fault was caught by nothing"
  done
  if [ "${#findings[@]}" -gt 0 ]; then
    echo
    echo "Findings (the first line of each; logs in ${out#"$TOP"/}/<fault>/<target>/):"
    echo
    printf -- '- %s\n' "${findings[@]}"
  fi
} | tee "$out/selftest.md"
progress "closesem selftest: table written to $out/selftest.md"$'\n'

if [ "$baseline_clean" = 1 ] && [ "${#gaps[@]}" -eq 0 ]; then exit 0; fi
exit 1
