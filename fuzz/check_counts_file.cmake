# CLOSESEM_CHECK_COUNTS end to end (fuzz/harness.cpp): a short random run of a socket
# target writes the counts file, "%p" in the path becoming the process id, atomically (no
# PATH.tmp left), and the file says what the spec says: its schema and target, some ops,
# exact + set + unpredicted = run, and the kinds adding up to the run. Findings are not
# this test's business (the run goes on past them: CLOSESEM_FUZZ_KEEP_GOING=1; what they
# leave behind lands in WORK, the counts in WORK/counts).
#   cmake -DTARGET=<fuzz_close_sequences> [-DRUNNER=<wine-run>] -DWORK=<dir> -P check_counts_file.cmake
foreach(var TARGET WORK)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "check_counts_file.cmake: -D${var}=... is required")
  endif()
endforeach()
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}/counts")

execute_process(COMMAND ${CMAKE_COMMAND} -E env "CLOSESEM_CHECK_COUNTS=${WORK}/counts/counts-%p.json"
                        CLOSESEM_FUZZ_KEEP_GOING=1 ${RUNNER} ${TARGET} --random --seed 1 --budget 3
                WORKING_DIRECTORY "${WORK}" RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 120)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${TARGET} --random --seed 1 --budget 3: exit ${rc}, expected 0\n${out}${err}")
endif()

file(GLOB written RELATIVE "${WORK}/counts" "${WORK}/counts/*")
if(NOT written MATCHES "^counts-[0-9]+\\.json$")
  message(FATAL_ERROR "expected one file counts-<pid>.json in ${WORK}/counts, found: '${written}'\n${out}${err}")
endif()
file(READ "${WORK}/counts/${written}" text)

function(field out_var)
  string(JSON value ERROR_VARIABLE problem GET "${text}" ${ARGN})
  if(problem)
    message(FATAL_ERROR "${written}: ${ARGN}: ${problem}\n${text}")
  endif()
  set(${out_var} "${value}" PARENT_SCOPE)
endfunction()

field(schema schema)
field(target target)
if(NOT schema STREQUAL "closesem-check-counts/1" OR NOT target STREQUAL "fuzz_close_sequences")
  message(FATAL_ERROR "${written}: schema '${schema}', target '${target}'; expected closesem-check-counts/1, "
                      "fuzz_close_sequences\n${text}")
endif()
field(inputs inputs)
field(run ops_run)
field(exact ops_exact)
field(set ops_set)
field(unpredicted ops_unpredicted)
if(NOT inputs GREATER 0 OR NOT run GREATER 0)
  message(FATAL_ERROR "${written}: ${inputs} inputs, ${run} ops run; expected some of each\n${text}")
endif()
math(EXPR parts "${exact} + ${set} + ${unpredicted}")
if(NOT parts EQUAL run)
  message(FATAL_ERROR "${written}: ops_exact + ops_set + ops_unpredicted = ${exact} + ${set} + ${unpredicted} = "
                      "${parts}, not ops_run ${run}\n${text}")
endif()

string(JSON kinds LENGTH "${text}" by_kind)
if(kinds EQUAL 0)
  message(FATAL_ERROR "${written}: by_kind is empty\n${text}")
endif()
set(sum 0)
math(EXPR last "${kinds} - 1")
foreach(i RANGE ${last})
  string(JSON kind MEMBER "${text}" by_kind ${i})
  field(kind_run by_kind ${kind} run)
  math(EXPR sum "${sum} + ${kind_run}")
endforeach()
if(NOT sum EQUAL run)
  message(FATAL_ERROR "${written}: the by_kind run counts add up to ${sum}, not ops_run ${run}\n${text}")
endif()
message(STATUS "${written}: ${inputs} inputs, ${run} ops: ${exact} exact, ${set} as a set, ${unpredicted} not predicted")
