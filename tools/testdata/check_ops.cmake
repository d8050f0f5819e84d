# Checks `closesem_tool ops`, one part per ctest (-DPART=...; tools/CMakeLists.txt):
# check: check accepts a good script and names file:line:column of a malformed one (exit
# 2); encode then decode gives the canonical text, and the binary form of that text is
# the same bytes again. Missing files are exit 2 with a message. The other parts are
# `ops run`'s: each says below what it checks.
include(${CMAKE_CURRENT_LIST_DIR}/expect.cmake)
function(run_ops expected_rc out_var)
  run_expect(${expected_rc} out ${TOOL} ops ${ARGN})
  set(${out_var} "${out}" PARENT_SCOPE)
endfunction()

# run with the environment given: run_env(RC OUT VAR=VALUE... -- ARGS...)
function(run_env expected_rc out_var)
  set(env)
  set(args)
  set(target env)
  foreach(a IN LISTS ARGN)
    if(a STREQUAL "--")
      set(target args)
    else()
      list(APPEND ${target} "${a}")
    endif()
  endforeach()
  run_expect(${expected_rc} out ${CMAKE_COMMAND} -E env ${env} ${TOOL} ops ${args})
  set(${out_var} "${out}" PARENT_SCOPE)
endfunction()

if(NOT PART MATCHES "^(check|folders|goes-on|replay|multiplier|streams|max-block|bom|help)$")
  message(FATAL_ERROR "unknown PART '${PART}'")
endif()

set(scenario ${DATA}/../../corpora/scenarios/01_graceful_close.ops)

file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")

