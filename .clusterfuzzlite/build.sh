#!/bin/bash -eu
# ClusterFuzzLite / OSS-Fuzz build of closesem's fuzz targets. The environment is the
# fuzzing image's: CC, CXX, CFLAGS, CXXFLAGS, LIB_FUZZING_ENGINE, SRC, OUT, WORK. For
# every target in fuzz/fuzz_*.cpp it puts into $OUT the binary, <target>_seed_corpus.zip
# (corpora/<target>/seeds and regressions), <target>.dict and <target>.options when
# they exist. Sources are left where they are (coverage builds read them).
project="$SRC/closesem"
asio_include=""
[ -f "$SRC/asio/asio/include/asio.hpp" ] && asio_include="-DAsio_INCLUDE_DIR=$SRC/asio/asio/include"

mapfile -t targets < <(cd "$project/fuzz" && ls fuzz_*.cpp | sed 's/\.cpp$//')

# CMAKE_BUILD_TYPE stays empty: the optimisation and sanitizer flags are the image's.
cmake -S "$project" -B "$WORK/closesem-build" -G Ninja \
  -DCMAKE_BUILD_TYPE= \
  -DCMAKE_C_COMPILER="$CC" -DCMAKE_CXX_COMPILER="$CXX" \
  -DCMAKE_C_FLAGS="$CFLAGS" -DCMAKE_CXX_FLAGS="$CXXFLAGS" \
  -DCLOSESEM_FUZZ_ONLY=ON -DCLOSESEM_FUZZ_ENGINE=libfuzzer \
  -DCLOSESEM_FUZZ_LINK="$LIB_FUZZING_ENGINE" \
  ${asio_include}
cmake --build "$WORK/closesem-build" --target "${targets[@]}"

for target in "${targets[@]}"; do
  cp "$WORK/closesem-build/fuzz/$target" "$OUT/"
  corpus=()
  for kind in seeds regressions; do
    [ -d "$project/corpora/$target/$kind" ] && corpus+=("$project/corpora/$target/$kind")
  done
  if [ "${#corpus[@]}" -gt 0 ]; then
    # Flat: libFuzzer reads the files, not the folders (cmake's zip: no zip package needed).
    flat="$WORK/closesem-corpus/$target"
    rm -rf "$flat" "$OUT/${target}_seed_corpus.zip"
    mkdir -p "$flat"
    find "${corpus[@]}" -type f -exec cp {} "$flat/" \;
    (cd "$flat" && cmake -E tar cf "$OUT/${target}_seed_corpus.zip" --format=zip -- *)
  fi
  [ -f "$project/fuzz/$target.dict" ] && cp "$project/fuzz/$target.dict" "$OUT/"
  [ -f "$project/fuzz/$target.options" ] && cp "$project/fuzz/$target.options" "$OUT/"
done
echo "build.sh: ${#targets[@]} fuzz targets in $OUT: ${targets[*]}"
