# Checks `closesem_tool ops`: check accepts a good script and names file:line:column of
# a malformed one (exit 2); encode then decode gives the canonical text, and the binary
# form of that text is the same bytes again. Missing files are exit 2 with a message.
function(run_ops expected_rc out_var)
  execute_process(COMMAND ${TOOL} ops ${ARGN} RESULT_VARIABLE rc
                  OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL expected_rc)
    message(FATAL_ERROR "ops ${ARGN}: exit ${rc}, expected ${expected_rc}\n${out}${err}")
  endif()
  set(${out_var} "${out}${err}" PARENT_SCOPE)
endfunction()

function(expect text pattern)
  string(FIND "${text}" "${pattern}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "expected to find '${pattern}' in:\n${text}")
  endif()
endfunction()

file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")

run_ops(0 out check ${DATA}/ops_good.ops ${DATA}/ops_good.canonical.ops)
expect("${out}" "ops_good.ops: 11 ops")
expect("${out}" "ops_good.canonical.ops: 11 ops")

run_ops(2 out check ${DATA}/ops_good.ops ${DATA}/ops_malformed.ops)
expect("${out}" "ops_good.ops: 11 ops")
expect("${out}" "ops_malformed.ops:5:3: unknown op 'sned'; expected one of: socket, listen")

run_ops(2 out check ${DATA}/no_such_script.ops)
expect("${out}" "no_such_script.ops: cannot open")

# text -> binary -> text: the canonical text, on stdout and with -o.
run_ops(0 out encode ${DATA}/ops_good.ops -o ${WORK}/good.bin)
file(SIZE ${WORK}/good.bin size)
if(NOT size EQUAL 176)
  message(FATAL_ERROR "good.bin: ${size} bytes, expected 11 records of 16")
endif()
file(READ ${DATA}/ops_good.canonical.ops canonical)
run_ops(0 out decode ${WORK}/good.bin)
if(NOT out STREQUAL canonical)
  message(FATAL_ERROR "decode printed:\n${out}\nexpected:\n${canonical}")
endif()
run_ops(0 out decode ${WORK}/good.bin -o ${WORK}/good.ops)
file(READ ${WORK}/good.ops decoded)
if(NOT decoded STREQUAL canonical)
  message(FATAL_ERROR "decode -o wrote:\n${decoded}\nexpected:\n${canonical}")
endif()
run_ops(0 out encode ${WORK}/good.ops -o ${WORK}/again.bin)
file(SHA256 ${WORK}/good.bin first)
file(SHA256 ${WORK}/again.bin second)
if(NOT first STREQUAL second)
  message(FATAL_ERROR "encoding the decoded text gave other bytes")
endif()

run_ops(2 out encode ${DATA}/ops_malformed.ops -o ${WORK}/bad.bin)
expect("${out}" "ops_malformed.ops:5:3:")
if(EXISTS ${WORK}/bad.bin)
  message(FATAL_ERROR "encode wrote a binary for a malformed script")
endif()
run_ops(2 out decode ${WORK}/no_such_input.bin)
expect("${out}" "no_such_input.bin: cannot open")

# run: a malformed script and a semantic error are located (exit 2); a failed `->` is
# marked and exits 1; a good run exits 0 and writes its replay.
run_ops(2 out run ${DATA}/ops_malformed.ops)
expect("${out}" "ops_malformed.ops:5:3: unknown op 'sned'")
run_ops(2 out run ${DATA}/ops_semantic_error.ops)
expect("${out}" "ops_semantic_error.ops:4:1: endpoint c was never made")
run_ops(1 out run ${DATA}/ops_failed_expectation.ops)
expect("${out}" "FAILED -> 4")
run_ops(2 out run --profile no-such-profile ${DATA}/ops_failed_expectation.ops)
expect("${out}" "unknown profile 'no-such-profile'")
run_ops(0 out run --replay-dir ${WORK} ${DATA}/../../corpora/scenarios/01_graceful_close.ops)
file(READ ${WORK}/01_graceful_close.replay.ops replay)
expect("${replay}" "b recv 1000 -> 100")
