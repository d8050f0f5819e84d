# Helpers the tools' check scripts share (include()d by check_*.cmake).

# Runs a command; fails the test unless it exits with EXPECTED_RC. OUT_VAR gets its
# standard output and error together.
function(run_expect expected_rc out_var)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL expected_rc)
    message(FATAL_ERROR "${ARGN}: exit ${rc}, expected ${expected_rc}\n${out}${err}")
  endif()
  set(${out_var} "${out}${err}" PARENT_SCOPE)
endfunction()

# Fails the test unless TEXT contains PATTERN (plain text, not a regex).
function(expect text pattern)
  string(FIND "${text}" "${pattern}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "expected to find '${pattern}' in:\n${text}")
  endif()
endfunction()

# Fails the test if TEXT contains PATTERN.
function(expect_not text pattern)
  string(FIND "${text}" "${pattern}" at)
  if(NOT at EQUAL -1)
    message(FATAL_ERROR "did not expect '${pattern}' in:\n${text}")
  endif()
endfunction()
