# Runs fuzz TARGET under one injected fault (LD_PRELOAD=FAULTS, CLOSESEM_FAULT=FAULT)
# in WORK, on INPUT if given, else in random mode for BUDGET seconds, and checks that
# the target reports a finding whose signature starts with SIGNATURE: a stack that
# never sends its FIN is found, and reported, not waited for.
if(DEFINED INPUT)
  set(how ${INPUT})
else()
  set(how --random --seed 1 --budget ${BUDGET})
endif()
string(TIMESTAMP start "%s")
execute_process(COMMAND ${CMAKE_COMMAND} -E env LD_PRELOAD=${FAULTS} CLOSESEM_FAULT=${FAULT}
                        ${TARGET} ${how}
                WORKING_DIRECTORY ${WORK}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out TIMEOUT 240)
string(TIMESTAMP end "%s")
math(EXPR seconds "${end} - ${start}")
if(rc EQUAL 0)
  message(FATAL_ERROR "${TARGET} found nothing under the fault ${FAULT}:\n${out}")
endif()
string(REGEX MATCH "closesem signature: [^\n]*" signature "${out}")
if(NOT signature MATCHES "^closesem signature: ${SIGNATURE}")
  message(FATAL_ERROR "${TARGET} under the fault ${FAULT} ended (${rc}) without the expected finding "
                      "'${SIGNATURE}':\n${out}")
endif()
string(REGEX MATCH "closesem finding: [^\n]*" finding "${out}")
message(STATUS "found in ${seconds} s under ${FAULT}: ${finding}")
