# Under Wine too, `ops run` output arrives as each op completes: wine-run, asked to
# (CLOSESEM_WINE_STREAM=1, as `./closesem ops --wine` does), shows Wine's output as it
# grows. Stopped during the 25 s wait, the run has already shown the pair's line.
set(ENV{CLOSESEM_WINE_STREAM} 1)
execute_process(COMMAND ${RUNNER} ${TOOL} ops run ${DATA}/ops_slow.ops TIMEOUT 15 RESULT_VARIABLE rc
                OUTPUT_VARIABLE out ERROR_VARIABLE err)
foreach(expected "ops_slow.ops on wine-" "pair tcp4                     observed 0")
  string(FIND "${out}" "${expected}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "after 15 s of a 25 s script, wine-run had not shown '${expected}' (exit ${rc}):\n${out}${err}")
  endif()
endforeach()
string(FIND "${out}" "a wait readable" at)
if(NOT at EQUAL -1)
  message(FATAL_ERROR "the 25 s wait had ended within 15 s:\n${out}")
endif()
message(STATUS "shown as it ran: ${out}")
