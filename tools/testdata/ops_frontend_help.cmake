# The front end (./closesem) answers --help and -h with exit 0 for the commands whose
# help it owns here (fuzz, promote, bench, ops), before building anything, and `ops`
# usage lines name ./closesem, not the tool binary's path. The front end runs from a
# folder of links to the source tree whose build/release/tools/closesem_tool is the
# tool of this build (so nothing is built: the links to tools/ and core/ are not
# searched for newer sources).
find_program(BASH bash REQUIRED)
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}/top/build/release/tools")
foreach(entry closesem tools core fuzz)
  file(CREATE_LINK "${SOURCE}/${entry}" "${WORK}/top/${entry}" SYMBOLIC)
endforeach()
file(CREATE_LINK "${TOOL}" "${WORK}/top/build/release/tools/closesem_tool" SYMBOLIC)

function(help expected)
  execute_process(COMMAND ${BASH} ${WORK}/top/closesem ${ARGN} RESULT_VARIABLE rc
                  OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 30)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "./closesem ${ARGN}: exit ${rc}, expected 0\n${out}${err}")
  endif()
  string(FIND "${out}" "${expected}" at)
  if(NOT at EQUAL 0)
    message(FATAL_ERROR "./closesem ${ARGN}: expected the output to start with '${expected}':\n${out}${err}")
  endif()
  string(FIND "${out}${err}" "build/release" at)
  if(NOT at EQUAL -1)
    message(FATAL_ERROR "./closesem ${ARGN}: the help names the binary's path:\n${out}${err}")
  endif()
endfunction()

foreach(flag --help -h)
  help("Usage: ./closesem fuzz TARGET" fuzz ${flag})
  help("Usage: ./closesem fuzz TARGET" fuzz fuzz_linger --time 5 ${flag})
  help("Usage: ./closesem promote CRASH --name ID" promote ${flag})
  help("Usage: ./closesem promote CRASH --name ID" promote findings/x/crash-1 ${flag})
  help("Usage: ./closesem bench [--time SECONDS]" bench ${flag})
  help("Usage: ./closesem bench [--time SECONDS]" bench --time 5 ${flag})
  help("Check and convert op scripts" ops ${flag})
  help("Run .ops scripts" ops run ${flag})
  help("Parse .ops scripts" ops check ${flag})
endforeach()
execute_process(COMMAND ${BASH} ${WORK}/top/closesem ops run --help OUTPUT_VARIABLE out)
string(FIND "${out}" "Usage: ./closesem ops run [OPTIONS] files..." at)
if(at EQUAL -1)
  message(FATAL_ERROR "./closesem ops run --help: no 'Usage: ./closesem ops run' in:\n${out}")
endif()
