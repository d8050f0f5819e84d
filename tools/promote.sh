#!/usr/bin/env bash
# tools/promote.sh BUILD TARGET CRASH ID [--fuzzers DIR] [--out DIR] [--time-limit S]
#                  [--log FILE] [--origin TEXT]
# Turns a fuzz finding into a regression input. Called by `./closesem promote` (and by
# `./closesem nightly`, for every finding it keeps). BUILD is a build folder (its
# closesem_tool decodes inputs); the target's binary is DIR/TARGET (default BUILD/fuzz):
# the replay engine's or libFuzzer's, both run a file given to them once. The input is
# run once to learn its signature (the target's "closesem signature:" line, or what a
# sanitizer reported), minimised while that signature stays the same (until the time
# limit, if one is given: the smallest input so far is kept), run once more to confirm,
# and written to OUT/ID.bin (default OUT: corpora/TARGET/regressions) with ID.ops beside
# it: the program as .ops, to read and to replay with `closesem ops run`
# (fuzz_asio_close: ID.asio, its program text, minimised by lines). --log keeps the
# output of the confirming run. Exit status: 0 written, 1 the input does not fail (or
# not the same way once minimised), 2 bad arguments.
set -uo pipefail

readonly TOP="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=tools/fuzz_lib.sh
source "$TOP/tools/fuzz_lib.sh"

say() { printf 'promote: %s\n' "$*" >&2; }

usage() {
  cat <<'EOF_USAGE'
Usage: ./closesem promote CRASH --name ID [--target TARGET]

Turn a fuzz finding into a regression input: run CRASH once to learn its signature
(the target's "closesem signature:" line, or what a sanitizer reported), minimise it
while that signature stays the same (whole ops for the op-program targets, lines for
fuzz_asio_close, bytes for the others), run it once more to confirm, and write
corpora/TARGET/regressions/ID.bin with ID.ops beside it (the program, readable; replay
it with './closesem ops run'). fuzz_asio_close: ID.asio, its program text.

  CRASH            the input that failed (findings/TARGET/crash-..., or a .ops script)
  --name ID        the regression's name: letters, digits, '.', '_' or '-'
  --target TARGET  the fuzz target (fuzz/TARGET.cpp); default: the folder CRASH is in
  -h, --help       this text

The nightly job calls the script itself with a build folder:
  tools/promote.sh BUILD TARGET CRASH ID [--fuzzers DIR] [--out DIR] [--time-limit S]
                   [--log FILE] [--origin TEXT]

Exit status: 0 written, 1 the input does not fail (or not the same way once
minimised), 2 bad arguments.
EOF_USAGE
}

for arg in "$@"; do
  case "$arg" in -h|--help) usage; exit 0 ;; esac
done

[ $# -ge 4 ] || { say "usage: promote.sh BUILD TARGET CRASH ID [--fuzzers DIR] [--out DIR] [--time-limit S] [--log FILE] [--origin TEXT]"; exit 2; }
build="$1" target="$2" crash="$3" id="$4"
shift 4
fuzzers="$build/fuzz" out_dir="$TOP/corpora/$target/regressions" time_limit=0 log="" origin=""
while [ $# -gt 0 ]; do
  case "$1" in
    --fuzzers) fuzzers="$2" ;;
    --out) out_dir="$2" ;;
    --time-limit) time_limit="$2" ;;
    --log) log="$2" ;;
    --origin) origin="$2" ;;
    *) say "unknown option '$1'"; exit 2 ;;
  esac
  shift 2
done
[ -n "$origin" ] || origin="Regression $id of $target, promoted $(date -u +%Y-%m-%d) from $(basename "$crash")."
bin="$fuzzers/$target"
tool="$build/tools/closesem_tool"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
deadline=0
[ "$time_limit" -gt 0 ] && deadline=$((SECONDS + time_limit))
# True while there is time left to minimise.
time_left() { [ "$deadline" = 0 ] || [ "$SECONDS" -lt "$deadline" ]; }
stopped=""

# The signature of one run on a file ("" when it ran clean); the output is in $work/out.
run_once() { signature_of "$bin" "$target" "$1" "$work/out"; }

# The signature FILE fails with, said; or, when it runs clean, why nothing is promoted
# (and a failed status).
failure_of() {
  local signature
  signature="$(run_once "$1")"
  if [ -z "$signature" ]; then
    say "$crash does not fail with $target: nothing to promote (output of the run:)"
    tail -n 20 "$work/out" >&2
    return 1
  fi
  say "$crash fails with: $signature"
  printf '%s\n' "$signature"
}

# A path as the header shows it: relative to the source tree when inside it.
shown() { local path; path="$(realpath -m "$1")"; echo "${path#"$TOP"/}"; }

# The header of a kept reproducer: where it came from and how to replay it.
header() {
  echo "# $origin"
  echo "# Finding: $(sed -n 's/^closesem finding: //p' "$work/out" | head -n 1)"
  echo "# Signature: $wanted"
  echo "# Replay: ${2:-}$(shown "$bin") $(shown "$1")"
}

keep_log() { [ -z "$log" ] || cp "$work/out" "$log"; }

mkdir -p "$out_dir" || exit 1

