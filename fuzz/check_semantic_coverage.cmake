# ctest fuzz.semantic-coverage: a short random run of fuzz_close_sequences with
# CLOSESEM_SEMANTIC_COVERAGE writes the model transitions it reached; the replay engine's
# random mode says how many and how many inputs it kept for mutation (the semantic
# feedback); `closesem coverage report` reads the file and says how many of the
# reachable transitions were reached and which were not; a file that is no coverage file,
# and a folder without any, are exit 2.
#   cmake -DTARGET=... -DTOOL=... -DWORK=... -P check_semantic_coverage.cmake
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK}/files ${WORK}/empty)
execute_process(COMMAND ${CMAKE_COMMAND} -E env CLOSESEM_SEMANTIC_COVERAGE=${WORK}/files/fcs-%p.json
                        ${TARGET} --random --seed 1 --budget 3
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the random run failed (${rc}):\n${out}${err}")
endif()
if(NOT err MATCHES "replay: semantic coverage: ([0-9]+) model transitions, ([0-9]+) inputs kept for mutation")
  message(FATAL_ERROR "no semantic coverage line:\n${err}")
endif()
set(said ${CMAKE_MATCH_1})
if(said LESS 100 OR CMAKE_MATCH_2 EQUAL 0)
  message(FATAL_ERROR "${said} transitions and ${CMAKE_MATCH_2} inputs kept in 3 s: the feedback kept nothing\n${err}")
endif()
file(GLOB written ${WORK}/files/fcs-*.json)
list(LENGTH written count)
if(NOT count EQUAL 1)
  message(FATAL_ERROR "expected one coverage file, found ${count}: ${written}")
endif()
file(READ ${written} text)
string(JSON schema GET "${text}" schema)
string(JSON listed LENGTH "${text}" transitions)
if(NOT schema STREQUAL "closesem-semantic/1" OR NOT listed EQUAL said)
  message(FATAL_ERROR "the file has schema ${schema} and ${listed} transitions, the run said ${said}:\n${text}")
endif()
execute_process(COMMAND ${TOOL} coverage report ${WORK}/files --depth 3 --unreached 5 --json ${WORK}/report.json
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT out MATCHES "fuzz_close_sequences \\(profile [a-z0-9-]+, 1 file\\(s\\)\\): ${said} transitions reached, [0-9]+ of the [0-9]+ reachable \\([0-9]+%\\)")
  message(FATAL_ERROR "coverage report (${rc}):\n${out}${err}")
endif()
file(READ ${WORK}/report.json report)
string(JSON reachable GET "${report}" targets fuzz_close_sequences reachable)
string(JSON inside GET "${report}" targets fuzz_close_sequences reached_of_reachable)
if(reachable LESS 100 OR inside LESS 1 OR inside GREATER reachable)
  message(FATAL_ERROR "report.json: ${inside} of ${reachable} reachable")
endif()
file(WRITE ${WORK}/bad.json "{\"schema\": \"closesem-nightly/1\"}")
execute_process(COMMAND ${TOOL} coverage report ${WORK}/bad.json RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 2 OR NOT err MATCHES "bad.json: not a semantic coverage file")
  message(FATAL_ERROR "a file that is no coverage file: exit ${rc}\n${out}${err}")
endif()
execute_process(COMMAND ${TOOL} coverage report ${WORK}/empty RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 2 OR NOT err MATCHES "no semantic coverage files")
  message(FATAL_ERROR "an empty folder: exit ${rc}\n${out}${err}")
endif()
message(STATUS "semantic coverage: ${said} transitions written, reported, ${inside} of ${reachable} reachable at depth 3")
