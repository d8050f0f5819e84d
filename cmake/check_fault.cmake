cmake_minimum_required(VERSION 3.25)
# Proves one fault end to end: runs PROGRAM (the conformance suite, test spec SPEC)
# under the closesem_faults interposer (LD_PRELOAD=FAULTS) with CLOSESEM_FAULT=FAULT,
# and passes only if the run fails and names the test case EXPECT among its failures.
# Then checks that an unknown fault name stops the program at load time with status 2.
# WORK is a folder for the run's XML report.
set(report "${WORK}/fault-${FAULT}.xml")
file(REMOVE "${report}")
execute_process(COMMAND ${CMAKE_COMMAND} -E env LD_PRELOAD=${FAULTS} CLOSESEM_FAULT=${FAULT}
                        ${PROGRAM} ${SPEC} --reporter xml --out ${report}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out TIMEOUT 50)
if(rc EQUAL 0)
  message(FATAL_ERROR "the suite passed under CLOSESEM_FAULT=${FAULT}: the fault went unnoticed\n${out}")
endif()
if(NOT EXISTS "${report}")
  message(FATAL_ERROR "the suite wrote no report under CLOSESEM_FAULT=${FAULT} (${rc}):\n${out}")
endif()

# The failed test cases: <TestCase name="..."> ... <OverallResult success="false"/>.
file(STRINGS "${report}" lines REGEX "<TestCase name=|<OverallResult success=")
set(failed "")
set(current "")
foreach(line IN LISTS lines)
  if(line MATCHES "<TestCase name=\"([^\"]*)\"")
    set(current "${CMAKE_MATCH_1}")
  elseif(line MATCHES "<OverallResult success=\"false\"")
    list(APPEND failed "${current}")
  endif()
endforeach()
list(LENGTH failed count)
if(NOT EXPECT IN_LIST failed)
  list(JOIN failed "\n  " names)
  message(FATAL_ERROR "under CLOSESEM_FAULT=${FAULT} the suite failed (${rc}), but not in \"${EXPECT}\"; "
                      "${count} failed:\n  ${names}")
endif()
message(STATUS "CLOSESEM_FAULT=${FAULT}: ${count} test case(s) failed, among them \"${EXPECT}\"")

# An unknown fault name: a clear message and status 2, before any test runs.
execute_process(COMMAND ${CMAKE_COMMAND} -E env LD_PRELOAD=${FAULTS} CLOSESEM_FAULT=no-such-fault
                        ${PROGRAM} --list-test-names-only
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 20)
if(NOT rc EQUAL 2 OR NOT err MATCHES "unknown fault 'no-such-fault'")
  message(FATAL_ERROR "an unknown fault name gave status ${rc} (expected 2) and said:\n${err}${out}")
endif()
string(STRIP "${err}" err)
message(STATUS "an unknown fault name: status 2, ${err}")
