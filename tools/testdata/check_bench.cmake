# `closesem_tool bench` (formerly tools/bench.sh): one target for a second against the
# bare loop: the table with its columns, the bare loop before and after, a rate for each,
# the ops the target ran and the share its model checked; stand-in targets for what the
# model checked (a counts file as the harness writes it, none where one is due, none
# from a target without an op model); then --help and bad input. TOOL is closesem_tool,
# FUZZERS the folder of the binaries.
include(${CMAKE_CURRENT_LIST_DIR}/expect.cmake)
set(tool ${CMAKE_COMMAND} -E env CLOSESEM_PROG_NAME=./closesem ${TOOL})
run_expect(0 out ${tool} bench --time 1 --fuzzers ${FUZZERS} fuzz_linger)
expect("${out}" "## closesem bench: executions per second, ")
expect("${out}" "| program | exec/s | of the bare loop | descriptors (min–max) | pair-setup failures | findings | TIME_WAIT after | ops run | checked |")
expect("${out}" "| bare loop (before) | ")
expect("${out}" "| bare loop (after) | ")
expect("${out}" "bench: tcp_tw_reuse=")
# (fuzz_linger's harness counts what its model checked: ops ran, and a share of them)
if(NOT out MATCHES "\\| fuzz_linger \\| [1-9][0-9]* \\| [0-9]+% \\| [0-9]+–[0-9]+ \\| 0 \\| 0 \\| [0-9]+ \\| [1-9][0-9]* \\| [0-9]+% \\|")
  message(FATAL_ERROR "no fuzz_linger row with a rate, a share, descriptors, ops run and the share checked:\n${out}")
endif()
expect("${out}" "| bare loop (before) | ")
if(NOT out MATCHES "\\| bare loop \\(after\\) \\| [^\n]* \\| – \\| – \\|")
  message(FATAL_ERROR "the bare loop has ops run or a checked share:\n${out}")
endif()
expect_not("${out}" "wrote no counts file")

# Stand-ins (the real bare loop): fuzz_linger writes a counts file of 1000 ops, 910 checked
# (where CLOSESEM_CHECK_COUNTS says, its process id for %p); fuzz_handles writes none,
# which is named below the table; fuzz_asio_close has no op model and writes none.
set(standin "${WORK}/standin")
file(REMOVE_RECURSE "${standin}")
file(MAKE_DIRECTORY "${standin}")
file(CREATE_LINK "${FUZZERS}/bench_bare_pairs" "${standin}/bench_bare_pairs" SYMBOLIC)
set(counts "${CMAKE_CURRENT_LIST_DIR}/nightly/counts/fuzz_linger-101.json")
foreach(name fuzz_linger fuzz_handles fuzz_asio_close)
  set(write "")
  if(name STREQUAL "fuzz_linger")
    set(write "[ -n \"$CLOSESEM_CHECK_COUNTS\" ] && cp '${counts}' \"$(printf '%s' \"$CLOSESEM_CHECK_COUNTS\" | sed \"s/%p/$$/g\")\"\n")
  endif()
  file(WRITE "${standin}/${name}" "#!/bin/sh\n${write}echo 'replay: 500 random inputs (seed 1) in 1.0 s, 500 per second'\n")
  file(CHMOD "${standin}/${name}" PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE)
endforeach()
run_expect(0 out ${tool} bench --time 1 --fuzzers ${standin} fuzz_linger fuzz_handles fuzz_asio_close)
foreach(expected
    "\\| fuzz_linger \\| 500 \\| [0-9]+% \\| [^\n]* \\| 1000 \\| 91% \\|"
    "\\| fuzz_handles \\| 500 \\| [0-9]+% \\| [^\n]* \\| – \\| – \\|"
    "\\| fuzz_asio_close \\| 500 \\| [0-9]+% \\| [^\n]* \\| – \\| – \\|"
    "\nfuzz_handles wrote no counts file \\(CLOSESEM_CHECK_COUNTS\\): what its model checked is unknown, not a pass\\."
    "bench: fuzz_linger: 500 executions per second, [^\n]*, 1000 ops, 91% checked\n")
  if(NOT out MATCHES "${expected}")
    message(FATAL_ERROR "bench with stand-in targets: no match for '${expected}' in:\n${out}")
  endif()
endforeach()
expect_not("${out}" "fuzz_asio_close wrote no counts file")
expect_not("${out}" "fuzz_linger wrote no counts file")
if(NOT out MATCHES "mean of the two runs: [1-9][0-9]*/s")
  message(FATAL_ERROR "the bare loop ran at no rate:\n${out}")
endif()
foreach(flag --help -h)
  run_expect(0 out ${tool} bench ${flag})
  expect("${out}" "Usage: ./closesem bench [--time SECONDS]")
endforeach()
run_expect(2 out ${tool} bench --time 0)
expect("${out}" "--time needs a number of seconds")
run_expect(2 out ${tool} bench --time x)
run_expect(2 out ${tool} bench fuzz_nosuch)
expect("${out}" "unknown fuzz target 'fuzz_nosuch'")
run_expect(2 out ${tool} bench fuzz_linger fuzz_linger)
expect("${out}" "given twice")
run_expect(2 out ${tool} bench --time 1 --fuzzers ${WORK}/nowhere fuzz_linger)
expect("${out}" "nowhere/bench_bare_pairs")
# What the front end builds: the bare loop and every target that makes socket calls.
run_expect(0 out ${tool} bench --build-targets)
expect("${out}" "bench_bare_pairs\n")
expect("${out}" "fuzz_close_sequences\n")
expect_not("${out}" "fuzz_ops_text")
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
