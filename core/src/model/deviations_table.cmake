# Compiles conformance/expectations/deviations.json (the known deviations, each once)
# into a C++ table, so that the model, the fuzz targets and the expectations loader use
# it without reading the source tree at run time. Run by the build:
#   cmake -DINPUT=<deviations.json> -DOUTPUT=<deviations_table.cpp> -P deviations_table.cmake
# A malformed file stops the build with the file, the entry and what is wrong.
cmake_minimum_required(VERSION 3.25)

if(NOT DEFINED INPUT OR NOT DEFINED OUTPUT)
  message(FATAL_ERROR "usage: cmake -DINPUT=<deviations.json> -DOUTPUT=<file.cpp> -P deviations_table.cmake")
endif()
get_filename_component(_name "${INPUT}" NAME)
if(NOT EXISTS "${INPUT}")
  message(FATAL_ERROR "${INPUT}: no such file")
endif()
file(READ "${INPUT}" _json)

function(_fail where what)
  message(FATAL_ERROR "${_name}: ${where}: ${what}")
endfunction()

# A C++ string literal for `text`.
function(_literal out text)
  string(REPLACE "\\" "\\\\" text "${text}")
  string(REPLACE "\"" "\\\"" text "${text}")
  string(REPLACE "\n" "\\n" text "${text}")
  string(REPLACE "\r" "\\r" text "${text}")
  string(REPLACE "\t" "\\t" text "${text}")
  set(${out} "\"${text}\"" PARENT_SCOPE)
endfunction()

string(JSON _type ERROR_VARIABLE _error TYPE "${_json}")
if(_error)
  _fail("not JSON" "${_error}")
elseif(NOT _type STREQUAL "OBJECT")
  _fail("the top level" "must be an object")
endif()
string(JSON _list_type ERROR_VARIABLE _error TYPE "${_json}" deviations)
if(_error OR NOT _list_type STREQUAL "ARRAY")
  _fail("the top level" "\"deviations\" is missing or not an array")
endif()
string(JSON _count LENGTH "${_json}" deviations)
if(_count EQUAL 0)
  _fail("deviations" "is empty")
endif()

set(_known_keys id platforms reason source link fixed_in measured_by)
set(_required id platforms reason source)
set(_ids "")
set(_rows "")
math(EXPR _last "${_count} - 1")
foreach(i RANGE ${_last})
  set(_where "deviations[${i}]")
  string(JSON _entry_type TYPE "${_json}" deviations ${i})
  if(NOT _entry_type STREQUAL "OBJECT")
    _fail("${_where}" "not an object")
  endif()
  string(JSON _keys LENGTH "${_json}" deviations ${i})
  math(EXPR _last_key "${_keys} - 1")
  foreach(k RANGE ${_last_key})
    string(JSON _key MEMBER "${_json}" deviations ${i} ${k})
    if(NOT _key IN_LIST _known_keys)
      _fail("${_where}" "unknown key \"${_key}\" (known: ${_known_keys})")
    endif()
  endforeach()
  foreach(key IN ITEMS id reason source link fixed_in measured_by)
    string(JSON _value_type ERROR_VARIABLE _missing TYPE "${_json}" deviations ${i} ${key})
    set(_value "")
    if(NOT _missing)
      if(NOT _value_type STREQUAL "STRING")
        _fail("${_where}" "\"${key}\" must be a string")
      endif()
      string(JSON _value GET "${_json}" deviations ${i} ${key})
      if(_value STREQUAL "")
        _fail("${_where}" "\"${key}\" is empty (leave an optional key out instead)")
      endif()
    elseif(key IN_LIST _required)
      _fail("${_where}" "\"${key}\" is missing")
    endif()
    set(_${key} "${_value}")
  endforeach()
  set(_where "${_where} (${_id})")
  if(NOT _id MATCHES "^[a-z0-9]+(-[a-z0-9]+)*$")
    _fail("${_where}" "an id is lower-case words joined by '-'")
  endif()
  if(_id IN_LIST _ids)
    _fail("${_where}" "the id is listed twice")
  endif()
  list(APPEND _ids "${_id}")

  string(JSON _platforms_type ERROR_VARIABLE _missing TYPE "${_json}" deviations ${i} platforms)
  if(_missing OR NOT _platforms_type STREQUAL "ARRAY")
    _fail("${_where}" "\"platforms\" is missing or not an array of platform patterns")
  endif()
  string(JSON _platform_count LENGTH "${_json}" deviations ${i} platforms)
  if(_platform_count EQUAL 0)
    _fail("${_where}" "\"platforms\" is empty")
  endif()
  set(_platforms "")
  math(EXPR _last_platform "${_platform_count} - 1")
  foreach(p RANGE ${_last_platform})
    string(JSON _pattern_type TYPE "${_json}" deviations ${i} platforms ${p})
    string(JSON _pattern GET "${_json}" deviations ${i} platforms ${p})
    if(NOT _pattern_type STREQUAL "STRING" OR _pattern STREQUAL "")
      _fail("${_where}" "platforms[${p}] must be a non-empty string")
    endif()
    _literal(_pattern_literal "${_pattern}")
    list(APPEND _platforms "${_pattern_literal}")
  endforeach()
  list(JOIN _platforms ", " _platforms)

  set(_row "    {")
  foreach(key IN ITEMS id reason source link fixed_in measured_by)
    _literal(_lit "${_${key}}")
    if(key STREQUAL "reason")
      string(APPEND _row "\n     {${_platforms}},")
    endif()
    string(APPEND _row "\n     ${_lit},")
  endforeach()
  string(APPEND _rows "${_row}\n    },\n")
endforeach()

set(_text "// Generated from ${_name} by core/src/model/deviations_table.cmake: edit the JSON, not this.
#include \"closesem/deviations.hpp\"

namespace closesem {

const std::vector<KnownDeviation>& known_deviations() {
  // id, platforms, reason, source, link, fixed_in, measured_by
  static const std::vector<KnownDeviation> kTable = {
${_rows}  };
  return kTable;
}

}  // namespace closesem
")
# Written only when it changed, so that an unchanged table does not rebuild the model.
file(WRITE "${OUTPUT}.new" "${_text}")
file(COPY_FILE "${OUTPUT}.new" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.new")
