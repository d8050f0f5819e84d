# closesem_add_fuzzer(NAME SOURCES src... LIBS lib... [CORPORA dir...] [NO_TESTS]): one fuzz target, built for the
# engine of this build. CLOSESEM_FUZZ_ENGINE is `libfuzzer` (clang, the fuzz preset:
# links -fsanitize=fuzzer) or `replay` (any compiler, mingw and MSVC included: links
# fuzz/replay_main.cpp, which replays files and runs random inputs for a budget).
# Either way ctest replays corpora/NAME/seeds and corpora/NAME/regressions once, and the
# folders given as CORPORA (scripts shared with other tests, e.g. corpora/scenarios).
set(CLOSESEM_FUZZ_ENGINE "replay" CACHE STRING "Fuzz engine: libfuzzer or replay")
# How a libfuzzer target links the engine: OSS-Fuzz and ClusterFuzzLite pass their
# $LIB_FUZZING_ENGINE here (.clusterfuzzlite/build.sh).
set(CLOSESEM_FUZZ_LINK "-fsanitize=fuzzer" CACHE STRING "Link flags of the libFuzzer engine")
set_property(CACHE CLOSESEM_FUZZ_ENGINE PROPERTY STRINGS libfuzzer replay)

function(closesem_add_fuzzer name)
  cmake_parse_arguments(arg "NO_TESTS" "" "SOURCES;LIBS;CORPORA" ${ARGN})
  add_executable(${name} ${arg_SOURCES})
  target_link_libraries(${name} PRIVATE ${arg_LIBS} closesem_warnings)
  if(CLOSESEM_FUZZ_ENGINE STREQUAL "libfuzzer")
    separate_arguments(engine NATIVE_COMMAND "${CLOSESEM_FUZZ_LINK}")
    target_link_options(${name} PRIVATE ${engine})
    set(replay_args -runs=0)
  else()
    target_sources(${name} PRIVATE ${PROJECT_SOURCE_DIR}/fuzz/replay_main.cpp)
    set(replay_args)
  endif()
  if(arg_NO_TESTS)
    return()
  endif()
  set(corpus_dirs ${arg_CORPORA})
  foreach(kind IN ITEMS seeds regressions)
    if(IS_DIRECTORY "${PROJECT_SOURCE_DIR}/corpora/${name}/${kind}")
      list(APPEND corpus_dirs "${PROJECT_SOURCE_DIR}/corpora/${name}/${kind}")
    endif()
  endforeach()
  if(corpus_dirs)
    add_test(NAME fuzz.replay.${name} COMMAND ${name} ${replay_args} ${corpus_dirs})
    set_tests_properties(fuzz.replay.${name} PROPERTIES LABELS "fuzz" TIMEOUT 300)
  endif()
  if(NOT CLOSESEM_FUZZ_ENGINE STREQUAL "libfuzzer")
    # The replay engine's random mode, briefly: the Windows build fuzzes too.
    add_test(NAME fuzz.random.${name} COMMAND ${name} --random --seed 1 --budget 3)
    set_tests_properties(fuzz.random.${name} PROPERTIES LABELS "fuzz" TIMEOUT 120)
  endif()
endfunction()
