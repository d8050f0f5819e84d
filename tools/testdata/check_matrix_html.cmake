# The behaviour matrix of two reports (tools/testdata): the markdown table puts the
# differing row first, and the HTML page renders in headless Chromium: its script ran
# to the end (body data-ready="yes", the row count filled in) with no console error.
# Bad input is exit 2 (an --area that matches nothing, a test named twice, a status
# outside the known set), and a hostile report (tools/testdata/hostile.json: markup and
# script in every text field) is shown as text in both the markdown and the page: nothing
# of it runs in Chromium, and the page carries a Content-Security-Policy.
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")

include(${CMAKE_CURRENT_LIST_DIR}/expect.cmake)
function(expect_refused pattern)
  run_expect(2 out ${TOOL} report matrix ${ARGN})
  if(NOT out MATCHES "${pattern}")
    message(FATAL_ERROR "report matrix ${ARGN}: the message does not match '${pattern}':\n${out}")
  endif()
endfunction()
expect_refused("--area TYPO: no test of the reports is in this area; their areas: close linger shutdown"
               ${DATA}/linux.json ${DATA}/wine.json --area TYPO)
expect_refused("duplicate_tests.json: tests\\[1\\] \\(\"close: closing twice fails\"\\): a second test of this name"
               ${DATA}/linux.json ${DATA}/duplicate_tests.json)
expect_refused("hostile_status.json: tests\\[0\\].*unknown status"
               ${DATA}/hostile_status.json)

run_expect(0 out ${TOOL} report matrix ${DATA}/linux.json ${DATA}/wine.json
           --markdown ${WORK}/matrix.md --html ${WORK}/matrix.html)
file(READ "${WORK}/matrix.md" md)
if(NOT md MATCHES "\n\\| \\* \\| close \\| close: closing twice fails \\| close\\(first\\) again \\| bad_handle EBADF\\(9\\) \\| not_socket WSAENOTSOCK\\(10038\\) \\|\n\\|  \\| shutdown")
  message(FATAL_ERROR "the markdown matrix does not start with the differing row:\n${md}")
endif()

# One portable outcome (`other`) stands for several native errors: each cell names the
# native errors of its own operation, every one of them (not the last one the report had).
run_expect(0 out ${TOOL} report matrix ${DATA}/wine_other.json --markdown ${WORK}/other.md)
file(READ "${WORK}/other.md" other_md)
expect("${other_md}" "| pending: a cancelled overlapped recv fails | collect(recv) | other ERROR_NETNAME_DELETED(64) / ERROR_OPERATION_ABORTED(995) |")
expect("${other_md}" "| pending: a read pending at close fails | collect(recv) | other 676 |")

# The hostile report: every field arrives as text.
run_expect(0 out ${TOOL} report matrix ${DATA}/hostile.json ${DATA}/linux.json
           --markdown ${WORK}/hostile.md --html ${WORK}/hostile.html)
file(READ "${WORK}/hostile.md" hostile_md)
file(READ "${WORK}/hostile.html" hostile_html)
foreach(markup "<img" "<script" "<svg" "</code>")
  expect_not("${hostile_md}" "${markup}")
endforeach()
foreach(expected "linux\\`&lt;/code&gt;&lt;img" "\\[link\\](javascript:alert(1))\\|x")
  expect("${hostile_md}" "${expected}")
endforeach()
if(NOT hostile_html MATCHES "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; [^\"]*script-src 'sha256-[A-Za-z0-9+/=]+'")
  message(FATAL_ERROR "the page has no Content-Security-Policy admitting only its own script:\n${hostile_html}")
endif()
foreach(markup "<img" "<svg" "<script>document" "onerror=\"" "onmouseover")
  expect_not("${hostile_html}" "${markup}")
endforeach()

if(NOT CHROMIUM)
  message(STATUS "no chromium on this machine: the page is not rendered (./closesem test installs it)")
  return()
endif()
# Renders a page headless; sets DOM and LOG in the caller.
function(render page)
  execute_process(COMMAND ${CHROMIUM} --headless --no-sandbox --disable-gpu --disable-dev-shm-usage
                          --no-first-run --disable-background-networking --disable-component-update
                          --disable-sync --user-data-dir=${WORK}/chromium-profile
                          --enable-logging=stderr --v=0 --virtual-time-budget=3000
                          --dump-dom file://${page}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE dom ERROR_VARIABLE log TIMEOUT 120)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "chromium could not render ${page} (${rc}):\n${log}")
  endif()
  set(DOM "${dom}" PARENT_SCOPE)
  set(LOG "${log}" PARENT_SCOPE)
endfunction()

render(${WORK}/hostile.html)
foreach(expected "data-ready=\"yes\"" "4 of 4 rows shown" "&lt;script&gt;document.body.dataset.injected='test'&lt;/script&gt;")
  expect("${DOM}" "${expected}")
endforeach()
string(FIND "${DOM}" "data-injected" at)
if(NOT at EQUAL -1)
  message(FATAL_ERROR "script from the hostile report ran in the page:\n${DOM}")
endif()

render(${WORK}/matrix.html)
set(dom "${DOM}")
set(log "${LOG}")
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