if(PART STREQUAL "check")
  run_ops(0 out check ${DATA}/ops_good.ops ${DATA}/ops_good.canonical.ops)
  expect("${out}" "ops_good.ops: 11 ops")
  expect("${out}" "ops_good.canonical.ops: 11 ops")

  run_ops(2 out check ${DATA}/ops_good.ops ${DATA}/ops_malformed.ops)
  expect("${out}" "ops_good.ops: 11 ops")
  expect("${out}" "ops_malformed.ops:5:3: unknown op 'sned'; expected one of: socket, listen")

  run_ops(2 out check ${DATA}/no_such_script.ops)
  expect("${out}" "no_such_script.ops: cannot open")

  # text -> op-records -> text: the canonical text without the expected outcomes (records
  # hold none: the targets let the model decide), on stdout and with -o.
  run_ops(0 out encode ${DATA}/ops_good.ops -o ${WORK}/good.rec)
  expect("${out}" "ops_good.ops: note: the expected outcomes (->) of 9 ops are left out")
  file(SIZE ${WORK}/good.rec size)
  if(NOT size EQUAL 66)
    message(FATAL_ERROR "good.rec: ${size} bytes, expected 11 records of 6")
  endif()
  file(READ ${DATA}/ops_good.canonical.ops canonical)
  string(REGEX REPLACE " -> [^\n]*" "" canonical "${canonical}")
  run_ops(0 out decode ${WORK}/good.rec)
  if(NOT out STREQUAL canonical)
    message(FATAL_ERROR "decode printed:\n${out}\nexpected:\n${canonical}")
  endif()
  run_ops(0 out decode ${WORK}/good.rec -o ${WORK}/good.ops)
  file(READ ${WORK}/good.ops decoded)
  if(NOT decoded STREQUAL canonical)
    message(FATAL_ERROR "decode -o wrote:\n${decoded}\nexpected:\n${canonical}")
  endif()
  run_ops(0 out encode ${WORK}/good.ops -o ${WORK}/again.rec)
  file(SHA256 ${WORK}/good.rec first)
  file(SHA256 ${WORK}/again.rec second)
  if(NOT first STREQUAL second)
    message(FATAL_ERROR "encoding the decoded text gave other bytes")
  endif()
  # A file without a known suffix (a libFuzzer crash file) is read as op-records.
  file(COPY_FILE ${WORK}/good.rec ${WORK}/crash-1)
  run_ops(0 out decode ${WORK}/crash-1)
  if(NOT out STREQUAL canonical)
    message(FATAL_ERROR "decode of a file without suffix printed:\n${out}\nexpected:\n${canonical}")
  endif()

  # The structured formats, by --format or by suffix: a script the generator can make
  # encodes to its choice bytes and decodes back; one it cannot make is refused (exit 2).
  file(WRITE ${WORK}/linger.ops "pair unix\na linger on 1\na close\nb recv 65536\nb recv 65536\nb recv 65536\nb error\n")
  run_ops(0 out encode ${WORK}/linger.ops -o ${WORK}/linger.linger)
  run_ops(0 out decode ${WORK}/linger.linger)
  file(READ ${WORK}/linger.ops linger_text)
  if(NOT out STREQUAL linger_text)
    message(FATAL_ERROR "linger-choices decode printed:\n${out}\nexpected:\n${linger_text}")
  endif()
  run_ops(2 out encode --format handle-choices ${WORK}/linger.ops -o ${WORK}/linger.handles)
  expect("${out}" "linger.ops: cannot be written as handle-choices: op 2 is not one fuzz_handles makes")
  run_ops(0 out decode --format handle-choices ${WORK}/linger.linger)
  run_ops(2 out decode --format records ${WORK}/linger.linger)
  expect("${out}" "--format: records not in {op-records,linger-choices,handle-choices}")
  # A folder of scripts: each becomes OUTPUT/NAME.SUFFIX.
  file(REMOVE_RECURSE ${WORK}/folder.out)
  file(MAKE_DIRECTORY ${WORK}/folder.in)
  file(COPY_FILE ${WORK}/linger.ops ${WORK}/folder.in/one.ops)
  file(COPY_FILE ${WORK}/good.ops ${WORK}/folder.in/two.ops)
  run_ops(0 out encode --format op-records ${WORK}/folder.in -o ${WORK}/folder.out)
  if(NOT EXISTS ${WORK}/folder.out/one.rec OR NOT EXISTS ${WORK}/folder.out/two.rec)
    message(FATAL_ERROR "encode of a folder did not write folder.out/one.rec and two.rec")
  endif()

  run_ops(2 out encode ${DATA}/ops_malformed.ops -o ${WORK}/bad.rec)
  expect("${out}" "ops_malformed.ops:5:3:")
  if(EXISTS ${WORK}/bad.rec)
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
  # --skip-invalid: that op is left out, as the fuzz targets do, and the rest runs.
  run_ops(0 out run --skip-invalid ${DATA}/ops_semantic_error.ops)
  expect("${out}" "observed 1; predicted 1; -> 1")
  expect("${out}" "1 op(s) left out as script errors (--skip-invalid)")
  run_ops(1 out run ${DATA}/ops_failed_expectation.ops)
  expect("${out}" "FAILED -> 4")
  run_ops(2 out run --profile no-such-profile ${DATA}/ops_failed_expectation.ops)
  expect("${out}" "unknown profile 'no-such-profile'")
  run_ops(0 out run --replay-dir ${WORK} ${DATA}/../../corpora/scenarios/01_graceful_close.ops)
  file(READ ${WORK}/01_graceful_close.replay.ops replay)
  expect("${replay}" "b recv 1000 -> 100")
  # Each script's run says how much of it the model checked (issue 18): the zero-byte
  # recv on AF_UNIX has no prediction (core/src/model/model.cpp), nor, after it, the next
  # recv; the send names one count, the pair `ok` (a set).
  file(WRITE ${WORK}/unpredicted.ops "pair unix\na send 3\nb recv 0\nb recv 3\n")
  run_ops(0 out run ${WORK}/unpredicted.ops)
  expect("${out}" ", 2 without a prediction\n  checked: 4 ops: 1 checked exactly, 1 as a set, 2 not predicted (recv 2)\n")
endif()

