# tools/fuzz_lib.sh: what `closesem fuzz`, `closesem promote` and `closesem nightly`
# share about running a fuzz target. Sourced (bash), not run. Needs TOP (the source tree).

# Every fuzz target, one per line: the fuzz/fuzz_*.cpp files (the one list of targets).
fuzz_targets() {
  (cd "$TOP/fuzz" && ls fuzz_*.cpp | sed 's/\.cpp$//')
}

# stage_seeds TOOL TARGET DEST: copies the target's seeds and regressions into DEST as
# the fuzzer mutates them. Op-program targets get the binary form (16-byte records), so
# that a mutation changes an op, not a letter of its text. Prints how many were staged.
stage_seeds() {
  local tool="$1" target="$2" dest="$3" seed count=0
  mkdir -p "$dest"
  for seed in "$TOP/corpora/$target/seeds"/* "$TOP/corpora/$target/regressions"/*; do
    [ -f "$seed" ] || continue
    if [ "$target" = fuzz_close_sequences ] && [[ $seed == *.ops ]]; then
      "$tool" ops encode "$seed" -o "$dest/$(basename "$seed" .ops).bin" >/dev/null || return 1
    else
      cp "$seed" "$dest/"
    fi
    count=$((count + 1))
  done
  echo "$count"
}

# libfuzzer_options TARGET: the [libfuzzer] options of fuzz/TARGET.options (key = value,
# as ClusterFuzz reads them) as libFuzzer flags, one per line, the dictionary with its path.
libfuzzer_options() {
  local target="$1" line
  [ -f "$TOP/fuzz/$target.dict" ] && echo "-dict=$TOP/fuzz/$target.dict"
  [ -f "$TOP/fuzz/$target.options" ] || return 0
  while IFS= read -r line; do
    [[ $line =~ ^[[:space:]]*dict[[:space:]]*= ]] && continue  # given above, with its path
    [[ $line =~ ^[[:space:]]*([a-z_]+)[[:space:]]*=[[:space:]]*([^[:space:]]+) ]] &&
      echo "-${BASH_REMATCH[1]}=${BASH_REMATCH[2]}"
  done <"$TOP/fuzz/$target.options"
}

# option_value TARGET NAME DEFAULT: one value of fuzz/TARGET.options (max_len, timeout).
option_value() {
  local value
  value=$(libfuzzer_options "$1" | sed -n "s/^-$2=//p" | head -n 1)
  echo "${value:-$3}"
}

# signature_in OUTPUT_FILE: the signature a run's output shows, or "" for a clean run.
# The target's own line ("closesem signature: ...") first; else what a sanitizer or
# libFuzzer reported: the kind and, where there is one, the place (file:line, no path).
signature_in() {
  local out="$1" sig
  sig=$(sed -n 's/^closesem signature: //p' "$out" | head -n 1)
  if [ -z "$sig" ]; then
    sig=$(sed -n -E 's/^SUMMARY: ([A-Za-z]+Sanitizer): ([^ ]+) ([^ ]*\/)?([^ /]+:[0-9]+)(:[0-9]+)? .*/\1\/\2 at \4/p' "$out" | head -n 1)
  fi
  if [ -z "$sig" ]; then
    sig=$(sed -n -E 's/^SUMMARY: ([A-Za-z]+Sanitizer): ([a-z-]+).*/\1\/\2/p' "$out" | head -n 1)
  fi
  if [ -z "$sig" ]; then
    sig=$(sed -n -E 's/^==[0-9]+== ERROR: libFuzzer: ([a-z -]+[a-z]).*/libFuzzer\/\1/p' "$out" | head -n 1 | tr ' ' '-')
  fi
  printf '%s\n' "$sig"
}

# signature_of BINARY TARGET FILE OUT: runs the target once on FILE (output to OUT) and
# prints the signature it fails with ("" when it ran clean). A run that outlives the
# target's timeout (from its .options) by 30 s is stopped: signature "timeout".
signature_of() {
  local bin="$1" target="$2" file="$3" out="$4" limit rc
  limit=$(( $(option_value "$target" timeout 25) + 30 ))
  timeout -k 5 "$limit" "$bin" "$file" >"$out" 2>&1
  rc=$?
  if { [ "$rc" = 124 ] || [ "$rc" = 137 ]; } && ! grep -q '^closesem signature: \|^SUMMARY: \|ERROR: libFuzzer' "$out"; then
    echo "timeout/no end within ${limit} s"
    return 0
  fi
  signature_in "$out"
}

# with_lock FILE SECONDS HOLDER CMD...: runs CMD holding an exclusive lock on FILE (flock,
# util-linux), waiting at most SECONDS for it; HOLDER (who holds it) goes into FILE, for
# the message of whoever waits. What several runs share (a fuzz target's corpus) is
# changed under it. Status: CMD's; 75 when the lock did not come in time or FILE cannot
# be opened (said on stderr, with the holder).
with_lock() {
  local file="$1" wait="$2" holder="$3" fd rc
  shift 3
  if ! exec {fd}>>"$file"; then
    printf 'cannot open the lock file %s\n' "$file" >&2
    return 75
  fi
  if ! flock -w "$wait" "$fd"; then
    printf 'the lock %s was not free within %s s (held by: %s)\n' "$file" "$wait" \
      "$(head -n 1 "$file" 2>/dev/null | cut -c1-200)" >&2
    exec {fd}>&-
    return 75
  fi
  printf '%s\n' "$holder" >"$file" 2>/dev/null
  "$@"
  rc=$?
  exec {fd}>&-
  return "$rc"
}
