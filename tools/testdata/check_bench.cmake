# `closesem_tool bench` (issue 20: every engine the nightly runs): the replay engine of
# this build for a second against its bare loop (the table's columns, the machine line,
# the bare loop before and after, the ops the target ran and the share its model checked);
# stand-in targets for what the model checked, a crash and a run without a rate; stand-in
# libFuzzer builds that record how they were started (the target's .options flags and
# dictionary, its staged seeds, an empty corpus for the bare loop) for both libFuzzer rows;
# engines this machine cannot run (no clang++, no wine64 or mingw-w64 on PATH) named as not
# measured; --engines, --build-targets, --help and bad input. TOOL is closesem_tool, BUILD
# this build's folder (the replay engine's targets in BUILD/fuzz), SOURCE the source tree,
# WORK a scratch folder.
include(${CMAKE_CURRENT_LIST_DIR}/expect.cmake)
set(tool ${CMAKE_COMMAND} -E env CLOSESEM_PROG_NAME=./closesem ${TOOL})
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")

function(expect_match text regex what)
  if(NOT text MATCHES "${regex}")
    message(FATAL_ERROR "${what}: no match for '${regex}' in:\n${text}")
  endif()
endfunction()

set(header "| program | engine | sanitizers | exec/s | of the bare loop | checked ops | descriptors (min–max) | TIME_WAIT after | findings |")

# The replay engine of this build, for real.
run_expect(0 out ${tool} bench --time 1 --engines replay --replay-build ${BUILD} fuzz_linger)
expect("${out}" "## closesem bench: executions per second, ")
expect("${out}" "${header}")
expect_match("${out}" "\nMachine: kernel [^ ,]+, [1-9][0-9]* CPUs, load [0-9.]+ [0-9.]+ [0-9.]+ at the start [^\n]*tcp_tw_reuse=[^\n]*, ports "
             "the machine line")
# (fuzz_linger's harness counts what its model checked: a share of the ops it ran)
expect_match("${out}" "\n\\| fuzz_linger \\| replay \\| none \\| [1-9][0-9]* \\| [0-9]+% \\| [0-9]+% of [1-9][0-9]* \\| [0-9]+–[0-9]+ \\| [0-9]+ \\| [0-9]+ \\|\n"
             "fuzz_linger's row: a rate, its share, the share checked, descriptors, TIME_WAIT, findings")
foreach(when before after)
  expect_match("${out}" "\n\\| bench_bare_pairs \\(${when}\\) \\| replay \\| none \\| [1-9][0-9]* \\| [0-9]+% \\| – \\| [0-9]+–[0-9]+ \\| [0-9]+ \\| 0 \\|\n"
               "the bare loop ${when}: a rate, no ops checked")
endforeach()
expect_match("${out}" "against the mean of its engine's two bare runs, rounded down: replay [1-9][0-9]*/s;" "the bare mean")
expect_not("${out}" "wrote no counts file")
expect_not("${out}" "not measured")
expect_not("${out}" "measurement failed")

# Stand-ins for the replay engine (the real bare loop): fuzz_linger writes a counts file of
# 1000 ops, 910 checked (where CLOSESEM_CHECK_COUNTS says, its process id for %p);
# fuzz_handles writes none, which is named below the table; fuzz_asio_close has no op
# model and writes none, and ends its line as Windows does.
set(counts "${CMAKE_CURRENT_LIST_DIR}/nightly/counts/fuzz_linger-101.json")
set(write_counts "[ -n \"$CLOSESEM_CHECK_COUNTS\" ] && cp '${counts}' \"$(printf '%s' \"$CLOSESEM_CHECK_COUNTS\" | sed \"s/%p/$$/g\")\"\n")
set(rate_line "echo 'replay: 500 random inputs (seed 1) in 1.0 s, 500 per second'\n")
function(standin folder name body)
  file(MAKE_DIRECTORY "${folder}/fuzz")
  file(WRITE "${folder}/fuzz/${name}" "#!/bin/sh\n${body}")
  file(CHMOD "${folder}/fuzz/${name}" PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE)
