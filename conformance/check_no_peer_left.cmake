cmake_minimum_required(VERSION 3.25)
# A failed test and a crashed test process leave no peer process behind. Runs the
# hidden tests that fail and crash on purpose with a peer running, then asks the suite
# binary itself (--closesem-child process-gone, a bounded wait) whether that peer is
# gone. RUNNER is empty natively, or the wine-run script for the Windows build.
foreach(mode IN ITEMS fails crashes)
  set(id_file "${WORK}/peer-${mode}.id")
  file(REMOVE "${id_file}")
  set(ENV{CLOSESEM_PEER_ID_FILE} "${id_file}")
  execute_process(COMMAND ${RUNNER} ${SUITE} "[peer-${mode}-on-purpose]"
                  RESULT_VARIABLE status OUTPUT_VARIABLE output ERROR_VARIABLE output TIMEOUT 60)
  if(status EQUAL 0)
    message(FATAL_ERROR "the test that ${mode} on purpose passed:\n${output}")
  endif()
  if(NOT EXISTS "${id_file}")
    message(FATAL_ERROR "the test that ${mode} on purpose did not start its peer:\n${output}")
  endif()
  file(READ "${id_file}" id)
  string(STRIP "${id}" id)
  execute_process(COMMAND ${RUNNER} ${SUITE} --closesem-child process-gone ${id}
                  RESULT_VARIABLE gone OUTPUT_VARIABLE said ERROR_VARIABLE said TIMEOUT 60)
  if(NOT gone EQUAL 0)
    message(FATAL_ERROR "after a test that ${mode} on purpose, its peer (process ${id}) still runs: ${said}")
  endif()
  message(STATUS "the test that ${mode} on purpose exited with ${status}; ${said}")
endforeach()

# And no process of the peer program is left at all (this test runs alone: RUN_SERIAL).
file(GLOB command_lines LIST_DIRECTORIES false "/proc/[0-9]*/cmdline")
set(left "")
foreach(file IN LISTS command_lines)
  file(READ "${file}" command_line)
  if(command_line MATCHES "closesem_peer")
    string(REGEX REPLACE "/proc/([0-9]+)/cmdline" "\\1" pid "${file}")
    string(APPEND left "  process ${pid}: ${command_line}\n")
  endif()
endforeach()
if(left)
  message(FATAL_ERROR "peer processes are left behind:\n${left}")
endif()