# fuzz_asio_close: its findings print the program as text; that text is minimised by
# whole lines (the first, "threads N", stays) and kept as ID.asio, which is both the
# regression input and the readable reproducer. (A sanitizer's finding prints no
# program: such an input is kept as bytes, below.)
if [ "$target" = fuzz_asio_close ]; then
  wanted="$(failure_of "$crash")" || exit 1
fi
if [ "$target" = fuzz_asio_close ] && grep -q '^program (' "$work/out"; then
  sed -n '/^program (/,/^handlers:/p' "$work/out" | sed '1d;$d' >"$work/input"
  if [ "$(CLOSESEM_FUZZ_STRICT_TEXT=1 run_once "$work/input")" != "$wanted" ]; then
    say "the program the finding printed does not fail the same way on its own (a race with 2 threads?); nothing written"
    exit 1
  fi
  runs=0
  changed=1
  while [ "$changed" = 1 ] && [ -z "$stopped" ]; do
    changed=0
    line=2
    while [ "$line" -le "$(wc -l <"$work/input")" ]; do
      time_left || { stopped=" (stopped at the time limit of $time_limit s)"; break; }
      sed "${line}d" "$work/input" >"$work/candidate"
      runs=$((runs + 1))
      if [ "$(CLOSESEM_FUZZ_STRICT_TEXT=1 run_once "$work/candidate")" = "$wanted" ]; then
        mv "$work/candidate" "$work/input"
        changed=1
      else
        line=$((line + 1))
      fi
    done
  done
  say "minimised to $(($(wc -l <"$work/input") - 1)) steps in $runs runs$stopped"
  got="$(CLOSESEM_FUZZ_STRICT_TEXT=1 run_once "$work/input")"
  if [ "$got" != "$wanted" ]; then
    say "the minimised program no longer fails the same way (got '${got:-a clean run}'); nothing written"
    exit 1
  fi
  { header "$out_dir/$id.asio" "CLOSESEM_FUZZ_VERBOSE=1 "; cat "$work/input"; } >"$out_dir/$id.asio"
  keep_log
  say "wrote $(shown "$out_dir/$id.asio")"
  [ "$out_dir" != "$TOP/corpora/$target/regressions" ] ||
    say "it fails until the model (the asio model: core/src/asio_model/asio_model.cpp) or the platform is fixed; ctest replays it from then on"
  grep -m1 '^closesem finding: ' "$work/out" >&2
  exit 0
fi

# Binary programs are minimised by whole 16-byte records (one op each); the
# structured targets' inputs (small choice bytes) byte by byte.
case "$target" in
  fuzz_close_sequences|fuzz_ops_text) unit=16 ;;
  *) unit=1 ;;
esac

# A text (.ops) input of an op-program target becomes its binary form first.
cp "$crash" "$work/input"
if [ "$unit" = 16 ] && "$tool" ops check "$crash" >/dev/null 2>&1; then
  "$tool" ops encode "$crash" -o "$work/input" >/dev/null || exit 1
fi
[ "$target" = fuzz_asio_close ] || wanted="$(failure_of "$work/input")" || exit 1

# Greedy minimisation: drop one unit at a time, keep the drop while the signature holds;
# repeat until a whole pass drops nothing (or the time is up).
size=$(stat -c %s "$work/input")
original=$size
runs=0
changed=1
while [ "$changed" = 1 ] && [ -z "$stopped" ]; do
  changed=0
  offset=0
  while [ "$offset" -lt "$size" ]; do
    time_left || { stopped=" (stopped at the time limit of $time_limit s)"; break; }
    { head -c "$offset" "$work/input"; tail -c +"$((offset + unit + 1))" "$work/input"; } >"$work/candidate"
    runs=$((runs + 1))
    if [ "$(run_once "$work/candidate")" = "$wanted" ]; then
      mv "$work/candidate" "$work/input"
      size=$(stat -c %s "$work/input")
      changed=1
    else
      offset=$((offset + unit))
    fi
  done
done
say "minimised from $original to $size bytes in $runs runs$stopped"

# The same failure, once more, from the file that is kept.
got="$(run_once "$work/input")"
if [ "$got" != "$wanted" ]; then
  say "the minimised input no longer fails the same way (got '${got:-a clean run}'); nothing written"
  exit 1
fi

cp "$work/input" "$out_dir/$id.bin"
keep_log
{
  header "$out_dir/$id.bin"
  if [ "$target" = fuzz_asio_close ]; then
    echo "# (a sanitizer's finding: the target printed no program; the input is $id.bin)"
  elif [ "$unit" = 16 ]; then
    # (the random expectation fields of the bytes are left out: the targets ignore them)
    "$tool" ops decode "$out_dir/$id.bin" | sed -E 's/ +-> .*$//'
  else
    # Structured targets: the program the input made, as it ran, with what was observed.
    # (up to the engine's own lines: the replay engine's "replay:", libFuzzer's "==PID==")
    awk 'on && (/^$/ || /^==[0-9]+==/ || /^replay: /) { exit } on { print } /^--- the program as it ran/ { on = 1 }' "$work/out"
  fi
} >"$out_dir/$id.ops"
say "wrote $(shown "$out_dir/$id.bin") and $id.ops"
[ "$out_dir" != "$TOP/corpora/$target/regressions" ] ||
  say "it fails until the model (core/src/model/profiles.cpp) or the platform is fixed; ctest replays it from then on"
grep -m1 '^closesem finding: ' "$work/out" >&2
exit 0
