# Runs PROGRAM (with the test SPEC, if given) with the closesem_shim interposer
# (LD_PRELOAD=SHIM) and checks that the
# program passed and that its socket calls went through the shim: the suite reaches
# the C library's dynamic symbols, so a user can test an interposed socket stack.
file(REMOVE "${LOG}")
execute_process(COMMAND ${CMAKE_COMMAND} -E env LD_PRELOAD=${SHIM} CLOSESEM_SHIM_LOG=${LOG}
                        ${PROGRAM} ${SPEC}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out TIMEOUT 110)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${PROGRAM} failed under LD_PRELOAD=${SHIM} (${rc}):\n${out}")
endif()
if(NOT EXISTS "${LOG}")
  message(FATAL_ERROR "the shim wrote no counts: LD_PRELOAD did not take effect")
endif()
file(READ "${LOG}" counts)
foreach(call socket close shutdown send recv setsockopt poll)
  if(NOT counts MATCHES " ${call}=[1-9]")
    message(FATAL_ERROR "no ${call}() call went through the shim:\n${counts}")
  endif()
endforeach()
message(STATUS "interposed calls: ${counts}")
