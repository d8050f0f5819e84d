#!/usr/bin/env bash
# tools/promote.sh BUILD TARGET CRASH ID: turns a fuzz finding into a regression input.
# Called by `./closesem promote`. BUILD is a build folder with the replay engine's
# targets (build/dev). The input is run once to learn its signature (the target's
# "closesem signature:" line), minimised while that signature stays the same, run once
# more to confirm, and written to corpora/TARGET/regressions/ID.bin with ID.ops beside
# it: the program as .ops, to read and to replay with `closesem ops run`
# (fuzz_asio_close: ID.asio, its program text, minimised by lines).
set -uo pipefail

readonly TOP="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$1" target="$2" crash="$3" id="$4"
bin="$build/fuzz/$target"
tool="$build/tools/closesem_tool"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

say() { printf 'promote: %s\n' "$*" >&2; }

# The signature of one run of the target on a file ("" when it ran clean).
signature_of() {
  timeout 120 "$bin" "$1" >"$work/out" 2>&1
  sed -n 's/^closesem signature: //p' "$work/out" | head -n 1
}

# The signature FILE fails with, said; or, when it runs clean, why nothing is promoted
# (and a failed status).
failure_of() {
  local signature
  signature="$(signature_of "$1")"
  if [ -z "$signature" ]; then
    say "$crash does not fail with $target: nothing to promote (output of the run:)"
    tail -n 20 "$work/out" >&2
    return 1
  fi
  say "$crash fails with: $signature"
  printf '%s\n' "$signature"
}

# fuzz_asio_close: its findings print the program as text; that text is minimised by
# whole lines (the first, "threads N", stays) and kept as ID.asio, which is both the
# regression input and the readable reproducer.
if [ "$target" = fuzz_asio_close ]; then
  wanted="$(failure_of "$crash")" || exit 1
  sed -n '/^program (/,/^handlers:/p' "$work/out" | sed '1d;$d' >"$work/input"
  if [ "$(CLOSESEM_FUZZ_STRICT_TEXT=1 signature_of "$work/input")" != "$wanted" ]; then
    say "the program the finding printed does not fail the same way on its own (a race with 2 threads?); nothing written"
    exit 1
  fi
  runs=0
  changed=1
  while [ "$changed" = 1 ]; do
    changed=0
    line=2
    while [ "$line" -le "$(wc -l <"$work/input")" ]; do
      sed "${line}d" "$work/input" >"$work/candidate"
      runs=$((runs + 1))
      if [ "$(CLOSESEM_FUZZ_STRICT_TEXT=1 signature_of "$work/candidate")" = "$wanted" ]; then
        mv "$work/candidate" "$work/input"
        changed=1
      else
        line=$((line + 1))
      fi
    done
  done
  say "minimised to $(($(wc -l <"$work/input") - 1)) steps in $runs runs"
  got="$(CLOSESEM_FUZZ_STRICT_TEXT=1 signature_of "$work/input")"
  if [ "$got" != "$wanted" ]; then
    say "the minimised program no longer fails the same way (got '${got:-a clean run}'); nothing written"
    exit 1
  fi
  out_dir="$TOP/corpora/$target/regressions"
  mkdir -p "$out_dir"
  {
    echo "# Regression $id of $target, promoted $(date -u +%Y-%m-%d) from $(basename "$crash")."
    echo "# Finding: $(sed -n 's/^closesem finding: //p' "$work/out" | head -n 1)"
    echo "# Signature: $wanted"
    echo "# Replay: CLOSESEM_FUZZ_VERBOSE=1 build/dev/fuzz/$target corpora/$target/regressions/$id.asio"
    cat "$work/input"
  } >"$out_dir/$id.asio"
  say "wrote ${out_dir#"$TOP"/}/$id.asio"
  say "it fails until the model (fuzz/fuzz_asio_close.cpp, Profile) or the platform is fixed; ctest replays it from then on"
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

wanted="$(failure_of "$work/input")" || exit 1
cp "$work/out" "$work/original-out"

# Greedy minimisation: drop one unit at a time, keep the drop while the signature holds;
# repeat until a whole pass drops nothing.
size=$(stat -c %s "$work/input")
runs=0
changed=1
while [ "$changed" = 1 ]; do
  changed=0
  offset=0
  while [ "$offset" -lt "$size" ]; do
    { head -c "$offset" "$work/input"; tail -c +"$((offset + unit + 1))" "$work/input"; } >"$work/candidate"
    runs=$((runs + 1))
    if [ "$(signature_of "$work/candidate")" = "$wanted" ]; then
      mv "$work/candidate" "$work/input"
      size=$(stat -c %s "$work/input")
      changed=1
    else
      offset=$((offset + unit))
    fi
  done
done
say "minimised to $size bytes in $runs runs"

# The same failure, once more, from the file that is kept.
got="$(signature_of "$work/input")"
if [ "$got" != "$wanted" ]; then
  say "the minimised input no longer fails the same way (got '${got:-a clean run}'); nothing written"
  exit 1
fi

out_dir="$TOP/corpora/$target/regressions"
mkdir -p "$out_dir"
cp "$work/input" "$out_dir/$id.bin"
{
  echo "# Regression $id of $target, promoted $(date -u +%Y-%m-%d) from $(basename "$crash")."
  echo "# Finding: $(sed -n 's/^closesem finding: //p' "$work/out" | head -n 1)"
  echo "# Signature: $wanted"
  echo "# Replay: build/dev/fuzz/$target corpora/$target/regressions/$id.bin"
  if [ "$unit" = 16 ]; then
    # (the random expectation fields of the bytes are left out: the targets ignore them)
    "$tool" ops decode "$out_dir/$id.bin" | sed -E 's/ +-> .*$//' 
  else
    # Structured targets: the program the input made, as it ran, with what was observed.
    sed -n '/^--- the program as it ran/,$p' "$work/out" | sed '1d; /^replay: /d; /^$/d'
  fi
} >"$out_dir/$id.ops"
say "wrote ${out_dir#"$TOP"/}/$id.bin and $id.ops"
say "it fails until the model (core/src/model/profiles.cpp) or the platform is fixed; ctest replays it from then on"
grep -m1 '^closesem finding: ' "$work/out" >&2