if(PART STREQUAL "folders")
  # A folder stands for its *.ops scripts, sorted, not those of subfolders nor other
  # files; the count of scripts is said. An empty folder or a missing path is exit 2
  # naming it.
  file(MAKE_DIRECTORY ${WORK}/folder/sub ${WORK}/empty)
  file(WRITE ${WORK}/folder/b.ops "pair tcp4\na send 2 -> 2\n")
  file(WRITE ${WORK}/folder/a.ops "pair tcp4\na send 1 -> 1\n")
  file(WRITE ${WORK}/folder/notes.txt "pair tcp4\n")
  file(WRITE ${WORK}/folder/sub/c.ops "pair tcp4\n")
  run_ops(0 out run ${WORK}/folder)
  expect("${out}" "closesem ops run: 2 scripts: 2 held, 0 diverged or failed a ->, 0 with an error")
  string(FIND "${out}" "folder/a.ops on " a_at)
  string(FIND "${out}" "folder/b.ops on " b_at)
  if(a_at EQUAL -1 OR b_at EQUAL -1 OR NOT a_at LESS b_at)
    message(FATAL_ERROR "expected folder/a.ops, then folder/b.ops, in:\n${out}")
  endif()
  expect_not("${out}" "c.ops")
  expect_not("${out}" "notes.txt")
  run_ops(2 out run ${WORK}/empty)
  expect("${out}" "/empty: no .ops scripts in this folder")
  run_ops(2 out run ${WORK}/no_such_folder)
  expect("${out}" "/no_such_folder: cannot open: ")
  run_ops(2 out check ${WORK}/folder ${WORK}/empty)
  expect("${out}" "folder/a.ops: 2 ops")
  expect("${out}" "/empty: no .ops scripts in this folder")
endif()

if(PART STREQUAL "goes-on")
  # run goes on after a bad script, reports each one, and exits with the worst status:
  # a script error (2) over a failed -> (1) over a clean run (0).
  run_ops(2 out run ${DATA}/ops_malformed.ops ${DATA}/ops_failed_expectation.ops ${scenario}
          ${DATA}/ops_semantic_error.ops)
  expect("${out}" "ops_malformed.ops:5:3: unknown op 'sned'")
  expect("${out}" "FAILED -> 4")
  expect("${out}" "01_graceful_close.ops on ")
  expect("${out}" "ops_semantic_error.ops:4:1: endpoint c was never made")
  expect("${out}" "closesem ops run: 4 scripts: 1 held, 1 diverged or failed a ->, 2 with an error")
  run_ops(1 out run ${DATA}/ops_failed_expectation.ops ${scenario})
  expect("${out}" "closesem ops run: 2 scripts: 1 held, 1 diverged or failed a ->, 0 with an error")
endif()

if(PART STREQUAL "replay")
  # --replay-dir: two scripts of the same name (from two folders) keep a replay each; a
  # replay that cannot be written is exit 2 naming the file and the OS error.
  file(MAKE_DIRECTORY ${WORK}/one ${WORK}/two ${WORK}/replays ${WORK}/blocked)
  file(WRITE ${WORK}/one/same.ops "pair tcp4\na send 1 -> 1\n")
  file(WRITE ${WORK}/two/same.ops "pair tcp4\na send 2 -> 2\n")
  run_ops(0 out run --replay-dir ${WORK}/replays ${WORK}/one/same.ops ${WORK}/two/same.ops)
  file(READ ${WORK}/replays/same.replay.ops first)
  expect("${first}" "a send 1 -> 1")
  file(READ ${WORK}/replays/same.2.replay.ops second)
  expect("${second}" "a send 2 -> 2")
  expect("${out}" "replay (the run as observed): ${WORK}/replays/same.2.replay.ops")
  # (a folder where the replay file would go: the write fails, also for root)
  file(MAKE_DIRECTORY ${WORK}/blocked/01_graceful_close.replay.ops)
  run_ops(2 out run --replay-dir ${WORK}/blocked ${scenario})
  expect("${out}" "${WORK}/blocked/01_graceful_close.replay.ops: cannot write: ")
  expect_not("${out}" "replay (the run as observed)")
  expect("${out}" "0 held, 0 diverged or failed a ->, 1 with an error")
