# Runs .clusterfuzzlite/build.sh here as ClusterFuzzLite would, without Docker: the
# environment OSS-Fuzz's base images give it (CC, CXX, CFLAGS, CXXFLAGS,
# LIB_FUZZING_ENGINE, SRC, OUT, WORK; CXXFLAGS without -stdlib=libc++, which Debian's
# clang lacks), then checks that every fuzz target landed in OUT with its seed corpus,
# dictionary and options, and that each binary runs its seeds (-runs=0).
find_program(CLANG clang)
find_program(CLANGXX clang++)
if(NOT CLANG OR NOT CLANGXX)
  message(STATUS "no clang here: skipped (./closesem test installs it)")
  cmake_language(EXIT 77)
endif()
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}/src" "${WORK}/out" "${WORK}/work")
file(CREATE_LINK "${SOURCE}" "${WORK}/src/closesem" SYMBOLIC)
set(flags "-O1 -fno-omit-frame-pointer -gline-tables-only -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION -fsanitize=address -fsanitize-address-use-after-scope -fsanitize=fuzzer-no-link")
execute_process(COMMAND ${CMAKE_COMMAND} -E env CC=${CLANG} CXX=${CLANGXX} "CFLAGS=${flags}" "CXXFLAGS=${flags}"
                        LIB_FUZZING_ENGINE=-fsanitize=fuzzer SANITIZER=address SRC=${WORK}/src OUT=${WORK}/out
                        WORK=${WORK}/work
                        bash -eu ${SOURCE}/.clusterfuzzlite/build.sh
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out TIMEOUT 1500)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "build.sh failed (${rc}):\n${out}")
endif()
file(GLOB sources "${SOURCE}/fuzz/fuzz_*.cpp")
list(LENGTH sources count)
foreach(source IN LISTS sources)
  get_filename_component(target "${source}" NAME_WE)
  set(binary "${WORK}/out/${target}")
  if(NOT EXISTS "${binary}")
    message(FATAL_ERROR "build.sh left no ${target} in OUT:\n${out}")
  endif()
  foreach(extra dict options)
    if(EXISTS "${SOURCE}/fuzz/${target}.${extra}" AND NOT EXISTS "${WORK}/out/${target}.${extra}")
      message(FATAL_ERROR "build.sh did not copy ${target}.${extra} to OUT")
    endif()
  endforeach()
  set(seeds "${WORK}/seeds/${target}")
  file(MAKE_DIRECTORY "${seeds}")
  if(IS_DIRECTORY "${SOURCE}/corpora/${target}")
    if(NOT EXISTS "${WORK}/out/${target}_seed_corpus.zip")
      message(FATAL_ERROR "build.sh made no ${target}_seed_corpus.zip")
    endif()
    execute_process(COMMAND ${CMAKE_COMMAND} -E tar xf "${WORK}/out/${target}_seed_corpus.zip"
                    WORKING_DIRECTORY "${seeds}" RESULT_VARIABLE rc)
    file(GLOB unpacked "${seeds}/*")
    list(LENGTH unpacked seed_count)
    if(NOT rc EQUAL 0 OR seed_count EQUAL 0)
      message(FATAL_ERROR "${target}_seed_corpus.zip does not unpack to seeds")
    endif()
  endif()
  execute_process(COMMAND ${binary} -runs=0 "${seeds}" RESULT_VARIABLE rc OUTPUT_VARIABLE run ERROR_VARIABLE run
                  TIMEOUT 300)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${target} from build.sh did not run its seeds (${rc}):\n${run}")
  endif()
  string(REGEX MATCH "INFO: seed corpus: files: [0-9]+" loaded "${run}")
  message(STATUS "${target}: built, ${loaded}")
endforeach()
message(STATUS "build.sh produced all ${count} fuzz targets")
