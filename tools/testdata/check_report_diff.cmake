# Checks `closesem_tool report diff` on hand-made reports: a real difference is shown
# with both sides and exit status 1; identical reports give 0; bad input gives 2.
include(${CMAKE_CURRENT_LIST_DIR}/expect.cmake)
function(run_diff expected_rc out_var)
  run_expect(${expected_rc} out ${TOOL} report diff ${ARGN})
  set(${out_var} "${out}" PARENT_SCOPE)
endfunction()

run_diff(1 out ${DATA}/linux.json ${DATA}/wine.json)
expect("${out}" "close: closing twice fails")
expect("${out}" "* close(first) again")
expect("${out}" "linux-6.1.0                  bad_handle EBADF(9)")
expect("${out}" "wine-8.0 (windows-6.1.7601)  not_socket WSAENOTSOCK(10038)")
expect("${out}" "only in linux-6.1.0: linger: only here")
expect("${out}" "1 operations differ in 1 of 3 tests compared")
# Agreement is on the portable outcome: the same error under other native numbers
# (EINVAL, WSAEINVAL) is not a difference, nor are equal successes.
foreach(agreeing "recv(second)" "shutdown(first, 7)")
  string(FIND "${out}" "${agreeing}" at)
  if(NOT at EQUAL -1)
    message(FATAL_ERROR "an operation both sides agree on was printed: ${agreeing}\n${out}")
  endif()
endforeach()

run_diff(0 out ${DATA}/wine.json ${DATA}/wine.json)
expect("${out}" "0 operations differ")

run_diff(2 out ${DATA}/linux.json ${DATA}/not_a_report.json)
expect("${out}" "not_a_report.json: not a closesem behaviour report")

run_diff(2 out ${DATA}/linux.json ${DATA}/missing.json)

# A filter that matches nothing is a typo, not agreement: exit 2 with the areas there are.
run_diff(2 out ${DATA}/linux.json ${DATA}/wine.json --area TYPO)
expect("${out}" "--area TYPO: no test of the reports is in this area; their areas: close linger shutdown")
run_diff(1 out ${DATA}/linux.json ${DATA}/wine.json --area close)
expect("${out}" "1 operations differ in 1 of 1 tests compared")

# A test named twice is an error, never two runs merged into one.
run_diff(2 out ${DATA}/duplicate_tests.json ${DATA}/wine.json)
expect("${out}" "duplicate_tests.json: tests[1] (\"close: closing twice fails\"): a second test of this name")
