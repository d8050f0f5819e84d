# The behaviour matrix of two reports (tools/testdata): the markdown table puts the
# differing row first, and the HTML page renders in headless Chromium: its script ran
# to the end (body data-ready="yes", the row count filled in) with no console error.
file(MAKE_DIRECTORY "${WORK}")
execute_process(COMMAND ${TOOL} report matrix ${DATA}/linux.json ${DATA}/wine.json
                        --markdown ${WORK}/matrix.md --html ${WORK}/matrix.html
                RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "report matrix failed (${rc}): ${err}")
endif()
file(READ "${WORK}/matrix.md" md)
if(NOT md MATCHES "\n\\| \\* \\| close \\| close: closing twice fails \\| close\\(first\\) again \\| bad_handle EBADF\\(9\\) \\| not_socket WSAENOTSOCK\\(10038\\) \\|\n\\|  \\| shutdown")
  message(FATAL_ERROR "the markdown matrix does not start with the differing row:\n${md}")
endif()

if(NOT CHROMIUM)
  message(STATUS "no chromium on this machine: the page is not rendered (./closesem test installs it)")
  return()
endif()
execute_process(COMMAND ${CHROMIUM} --headless --no-sandbox --disable-gpu --disable-dev-shm-usage
                        --no-first-run --user-data-dir=${WORK}/chromium-profile
                        --enable-logging=stderr --v=0 --virtual-time-budget=3000
                        --dump-dom file://${WORK}/matrix.html
                RESULT_VARIABLE rc OUTPUT_VARIABLE dom ERROR_VARIABLE log TIMEOUT 120)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "chromium could not render the page (${rc}):\n${log}")
endif()
foreach(expected "data-ready=\"yes\"" "<table id=\"matrix\">" "close: closing twice fails" "3 of 3 rows shown"
                 "<td class=\"known\">" "class=\"differs\"")
  string(FIND "${dom}" "${expected}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "the rendered page lacks '${expected}':\n${dom}")
  endif()
endforeach()
string(REGEX MATCHALL "CONSOLE[^\n]*" console "${log}")
foreach(line IN LISTS console)
  if(line MATCHES "Uncaught|Error|error")
    message(FATAL_ERROR "the page logged a console error: ${line}")
  endif()
endforeach()
message(STATUS "rendered in Chromium: table, filters and row count present, no console error")
