#!/usr/bin/env bash
# tools/bench.sh BUILD SECONDS TARGET...: executions per second of each fuzz target
# against the bare pair loop (fuzz/bench_bare_pairs.cpp), in the same run. Called by
# `./closesem bench`. Every program runs the replay engine's random mode (seed 1);
# the bare loop runs before and after the targets (at most 60 s each) and the
# ratios are taken against the mean of the two. While a program runs, its descriptor
# count is sampled every second (/proc/PID/fd); afterwards the TIME_WAIT sockets of
# the host are counted (ss). A finding does not stop a run (CLOSESEM_FUZZ_KEEP_GOING):
# findings and pair-setup failures are counted and shown.
set -uo pipefail

usage() {
  cat <<'EOF_USAGE'
Usage: ./closesem bench [--time SECONDS]

Executions per second of each fuzz target (release build, the replay engine's random
mode, seed 1) against a bare loop that only makes, uses and closes TCP pairs, in the
same run: the bare loop before and after the targets (at most 60 s each), the targets
in between (default 20 s each). Prints a markdown table: each program's rate and its
share of the bare loop, the descriptor count (sampled every second), pair-setup
failures, findings (they do not stop a run) and the TIME_WAIT sockets left.

  --time SECONDS   how long each target runs (default 20)
  -h, --help       this text

(tools/bench.sh BUILD SECONDS TARGET... is the same on a build folder.)
EOF_USAGE
}

for arg in "$@"; do
  case "$arg" in -h|--help) usage; exit 0 ;; esac
done
[ $# -ge 3 ] || { usage >&2; exit 2; }

build="$1" seconds="$2"
shift 2
targets=("$@")
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

say() { printf 'bench: %s\n' "$*" >&2; }
time_wait() { ss -Htan state time-wait 2>/dev/null | wc -l; }

# run NAME SECONDS: one program in random mode; sets RATE FDS FINDINGS PAIRFAIL TW.
run() {
  local name="$1" budget="$2" bin="$build/fuzz/$1"
  local out="$work/$name.out" min="" max="" n pid
  CLOSESEM_FUZZ_KEEP_GOING=1 "$bin" --random --seed 1 --budget "$budget" >"$out" 2>&1 &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    if [ -d "/proc/$pid/fd" ]; then
      n=$(find "/proc/$pid/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
      if [ "$n" -gt 0 ]; then
        { [ -z "$min" ] || [ "$n" -lt "$min" ]; } && min=$n
        { [ -z "$max" ] || [ "$n" -gt "$max" ]; } && max=$n
      fi
    fi
    sleep 1
  done
  wait "$pid"
  local status=$?
  RATE=$(sed -n 's/.* \([0-9][0-9]*\) per second.*/\1/p' "$out" | tail -n 1)
  [ -n "$RATE" ] || RATE=0
  FDS="${min:-?}–${max:-?}"
  FINDINGS=$(grep -c '^closesem finding:' "$out")
  PAIRFAIL=$(grep -c '^closesem signature: pair-setup' "$out")
  TW=$(time_wait)
  if [ "$status" != 0 ]; then
    say "$name ended with status $status; its last lines:"
    tail -n 15 "$out" >&2
    FINDINGS="$FINDINGS (exit $status)"
  fi
  say "$name: $RATE executions per second, descriptors $FDS, $FINDINGS finding(s)"
}

bare_time=$((seconds < 60 ? seconds : 60))
say "bare loop, then ${targets[*]}, then the bare loop again; $seconds s per target, $bare_time s per bare run"
say "tcp_tw_reuse=$(cat /proc/sys/net/ipv4/tcp_tw_reuse 2>/dev/null || echo '?') (2: loopback reuses TIME_WAIT ports), ports $(tr '\t' '-' </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo '?')"

rows=()
run bench_bare_pairs "$bare_time"
bare1=$RATE
rows+=("| bare loop (before) | $RATE | 100% | $FDS | $PAIRFAIL | $FINDINGS | $TW |")
declare -A rate=()
for target in "${targets[@]}"; do
  run "$target" "$seconds"
  rate[$target]=$RATE
  rows+=("| $target | $RATE | @$target | $FDS | $PAIRFAIL | $FINDINGS | $TW |")
done
run bench_bare_pairs "$bare_time"
bare2=$RATE
rows+=("| bare loop (after) | $RATE | 100% | $FDS | $PAIRFAIL | $FINDINGS | $TW |")
bare=$(((bare1 + bare2) / 2))

echo
echo "## closesem bench: executions per second, $(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -sr)"
echo
echo "Bare loop: one TCP loopback pair per execution, one byte each way, closed; mean of the two runs: $bare/s."
echo
echo "| program | exec/s | of the bare loop | descriptors (min–max) | pair-setup failures | findings | TIME_WAIT after |"
echo "|---|---|---|---|---|---|---|"
for row in "${rows[@]}"; do
  for target in "${targets[@]}"; do
    if [[ $row == *"@$target |"* ]]; then
      percent=$([ "$bare" -gt 0 ] && echo "$((100 * ${rate[$target]} / bare))%" || echo "?")
      row="${row/@$target/$percent}"
    fi
  done
  echo "$row"
done
echo
for target in "${targets[@]}"; do
  if [ "$target" = fuzz_close_sequences ] && [ "$bare" -gt 0 ]; then
    echo "fuzz_close_sequences runs at $((100 * ${rate[$target]} / bare))% of the bare loop (goal: 50% or more)."
  fi
done