endfunction()
set(standin "${WORK}/standin")
file(MAKE_DIRECTORY "${standin}/fuzz")
file(CREATE_LINK "${BUILD}/fuzz/bench_bare_pairs" "${standin}/fuzz/bench_bare_pairs" SYMBOLIC)
standin("${standin}" fuzz_linger "${write_counts}${rate_line}")
standin("${standin}" fuzz_handles "${rate_line}")
# (as a Windows program under Wine prints it: CR LF)
standin("${standin}" fuzz_asio_close "printf 'replay: 500 random inputs (seed 1) in 1.0 s, 500 per second\\r\\n'\n")
run_expect(0 out ${tool} bench --time 1 --engines replay --replay-build ${standin} fuzz_linger fuzz_handles fuzz_asio_close)
foreach(expected
    "\\| fuzz_linger \\| replay \\| none \\| 500 \\| [0-9]+% \\| 91% of 1000 \\| [^\n]* \\| 0 \\|\n"
    "\\| fuzz_handles \\| replay \\| none \\| 500 \\| [0-9]+% \\| – \\| [^\n]* \\| 0 \\|\n"
    "\\| fuzz_asio_close \\| replay \\| none \\| 500 \\| [0-9]+% \\| – \\| [^\n]* \\| 0 \\|\n"
    "\n- replay, fuzz_handles wrote no counts file \\(CLOSESEM_CHECK_COUNTS\\): what its model checked is unknown, not a pass\\."
    "bench: replay: fuzz_linger: 500 executions per second, [^\n]*, 1000 ops, 91% checked\n")
  expect_match("${out}" "${expected}" "bench with stand-in targets")
endforeach()
expect_not("${out}" "fuzz_asio_close wrote no counts file")
expect_not("${out}" "fuzz_linger wrote no counts file")

# A crash and a run without a rate are failed measurements: shown, and exit 1.
set(bad "${WORK}/standin-bad")
file(MAKE_DIRECTORY "${bad}/fuzz")
file(CREATE_LINK "${BUILD}/fuzz/bench_bare_pairs" "${bad}/fuzz/bench_bare_pairs" SYMBOLIC)
standin("${bad}" fuzz_handles "echo 'closesem finding: fuzz_handles: a stand-in'\n${rate_line}exit 3\n")
standin("${bad}" fuzz_linger "echo 'nothing to say'\n")
run_expect(1 out ${tool} bench --time 1 --engines replay --replay-build ${bad} fuzz_handles fuzz_linger)
foreach(expected
    "\\| fuzz_handles \\| replay \\| none \\| 500 \\| [0-9]+% \\| – \\| [^\n]* \\| 1 \\(exit 3\\) \\|\n"
    "\\| fuzz_linger \\| replay \\| none \\| failed \\| – \\| – \\| [^\n]* \\| 0 \\|\n"
    "\n- measurement failed: replay: fuzz_handles: ended with status 3\n"
    "\n- measurement failed: replay: fuzz_linger: printed no rate \\(the replay engine's 'N per second'\\)\n")
  expect_match("${out}" "${expected}" "bench with a crash and a silent target")
endforeach()

# Stand-in libFuzzer builds, one folder for both libFuzzer engines: each program records its
# arguments, what its last folder holds and its environment, then prints libFuzzer's final
# stats; fuzz_linger also writes its counts.
set(lf "${WORK}/standin-libfuzzer")
set(record "${WORK}/libfuzzer-args")
foreach(name bench_bare_pairs fuzz_close_sequences fuzz_linger)
  string(CONCAT body "for a in \"$@\"; do echo \"arg $a\"; last=$a; done >>'${record}-${name}'\n"
           "echo \"last holds $(ls \"$last\" | wc -l) files\" >>'${record}-${name}'\n"
           "echo \"keep going $CLOSESEM_FUZZ_KEEP_GOING\" >>'${record}-${name}'\n"
           "echo \"counts $CLOSESEM_CHECK_COUNTS\" >>'${record}-${name}'\n")
  if(name STREQUAL "fuzz_linger")
    string(APPEND body "${write_counts}")
  endif()
  string(APPEND body "echo 'stat::number_of_executed_units: 5000'\necho 'stat::average_exec_per_sec:     5000'\n")
  standin("${lf}" ${name} "${body}")
endforeach()
run_expect(0 out ${tool} bench --time 1 --engines libfuzzer-asan,libfuzzer --libfuzzer-build ${lf} --asan-build ${lf}
           fuzz_close_sequences fuzz_linger)
