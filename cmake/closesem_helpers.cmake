# Small helpers shared by every directory.

# Warnings for our own targets only (linked PRIVATE, so they never reach a consumer).
add_library(closesem_warnings INTERFACE)
if(MSVC)
  target_compile_options(closesem_warnings INTERFACE /W4 $<$<BOOL:${CLOSESEM_WERROR}>:/WX>)
else()
  target_compile_options(closesem_warnings INTERFACE
    -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
    $<$<BOOL:${CLOSESEM_WERROR}>:-Werror>)
endif()

# The suite version a report names: `git describe` at configure time. The front end
# refreshes it for every run through CLOSESEM_SUITE_VERSION, so this is a fallback.
function(closesem_suite_version out_var)
  execute_process(COMMAND git describe --always --dirty --tags
                  WORKING_DIRECTORY "${PROJECT_SOURCE_DIR}"
                  OUTPUT_VARIABLE version OUTPUT_STRIP_TRAILING_WHITESPACE
                  ERROR_QUIET RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0 OR version STREQUAL "")
    set(version "${PROJECT_VERSION}")
  endif()
  set(${out_var} "${version}" PARENT_SCOPE)
endfunction()

# Registers every Catch2 test case of `target` as its own ctest test, named
# <PREFIX><test name>, labelled with LABELS plus the platform's API (posix/winsock).
# Options: SPEC (a Catch2 test spec to select cases), TIMEOUT (seconds, default 60).
function(closesem_discover_tests target)
  cmake_parse_arguments(arg "" "PREFIX;SPEC;TIMEOUT" "LABELS" ${ARGN})
  if(NOT arg_TIMEOUT)
    set(arg_TIMEOUT 60)
  endif()
  if(WIN32)
    list(APPEND arg_LABELS winsock)
  else()
    list(APPEND arg_LABELS posix)
  endif()
  set(spec_args)
  set(list_name "${target}_TESTS")
  if(arg_SPEC)
    set(spec_args TEST_SPEC "${arg_SPEC}")
    string(MAKE_C_IDENTIFIER "${target}_${arg_SPEC}" list_name)
  endif()
  # --warn NoTests: a test whose name selects no case fails instead of passing with "No
  # tests ran" (Catch2 2.13's discovery cuts a name with a ';' in two such tests).
  catch_discover_tests(${target} ${spec_args} TEST_PREFIX "${arg_PREFIX}" TEST_LIST ${list_name}
                       EXTRA_ARGS --warn NoTests PROPERTIES TIMEOUT ${arg_TIMEOUT})
  # Catch2 2.13 cannot pass a list of labels through discovery; a second include file,
  # read after the discovered tests, labels them from the list discovery leaves behind.
  set(labels_file "${CMAKE_CURRENT_BINARY_DIR}/${list_name}_labels.cmake")
  file(WRITE "${labels_file}"
       "foreach(t IN LISTS ${list_name})\n"
       "  set_tests_properties(\"\${t}\" PROPERTIES LABELS \"${arg_LABELS}\")\n"
       "endforeach()\n")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${labels_file}")
endfunction()
