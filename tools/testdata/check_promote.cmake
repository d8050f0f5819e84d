# `closesem_tool promote` (formerly tools/promote.sh) end to end, on findings the fault
# shim makes (LD_PRELOAD=FAULTS): PART
#   records  fuzz_close_sequences, no FIN on close: the scenario script 01_graceful_close
#            is found (settle/close), minimised by whole records, confirmed, written as
#            ID.rec + ID.ops; the target also wrote its own finding record beside the
#            artifact (CLOSESEM_FINDING_DIR: crash-<sha1>.finding.json).
#   asio     fuzz_asio_close, a leaked descriptor: the program text it printed, minimised
#            by lines, written as ID.asio.
#   usage    --help (exit 0), bad arguments (exit 2 with the reason), a clean input (exit 1).
# TOOL is closesem_tool, FUZZERS the folder of the target binaries, SOURCE the source tree.
include(${CMAKE_CURRENT_LIST_DIR}/expect.cmake)
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}/out")
set(shim ${CMAKE_COMMAND} -E env LD_PRELOAD=${FAULTS})

if(PART STREQUAL "records")
  run_expect(0 out ${CMAKE_COMMAND} -E env CLOSESEM_PROG_NAME=./closesem
             ${TOOL} ops encode --format op-records ${SOURCE}/corpora/scenarios/01_graceful_close.ops
             -o ${WORK}/graceful.rec)
  # The target's own record, as `closesem fuzz` has libFuzzer's artifacts: named by the input's SHA-1.
  file(MAKE_DIRECTORY "${WORK}/findings")
  execute_process(COMMAND ${shim} CLOSESEM_FAULT=no-fin-on-close CLOSESEM_FINDING_DIR=${WORK}/findings
                          ${FUZZERS}/fuzz_close_sequences ${WORK}/graceful.rec
                  RESULT_VARIABLE rc OUTPUT_VARIABLE run ERROR_VARIABLE run TIMEOUT 120)
  file(SHA1 "${WORK}/graceful.rec" sha1)
  set(record "${WORK}/findings/crash-${sha1}.finding.json")
  if(rc EQUAL 0 OR NOT EXISTS "${record}")
    message(FATAL_ERROR "fuzz_close_sequences under no-fin-on-close (exit ${rc}) wrote no ${record}:\n${run}")
  endif()
  file(READ "${record}" json)
  string(JSON signature GET "${json}" signature)
  string(JSON target GET "${json}" target)
  if(NOT signature STREQUAL "settle/close" OR NOT target STREQUAL "fuzz_close_sequences")
    message(FATAL_ERROR "the finding record says ${target}: ${signature}:\n${json}")
  endif()

  run_expect(0 out ${shim} CLOSESEM_FAULT=no-fin-on-close ${TOOL} promote ${WORK}/graceful.rec --name no-fin
             --target fuzz_close_sequences --fuzzers ${FUZZERS} --out ${WORK}/out --log ${WORK}/confirm.log)
  expect("${out}" "promote: ${WORK}/graceful.rec fails with: settle/close")
  expect("${out}" "promote: minimised from 36 to ")
  expect("${out}" "out/no-fin.rec and no-fin.ops")
  expect("${out}" "closesem finding: fuzz_close_sequences: ")
  file(READ "${WORK}/out/no-fin.ops" ops)
  expect("${ops}" "# Signature: settle/close\n")
  expect("${ops}" "# Replay: ")
  expect("${ops}" "\npair tcp4\n")
  expect("${ops}" "close\n")
  expect_not("${ops}" "->")
  file(SIZE "${WORK}/out/no-fin.rec" size)
  file(SIZE "${WORK}/graceful.rec" original)
  if(NOT size LESS original)
    message(FATAL_ERROR "no-fin.rec has ${size} bytes, the input ${original}: nothing was minimised")
  endif()
  file(READ "${WORK}/confirm.log" log)
  expect("${log}" "closesem signature: settle/close")
  # The kept input fails the same way, and the .ops twin parses.
  execute_process(COMMAND ${shim} CLOSESEM_FAULT=no-fin-on-close ${FUZZERS}/fuzz_close_sequences
                          ${WORK}/out/no-fin.rec OUTPUT_VARIABLE run ERROR_VARIABLE run TIMEOUT 120)
  expect("${run}" "closesem signature: settle/close")
  run_expect(0 out ${TOOL} ops check ${WORK}/out/no-fin.ops)
  # A .ops script is encoded first (the format's encoder): the same finding.
  run_expect(0 out ${shim} CLOSESEM_FAULT=no-fin-on-close ${TOOL} promote
             ${SOURCE}/corpora/scenarios/01_graceful_close.ops --name from-text --target fuzz_close_sequences
             --fuzzers ${FUZZERS} --out ${WORK}/out)
  expect("${out}" "fails with: settle/close")
  if(NOT EXISTS "${WORK}/out/from-text.rec")
    message(FATAL_ERROR "promote of a .ops script wrote no from-text.rec:\n${out}")
  endif()