foreach(sanitizers none ASan\\+UBSan)
  foreach(expected
      "\\| bench_bare_pairs \\(before\\) \\| libFuzzer \\| ${sanitizers} \\| [1-9][0-9]* \\| [0-9]+% \\| – \\| [0-9?]+–[0-9?]+ \\| [0-9]+ \\| 0 \\|\n"
      "\\| fuzz_close_sequences \\| libFuzzer \\| ${sanitizers} \\| [1-9][0-9]* \\| [0-9]+% \\| – \\| [^\n]* \\| 0 \\|\n"
      "\\| fuzz_linger \\| libFuzzer \\| ${sanitizers} \\| [1-9][0-9]* \\| [0-9]+% \\| 91% of 1000 \\| [^\n]* \\| 0 \\|\n")
    expect_match("${out}" "${expected}" "bench with stand-in libFuzzer builds")
  endforeach()
endforeach()
# (the table's order: libFuzzer without sanitizers first, whatever the order in --engines)
string(FIND "${out}" "| libFuzzer | none |" plain_at)
string(FIND "${out}" "| libFuzzer | ASan+UBSan |" asan_at)
if(plain_at EQUAL -1 OR asan_at LESS plain_at)
  message(FATAL_ERROR "the libFuzzer rows without sanitizers do not come first:\n${out}")
endif()
expect("${out}" "libFuzzer's stat::number_of_executed_units (-print_final_stats=1) over the run's wall time")
expect_not("${out}" "replay |")
# Each ran twice (one per engine), as the nightly runs it: the .options flags and the
# dictionary, the seeds staged into a folder of their own after an empty corpus; the bare
# loop with no flags and only its empty corpus.
file(READ "${record}-fuzz_close_sequences" args)
foreach(expected "arg -dict=${SOURCE}/fuzz/fuzz_close_sequences.dict\n" "arg -max_len=1024\n" "arg -timeout=25\n"
                 "arg -seed=1\n" "arg -max_total_time=1\n" "arg -print_final_stats=1\n" "arg -artifact_prefix=/"
                 "keep going 1\n" "counts /")
  expect("${args}" "${expected}")
endforeach()
expect_match("${args}" "arg /[^\n]*/corpus\narg /[^\n]*/seeds\nlast holds [1-9][0-9]* files\n" "staged seeds after an empty corpus")
string(REGEX MATCHALL "arg -max_total_time=1\n" runs "${args}")
list(LENGTH runs count)
if(NOT count EQUAL 2)
  message(FATAL_ERROR "fuzz_close_sequences ran ${count} times under the libFuzzer stand-ins, expected 2:\n${args}")
endif()
file(READ "${record}-bench_bare_pairs" args)
expect_match("${args}" "arg -max_total_time=1\narg -print_final_stats=1\narg -artifact_prefix=[^\n]*\narg /[^\n]*/corpus\nlast holds 0 files\n"
             "the bare loop under libFuzzer: an empty corpus")
expect_not("${args}" "-dict=")
expect_not("${args}" "-max_len=")

# Engines this machine cannot run: with no clang++ (nor wine64's partner, the mingw-w64
# compiler) on PATH, the default runs what it can and names the rest, with the reason.
file(MAKE_DIRECTORY "${WORK}/emptybin")
set(bare_tool ${CMAKE_COMMAND} -E env CLOSESEM_PROG_NAME=./closesem PATH=${WORK}/emptybin ${TOOL})
set(elsewhere --libfuzzer-build ${WORK}/none --asan-build ${WORK}/none --wine-build ${WORK}/none)
run_expect(0 out ${bare_tool} bench --time 1 --replay-build ${standin} ${elsewhere} fuzz_handles)
foreach(expected
    "\\| fuzz_handles \\| replay \\| none \\| 500 \\| "
    "\n- not measured: libfuzzer \\(libFuzzer\\): no clang\\+\\+ on PATH \\(install clang and libclang-rt-14-dev\\)\n"
    "\n- not measured: libfuzzer-asan \\(libFuzzer with ASan\\+UBSan\\): no clang\\+\\+ on PATH "
    "\n- not measured: wine \\(replay under Wine\\): no (wine64|mingw-w64 compiler)")
  expect_match("${out}" "${expected}" "the default engines without clang++ or mingw-w64")