endif()

if(PART STREQUAL "multiplier")
  # A bad CLOSESEM_TIMEOUT_MULTIPLIER is exit 2 naming the variable, the value and the
  # range, before any script runs; never a silent 1.
  foreach(bad abc 0.5 101 3x)
    run_env(2 out CLOSESEM_TIMEOUT_MULTIPLIER=${bad} -- run ${scenario})
    expect("${out}" "CLOSESEM_TIMEOUT_MULTIPLIER='${bad}' is ")
    expect("${out}" "expected a number from 1 to 100")
    expect_not("${out}" "01_graceful_close.ops on ")
  endforeach()
  run_env(0 out CLOSESEM_TIMEOUT_MULTIPLIER=2.5 -- run ${scenario})
endif()

if(PART STREQUAL "streams")
  # Each op is printed (and flushed) as it completes: killed during the long wait, the
  # run has already printed the pair's line.
  execute_process(COMMAND ${TOOL} ops run ${DATA}/ops_slow.ops TIMEOUT 8 RESULT_VARIABLE rc
                  OUTPUT_FILE ${WORK}/slow.out ERROR_FILE ${WORK}/slow.err)
  file(READ ${WORK}/slow.out slow)
  expect("${slow}" "ops_slow.ops on ")
  expect("${slow}" "pair tcp4                     observed 0")
  expect_not("${slow}" "a wait readable")
endif()

if(PART STREQUAL "max-block")
  # Waits and linger times above --max-block (default 30 s) are refused before the
  # script runs, as file:line:column; --max-block raises the bound.
  run_ops(2 out run ${DATA}/ops_long_linger.ops ${DATA}/ops_long_wait.ops ${scenario})
  expect("${out}" "ops_long_linger.ops:5:1: 'b linger on 45' lets a close of b block for up to 45 s")
  expect("${out}" "longer than the bound of 30 s: the script is not run (--max-block 45 allows it)")
  expect("${out}" "ops_long_wait.ops:3:3: 'a wait readable 30001' waits up to 30001 ms, longer than the bound of 30 s")
  expect_not("${out}" "ops_long_linger.ops on ")
  expect_not("${out}" "ops_long_wait.ops on ")
  expect("${out}" "01_graceful_close.ops on ")
  run_ops(0 out run --max-block 45 ${DATA}/ops_long_linger.ops)
  expect("${out}" "b close                       observed 0")
  run_ops(2 out run --max-block 0 ${scenario})
  expect("${out}" "--max-block")
endif()

if(PART STREQUAL "bom")
  # A UTF-8 byte-order mark at the very start is accepted; columns count from after it.
  run_ops(0 out check ${DATA}/ops_bom.ops)
  expect("${out}" "ops_bom.ops: 3 ops")
  run_ops(0 out run ${DATA}/ops_bom.ops)
  run_ops(2 out check ${DATA}/ops_bom_malformed.ops)
  expect("${out}" "ops_bom_malformed.ops:1:3: unknown op 'sned'")
endif()

if(PART STREQUAL "help")
  # --help answers with exit 0, and the usage line names the command the front end
  # passes (./closesem), not this binary's path.
  run_env(0 out CLOSESEM_PROG_NAME=./closesem -- run --help)
  expect("${out}" "Usage: ./closesem ops run [OPTIONS] files...")
  expect("${out}" "--max-block")
  run_env(0 out CLOSESEM_PROG_NAME=./closesem -- --help)
  expect("${out}" "Usage: ./closesem ops [OPTIONS] SUBCOMMAND")
  # (without it, too: the tool is run through the front end)
  run_ops(0 out check -h)
  expect("${out}" "Usage: ./closesem ops check [OPTIONS] files...")
  run_env(0 out CLOSESEM_PROG_NAME=closesem -- encode --help)
  expect("${out}" "Usage: closesem ops encode [OPTIONS] script")
endif()