elseif(PART STREQUAL "asio")
  run_expect(0 out ${shim} CLOSESEM_FAULT=close-leaks ${TOOL} promote
             ${SOURCE}/corpora/fuzz_asio_close/seeds/01_close_pending_read.asio --name leak
             --target fuzz_asio_close --fuzzers ${FUZZERS} --out ${WORK}/out --time-limit 120)
  expect("${out}" "fails with: leak")
  expect("${out}" "promote: minimised to ")
  expect("${out}" "out/leak.asio\n")
  file(READ "${WORK}/out/leak.asio" text)
  expect("${text}" "# Signature: leak")
  expect("${text}" "# Replay: CLOSESEM_FUZZ_VERBOSE=1 ")
  expect("${text}" "\nthreads ")
elseif(PART STREQUAL "usage")
  set(tool ${CMAKE_COMMAND} -E env CLOSESEM_PROG_NAME=./closesem ${TOOL})
  foreach(flag --help -h)
    run_expect(0 out ${tool} promote ${flag})
    expect("${out}" "Usage: ./closesem promote CRASH --name ID [--target TARGET]")
  endforeach()
  # (in a folder named after its target, as `closesem fuzz` leaves findings)
  set(crash ${WORK}/findings/fuzz_linger/crash-1)
  configure_file(${SOURCE}/corpora/fuzz_linger/seeds/tcp4_abort_graceful.linger ${crash} COPYONLY)
  run_expect(2 out ${tool} promote)
  expect("${out}" "closesem promote: needs a CRASH file")
  run_expect(2 out ${tool} promote ${WORK}/nosuch --name x)
  expect("${out}" "no such file: ${WORK}/nosuch")
  file(WRITE ${WORK}/elsewhere/crash-2 "x")
  run_expect(2 out ${tool} promote ${WORK}/elsewhere/crash-2 --name x)
  expect("${out}" "cannot tell the target from the folder of")
  run_expect(2 out ${tool} promote ${crash})
  expect("${out}" "needs --name ID")
  run_expect(2 out ${tool} promote ${crash} --name "a b")
  expect("${out}" "--name needs an ID of letters")
  run_expect(2 out ${tool} promote ${crash} --name x --target fuzz_nosuch)
  expect("${out}" "unknown fuzz target 'fuzz_nosuch'")
  run_expect(2 out ${tool} promote ${crash} --name x --time-limit soon)
  expect("${out}" "--time-limit needs a number of seconds")
  run_expect(2 out ${tool} promote ${crash} --name x --bogus)
  file(WRITE "${WORK}/out/taken.linger" "x")
  run_expect(2 out ${tool} promote ${crash} --name taken --out ${WORK}/out)
  expect("${out}" "taken.linger exists already")
  run_expect(2 out ${tool} promote ${crash} --name x --fuzzers ${WORK}/nowhere --out ${WORK}/out)
  expect("${out}" "no target binary ${WORK}/nowhere/fuzz_linger")
  # The target from the folder CRASH is in (findings/TARGET/...); --build-targets names it.
  run_expect(0 out ${tool} promote ${crash} --name x --build-targets)
  expect("${out}" "fuzz_linger")
  # A clean input: exit 1, nothing written.
  run_expect(1 out ${tool} promote ${crash} --name clean --fuzzers ${FUZZERS} --out ${WORK}/out)
  expect("${out}" "does not fail with fuzz_linger: nothing to promote")
  if(EXISTS "${WORK}/out/clean.linger")
    message(FATAL_ERROR "a clean input was written")
  endif()
else()
  message(FATAL_ERROR "unknown PART '${PART}'")
endif()