endforeach()
expect_not("${out}" "measurement failed")
# ... but one asked for by name is a failure, never a silent pass.
run_expect(1 out ${bare_tool} bench --time 1 --engines libfuzzer ${elsewhere} fuzz_handles)
expect("${out}" "- not measured: libfuzzer (libFuzzer): no clang++ on PATH")
expect("${out}" "- measurement failed: libfuzzer: asked for, but no clang++ on PATH")
expect("${out}" "- no engine was measured.")
# A build that is missing where the engine could run: a failure naming the binary.
run_expect(1 out ${tool} bench --time 1 --engines replay --replay-build ${WORK}/nowhere fuzz_linger)
expect("${out}" "- not measured: replay (replay): no ${WORK}/nowhere/fuzz/bench_bare_pairs (and 1 more): build the release preset's targets")
expect("${out}" "- measurement failed: replay: its programs are not built in ${WORK}/nowhere")

# What the front end builds: a line per preset, the bare loop and the targets.
run_expect(0 out ${tool} bench --build-targets --engines replay)
expect_match("${out}" "^release bench_bare_pairs( fuzz_[a-z_]+)+\n$" "--build-targets --engines replay")
expect("${out}" " fuzz_close_sequences")
expect_not("${out}" "fuzz_ops_text")
run_expect(0 out ${tool} bench --build-targets --engines replay,libfuzzer fuzz_linger --replay-build ${WORK}/mine)
expect_not("${out}" "release")
run_expect(0 out ${bare_tool} bench --build-targets fuzz_linger)
if(NOT out STREQUAL "release bench_bare_pairs fuzz_linger\n")
  message(FATAL_ERROR "--build-targets without clang++ or mingw-w64: expected only the release line, got:\n${out}")
endif()

foreach(flag --help -h)
  run_expect(0 out ${tool} bench ${flag})
  expect("${out}" "Usage: ./closesem bench [--time SECONDS] [--engines LIST]")
  foreach(word "  replay " "  libfuzzer " "  libfuzzer-asan " "  wine " "--replay-build" "--libfuzzer-build"
               "--asan-build" "--wine-build" "--build-targets" "Exit status:")
    expect("${out}" "${word}")
  endforeach()
endforeach()
run_expect(2 out ${tool} bench --time 0)
expect("${out}" "--time needs a number of seconds")
run_expect(2 out ${tool} bench --time x)
run_expect(2 out ${tool} bench fuzz_nosuch)
expect("${out}" "unknown fuzz target 'fuzz_nosuch'")
run_expect(2 out ${tool} bench fuzz_linger fuzz_linger)
expect("${out}" "given twice")
run_expect(2 out ${tool} bench --engines bogus)
expect("${out}" "closesem bench: --engines: unknown engine 'bogus' (one of: replay, libfuzzer, libfuzzer-asan, wine)")
run_expect(2 out ${tool} bench --engines bogus --build-targets)
expect("${out}" "unknown engine 'bogus'")
run_expect(2 out ${tool} bench --engines replay,replay)
expect("${out}" "--engines: 'replay' is given twice")
run_expect(2 out ${tool} bench "--engines=")
expect("${out}" "--engines")
foreach(list "replay," ",wine" "replay,,wine")
  run_expect(2 out ${tool} bench "--engines=${list}")
  expect("${out}" "closesem bench: --engines '${list}': an empty name (a list of: replay, libfuzzer, libfuzzer-asan, wine)")
endforeach()

# fuzz: the same checks of its arguments.
foreach(flag --help -h)
  run_expect(0 out ${tool} fuzz ${flag})
  expect("${out}" "Usage: ./closesem fuzz TARGET [--time SECONDS]")
  expect("${out}" "fuzz_close_sequences")
endforeach()
run_expect(2 out ${tool} fuzz)
expect("${out}" "closesem fuzz: needs a target")
run_expect(2 out ${tool} fuzz fuzz_nosuch)
expect("${out}" "unknown fuzz target 'fuzz_nosuch'")
run_expect(2 out ${tool} fuzz fuzz_linger --time -3)
run_expect(2 out ${tool} fuzz fuzz_linger --time 5 --fuzzers ${WORK}/nowhere)
expect("${out}" "no target binary ${WORK}/nowhere/fuzz_linger")
run_expect(0 out ${tool} fuzz fuzz_linger --time 5 --build-targets)
expect("${out}" "fuzz_linger\n")
