# wine-run (cmake/wine-run.in) starts a run once more only for Wine's own failures: a run
# that printed nothing, or whose client lost its wineserver connection ("wine client
# error:<thread>: recvmsg: Connection reset by peer"), once in all, saying so; never a
# test's own failure, a successful run, other wording, or a streaming run. The template
# is configured here with a stand-in for wine64 (a shell script that does, at its Nth
# start, what line N of a plan says), so no Wine is needed.
# -DTEMPLATE=cmake/wine-run.in -DWORK=<scratch folder>
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")
set(stand_in "${WORK}/wine64")
file(WRITE "${stand_in}" [=[#!/bin/sh
# Stand-in for wine64: start N runs line N of $CLOSESEM_TEST_PLAN (a shell command).
n=$(( $(cat "$CLOSESEM_TEST_STARTS" 2>/dev/null || echo 0) + 1 ))
echo "$n" >"$CLOSESEM_TEST_STARTS"
eval "$(sed -n "${n}p" "$CLOSESEM_TEST_PLAN")"
echo "stand-in: no line $n in the plan" >&2
exit 99
]=])
file(CHMOD "${stand_in}" PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE)
set(CLOSESEM_WINE64 "${stand_in}")
set(CLOSESEM_WINESERVER /bin/false)
set(CLOSESEM_WINEPREFIX "${WORK}/prefix")
set(CMAKE_BINARY_DIR "${WORK}")
configure_file("${TEMPLATE}" "${WORK}/wine-run" @ONLY)

# Plan lines join commands with && (a ";" would split the CMake list of lines).
set(reset "echo 'wine client error:0: recvmsg: Connection reset by peer' >&2 && exit 1")
set(passes "echo 'All tests passed' && exit 0")
set(notice_re "wine-run: wine64 exited with 1 after Wine lost its wineserver connection \\(wine client error:0: recvmsg: Connection reset by peer\\)")
set(failures 0)

# check(<name> STREAM <0|1> PLAN <line>... STATUS <n> STARTS <n> [OUT <regex>] [ERR <regex>] [NO_ERR <regex>])
function(check name)
  cmake_parse_arguments(C "" "STREAM;STATUS;STARTS;OUT;ERR;NO_ERR" "PLAN" ${ARGN})
  string(REPLACE ";" "\n" plan "${C_PLAN}")
  file(WRITE "${WORK}/${name}.plan" "${plan}\n")
  file(REMOVE "${WORK}/${name}.starts")
  set(ENV{CLOSESEM_TEST_PLAN} "${WORK}/${name}.plan")
  set(ENV{CLOSESEM_TEST_STARTS} "${WORK}/${name}.starts")
  set(ENV{CLOSESEM_WINE_STREAM} "${C_STREAM}")
  execute_process(COMMAND sh "${WORK}/wine-run" program.exe --flag RESULT_VARIABLE rc OUTPUT_VARIABLE out
                  ERROR_VARIABLE err TIMEOUT 30)
  set(starts 0)
  if(EXISTS "${WORK}/${name}.starts")
    file(STRINGS "${WORK}/${name}.starts" starts)
  endif()
  set(wrong "")
  if(NOT rc STREQUAL C_STATUS)
    string(APPEND wrong " exit ${rc}, expected ${C_STATUS};")
  endif()
  if(NOT starts STREQUAL C_STARTS)
    string(APPEND wrong " wine64 started ${starts} times, expected ${C_STARTS};")
  endif()
  if(DEFINED C_OUT AND NOT out MATCHES "${C_OUT}")
    string(APPEND wrong " stdout lacks /${C_OUT}/;")
  endif()
  if(DEFINED C_ERR AND NOT err MATCHES "${C_ERR}")
    string(APPEND wrong " stderr lacks /${C_ERR}/;")
  endif()
  if(DEFINED C_NO_ERR AND err MATCHES "${C_NO_ERR}")
    string(APPEND wrong " stderr has /${C_NO_ERR}/;")
  endif()
  if(wrong)
    message(SEND_ERROR "wine-run, ${name}:${wrong}\nstdout:\n${out}\nstderr:\n${err}")
  else()
    message(STATUS "wine-run, ${name}: exit ${rc}, ${starts} start(s), as expected")
  endif()
endfunction()

check(lost-connection-then-passes STREAM 0 PLAN "${reset}" "${passes}" STATUS 0 STARTS 2
      OUT "^All tests passed\n$" ERR "${notice_re}; its output up to then follows, then it is started once more\n")
check(lost-connection-twice STREAM 0 PLAN "${reset}" "${reset}" "${passes}" STATUS 1 STARTS 2
      OUT "wine client error:0: recvmsg: Connection reset by peer")
# Another of ntdll's server calls (read of the reply pipe); a test's failure printed before
# Wine's is shown on stderr even though the second run passes.
check(failure-before-lost-connection-shown STREAM 0
      PLAN "echo 'FAILED: a check' && echo 'wine client error:1f: read: Connection reset by peer' >&2 && exit 1" "${passes}"
      STATUS 0 STARTS 2 ERR "wine-run: first run: FAILED: a check\nwine-run: first run: wine client error:1f: read")
check(test-failure-not-retried STREAM 0 PLAN "echo 'FAILED: a check' && exit 1" "${passes}" STATUS 1 STARTS 1
      OUT "FAILED: a check" NO_ERR "wine-run")
check(message-but-success-not-retried STREAM 0
      PLAN "echo 'wine client error:0: recvmsg: Connection reset by peer' && exit 0" "exit 7" STATUS 0 STARTS 1
      NO_ERR "wine-run")
# Other errno, the words inside a line, another call: not the wineserver connection lost.
check(other-wording-not-retried STREAM 0
      PLAN "echo 'wine client error:0: recvmsg: Connection refused' && echo 'expected: wine client error:0: recvmsg: Connection reset by peer' && echo 'wine client error:0: select: Connection reset by peer' && exit 1"
           "${passes}"
      STATUS 1 STARTS 1 NO_ERR "wine-run")
check(streaming-not-retried STREAM 1 PLAN "${reset}" "${passes}" STATUS 1 STARTS 1 NO_ERR "wine-run")
# The run that printed nothing is started once more (the older rule), and not again.
check(empty-then-lost-connection STREAM 0 PLAN "exit 1" "${reset}" "${passes}" STATUS 1 STARTS 2
      ERR "without any output" NO_ERR "lost its wineserver connection")
