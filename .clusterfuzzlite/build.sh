#!/bin/bash -eu
# ClusterFuzzLite / OSS-Fuzz build of closesem's fuzz targets. The environment is the
# fuzzing image's: CC, CXX, CFLAGS, CXXFLAGS, LIB_FUZZING_ENGINE, SRC, OUT, WORK. The
# targets are those of the manifest CMake writes from fuzz/CMakeLists.txt
# (<build>/fuzz/targets.json): for each it puts into $OUT the binary,
# <target>_seed_corpus.zip (the input files of its seed and regression folders),
# <target>.dict and <target>.options as the manifest names them. Sources are left where
# they are (coverage builds read them).
project="$SRC/closesem"
build="$WORK/closesem-build"
asio_include=""
[ -f "$SRC/asio/asio/include/asio.hpp" ] && asio_include="-DAsio_INCLUDE_DIR=$SRC/asio/asio/include"

# CMAKE_BUILD_TYPE stays empty: the optimisation and sanitizer flags are the image's.
cmake -S "$project" -B "$build" -G Ninja \
  -DCMAKE_BUILD_TYPE= \
  -DCMAKE_C_COMPILER="$CC" -DCMAKE_CXX_COMPILER="$CXX" \
  -DCMAKE_C_FLAGS="$CFLAGS" -DCMAKE_CXX_FLAGS="$CXXFLAGS" \
  -DCLOSESEM_FUZZ_ONLY=ON -DCLOSESEM_FUZZ_ENGINE=libfuzzer \
  -DCLOSESEM_FUZZ_LINK="$LIB_FUZZING_ENGINE" \
  ${asio_include}

# One line per target: name, dictionary, options file, input suffix, seed folders, split by
# the unit separator (not a tab: empty fields would merge).
mapfile -t rows < <(python3 - "$build/fuzz/targets.json" <<'EOF_PY'
import json, sys
for t in json.load(open(sys.argv[1]))["targets"]:
    print("\x1f".join([t["name"], t["dictionary"], t["options_file"], t["input_suffix"]] + t["seed_dirs"]))
EOF_PY
)
[ "${#rows[@]}" -gt 0 ] || { echo "build.sh: the manifest $build/fuzz/targets.json names no target" >&2; exit 1; }
targets=()
for row in "${rows[@]}"; do targets+=("${row%%$'\x1f'*}"); done
cmake --build "$build" --target "${targets[@]}"

for row in "${rows[@]}"; do
  IFS=$'\x1f' read -r -a fields <<<"$row"
  target="${fields[0]}" dict="${fields[1]}" options="${fields[2]}" suffix="${fields[3]}"
  cp "$build/fuzz/$target" "$OUT/"
  if [ "${#fields[@]}" -gt 4 ]; then
    # Flat: libFuzzer reads the files, not the folders (cmake's zip: no zip package needed).
    # Only the target's own inputs: a binary seed's readable .ops twin is no input.
    flat="$WORK/closesem-corpus/$target"
    rm -rf "$flat" "$OUT/${target}_seed_corpus.zip"
    mkdir -p "$flat"
    find "${fields[@]:4}" -type f -name "*$suffix" -exec cp {} "$flat/" \;
    (cd "$flat" && cmake -E tar cf "$OUT/${target}_seed_corpus.zip" --format=zip -- *)
  fi
  [ -z "$dict" ] || cp "$dict" "$OUT/$target.dict"
  [ -z "$options" ] || cp "$options" "$OUT/$target.options"
done
echo "build.sh: ${#targets[@]} fuzz targets in $OUT: ${targets[*]}"
