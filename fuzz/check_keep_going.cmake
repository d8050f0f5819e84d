# CLOSESEM_FUZZ_KEEP_GOING=1 in random mode: the run goes on past its findings, and its last
# line says how many it reported, never "no finding" (it did, before: a run with 31 findings
# under Wine ended "no finding"). Under a fault every input diverges (recv-drops-byte), so a
# short run reports several; the same run without the fault says "no finding". Both runs
# draw their inputs blindly (CLOSESEM_FUZZ_BLIND=1), as the random mode did when this test
# was written: it is about the count on the last line, and the semantic feedback's inputs
# (mutations of the kept ones) meet the fault at another rate (none in 1,109 inputs of an
# ASan build once). Blind inputs meet it about once in a thousand: an ASan build under a
# loaded CI machine ran 1,193 inputs in 3 s and saw one finding, so a run has 15 s, and
# up to three seeds.
#   cmake -DTARGET=<fuzz_close_sequences> -DFAULTS=<libclosesem_faults.so> -DWORK=<dir> -P check_keep_going.cmake
foreach(var TARGET FAULTS WORK)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "check_keep_going.cmake: -D${var}=... is required")
  endif()
endforeach()
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")
# (Up to three runs, seeds 1-3, until one reports several: each run's last line must
# count its own findings.)
set(reported 0)
foreach(seed 1 2 3)
  execute_process(COMMAND ${CMAKE_COMMAND} -E env LD_PRELOAD=${FAULTS} CLOSESEM_FAULT=recv-drops-byte
                          CLOSESEM_FUZZ_KEEP_GOING=1 CLOSESEM_FUZZ_BLIND=1 ${TARGET} --random --seed ${seed} --budget 15
                  WORKING_DIRECTORY "${WORK}" RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 180)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "keep going under a fault (seed ${seed}): exit ${rc}, expected 0 (the run goes on)\n${out}")
  endif()
  string(REGEX MATCHALL "closesem finding: " findings "${err}")
  list(LENGTH findings reported)
  if(reported EQUAL 0)
    set(expected "no finding")
  else()
    set(expected "${reported} finding\\(s\\) reported above")
  endif()
  if(NOT out MATCHES "random inputs \\(seed ${seed}\\) in [0-9.]+ s, [0-9]+ per second, ${expected}")
    message(FATAL_ERROR "seed ${seed}: the last line does not count the ${reported} findings reported:\n${out}")
  endif()
  if(reported GREATER_EQUAL 2)
    break()
  endif()
endforeach()
if(reported LESS 2)
  message(FATAL_ERROR "expected several findings under the fault recv-drops-byte in one of three runs, saw ${reported} in the last\n${out}${err}")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -E env CLOSESEM_FUZZ_KEEP_GOING=1 CLOSESEM_FUZZ_BLIND=1 ${TARGET} --random --seed 1 --budget 1
                WORKING_DIRECTORY "${WORK}" RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 120)
if(NOT rc EQUAL 0 OR NOT out MATCHES "per second, no finding\n" OR err MATCHES "closesem finding: ")
  message(FATAL_ERROR "without a fault: exit ${rc}, expected 0 and 'no finding'\n${out}${err}")
endif()
message(STATUS "keep going: ${reported} findings counted on the last line")
