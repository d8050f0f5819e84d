# The nightly report from a fixed night (tools/testdata/nightly/night.json, the typed
# record the nightly job fills in): which findings are new (the history has one of them,
# for the same target), which one a committed regression names, the exit status,
# stats.json's figures and summary.md's headline, tables and reproducer lines; what the
# model checked, from counts files as the fuzz targets write them (nightly/counts: two
# files of one target summed, one below the floor, a file refused with its place, a file
# being written left out, a target without an op model), and from the record alone with
# another floor; a night of lanes (night_lanes.json: rows per target and lane, which
# build found what); and a record that is not one (a field of the wrong type, JSON cut
# short, a lane it does not have), or a floor that is no percentage, is refused with its
# location (exit 2).
set(dir "${WORK}/2026-11-21")
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${dir}/findings/fuzz_linger")
file(WRITE "${dir}/findings/fuzz_linger/1.ops"
     "# Finding 1 of fuzz_linger, nightly 2026-11-21.\n# Signature: x\npair tcp4\na close\nb recv 10\n")
execute_process(COMMAND ${TOOL} nightly summary --night ${DATA}/nightly/night.json --dir ${dir}
                        --history ${DATA}/nightly/history --corpora ${DATA}/nightly/corpora
                        --counts ${DATA}/nightly/counts
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 1)
  message(FATAL_ERROR "a new finding should give exit status 1, got ${rc}:\n${out}${err}")
endif()
if(NOT out MATCHES "closesem nightly 2026-11-21: 1 new finding, 1 seen before; conformance passed")
  message(FATAL_ERROR "unexpected headline:\n${out}")
endif()

file(READ "${dir}/stats.json" stats)
macro(expect_json expected)
  string(JSON value ERROR_VARIABLE json_error GET "${stats}" ${ARGN})
  if(NOT "${value}" STREQUAL "${expected}")
    message(FATAL_ERROR "stats.json ${ARGN}: expected '${expected}', got '${value}' ${json_error}\n${stats}")
  endif()
endmacro()
# (a share as a regex of its leading digits: CMake's JSON reads 0.91 back as
# 0.91000000000000003, and 0.985 as 0.98499999999999999)
function(expect_share target share)
  string(JSON value ERROR_VARIABLE json_error GET "${stats}" targets ${target} checked_share)
  if(NOT value MATCHES "^${share}$")
    message(FATAL_ERROR "stats.json targets/${target}/checked_share: expected ${share}, got '${value}' ${json_error}")
  endif()
endfunction()
macro(expect_json_length expected)
  string(JSON value ERROR_VARIABLE json_error LENGTH "${stats}" ${ARGN})
  if(NOT "${value}" STREQUAL "${expected}")
    message(FATAL_ERROR "stats.json ${ARGN}: expected ${expected} entries, got '${value}' ${json_error}")
  endif()
endmacro()
macro(expect_json_type expected)
  string(JSON value ERROR_VARIABLE json_error TYPE "${stats}" ${ARGN})
  if(NOT "${value}" STREQUAL "${expected}")
    message(FATAL_ERROR "stats.json ${ARGN}: expected a ${expected}, got a '${value}' ${json_error}")
  endif()
endmacro()
macro(expect_no_json)
  string(JSON value ERROR_VARIABLE json_error GET "${stats}" ${ARGN})
  if(NOT json_error)
    message(FATAL_ERROR "stats.json ${ARGN}: expected none, got '${value}'")
  endif()
endmacro()
expect_json("closesem-nightly/1" schema)
expect_json(1 new_findings)
expect_json(1 exit_status)
expect_json(250000 targets fuzz_linger executions)
expect_json(137 targets fuzz_linger executions_per_second)
expect_json(3342 targets fuzz_linger coverage edges)
expect_json(60 targets fuzz_linger corpus before)
expect_json(64 targets fuzz_linger corpus after)
expect_json(25 targets fuzz_linger new_units)
expect_json(1 targets fuzz_linger findings)
expect_json(1 targets fuzz_linger slow_inputs)
expect_json(0 targets fuzz_handles new_findings)
# New findings first; the unreproducible one is listed but not counted.
expect_json("fuzz_linger/1" findings 0 id)
expect_json(ON findings 0 new)
expect_json("corpora/fuzz_linger/regressions/linger-reset.ops" findings 0 regression)
expect_json("fuzz_linger/2" findings 1 id)
expect_json("unreproducible" findings 1 status)
expect_json("fuzz_handles/1" findings 2 id)
expect_json(OFF findings 2 new)
expect_json("2026-11-18" findings 2 first_seen)
expect_json(0 conformance conformance exit)
# A record from before the lanes is one lane: the job's engine, natively, its sanitizers
# unknown; each target its one row, each finding that lane's.
expect_json_length(1 lanes)
expect_json("libfuzzer" lanes 0 label)
expect_json("native" lanes 0 platform)
expect_json_type(NULL lanes 0 sanitizers)
expect_json_length(4 rows)
expect_json("fuzz_linger" rows 0 target)
expect_json("libfuzzer" rows 0 lane)
expect_json(250000 rows 0 executions)
expect_json("libfuzzer" findings 0 lane)
# What the model checked: fuzz_linger 910 of 1000 ops; fuzz_handles two files summed (the
# .json.tmp beside them is a file being written, not counted); the ten kinds and reasons
# with the most unpredicted ops (ties by name: cancel before collect, linger before other).
expect_json(95 checked_floor_percent)
expect_json(1000 targets fuzz_linger ops_run)
expect_json(910 targets fuzz_linger ops_checked)
expect_share(fuzz_linger "0\\.91(0000[0-9]*)?")
expect_json(ON targets fuzz_linger below_checked_floor)
expect_json(30 targets fuzz_linger unpredicted_by_kind recv)
expect_json(1 targets fuzz_linger unpredicted_by_kind cancel)
expect_json_length(10 targets fuzz_linger unpredicted_by_kind)
expect_no_json(targets fuzz_linger unpredicted_by_kind collect)
expect_json_length(10 targets fuzz_linger unpredicted_reasons)
expect_json(25 targets fuzz_linger unpredicted_reasons "recv: a zero-byte recv on AF_UNIX waits for the receive timeout (Linux): not modelled")
expect_json(3 targets fuzz_linger unpredicted_reasons "linger: reason 10")
expect_no_json(targets fuzz_linger unpredicted_reasons other)
expect_json(2 targets fuzz_handles check_counts_files)
expect_json(2000 targets fuzz_handles ops_run)
expect_json(1970 targets fuzz_handles ops_checked)
expect_share(fuzz_handles "0\\.98(5|4999[0-9]*)")
expect_json(OFF targets fuzz_handles below_checked_floor)
expect_json(20 targets fuzz_handles unpredicted_by_kind close)
# fuzz_close_sequences: its only file does not add up, so no figures (null), and why.
expect_json_type(NULL targets fuzz_close_sequences ops_run)
expect_json_type(NULL targets fuzz_close_sequences checked_share)
expect_json(0 targets fuzz_close_sequences check_counts_files)
expect_json("unreadable: no counts file could be read" targets fuzz_close_sequences check_counts)
expect_json("counts/fuzz_close_sequences-301.json: ops_exact + ops_set + ops_unpredicted is 9 + 2 + 2 = 13, not ops_run 12"
            targets fuzz_close_sequences check_counts_problems 0)
expect_json_type(NULL targets fuzz_asio_close ops_run)
expect_json("none: no op model" targets fuzz_asio_close check_counts)

file(READ "${dir}/summary.md" summary)
foreach(expected
    "# closesem nightly 2026-11-21: 1 new finding, 1 seen before; conformance passed"
    "\\*\\*linux-6.1.0-test\\*\\* · 4 fuzz targets for 30 min 15 s with libFuzzer"
    "\\| fuzz_linger/1 \\| `divergence/recv/connection_reset/predicted 0` \\| confirmed \\| 12 \\| \\*\\*new\\*\\* \\| \\*\\*libfuzzer\\*\\* \\|"
    "\\| fuzz_handles/1 \\| `leak/handles` \\| confirmed \\| 3 \\| 2026-11-18 \\|"
    "### fuzz_handles/1 \\(seen before, first on 2026-11-18\\)"
    "the smallest \\(331 bytes\\) was minimised from 331 to 3 bytes in 40 runs"
    "A committed regression has the same signature: `corpora/fuzz_linger/regressions/linger-reset.ops`"
    "Keep it as a regression: `./closesem promote reports/2026-11-21/findings/fuzz_linger/1.bin --name SHORT-NAME`"
    "step by step: `./closesem ops run reports/2026-11-21/findings/fuzz_linger/1.ops`"
    "```\npair tcp4\na close\nb recv 10\n```"
    "none of them failed when run again"
    # (a record from before the lanes: one lane, the job's engine, its sanitizers unknown)
    "\\| lane \\| engine \\| sanitizers \\| platform \\| fuzzed \\| binaries \\|\n[^\n]*\n\\| libfuzzer \\| libFuzzer \\(fork mode\\) \\| sanitizers unknown \\| native \\| 30 min 15 s of 30 min \\| `build/fuzz/fuzz` \\|"
    "\\| target \\| lane \\| runs \\| runs/s \\| coverage \\(edges / features\\) \\| corpus before → after \\| new units \\(kept\\) \\| crash inputs \\| findings \\| ops run \\| checked \\|\n"
    "\\| fuzz_linger \\| libfuzzer \\| 250,000 \\| 137 \\| 3342 / 2774 \\| 60 → 64 \\| 25 \\(7\\) \\| 14 \\| 1 \\| 1,000 \\| 91% \\|"
    "\\| fuzz_handles \\| libfuzzer \\| 900,000 \\| 496 \\| [^\n]* \\| 2,000 \\| 98% \\|"
    "\\| fuzz_close_sequences \\| libfuzzer \\| [^\n]* \\| no file \\| no file \\|"
    "\\| fuzz_asio_close \\| libfuzzer \\| [^\n]* \\| – \\| – \\|"
    # (the floor, and a target without counts, at the top: right under the headline)
    "conformance passed\n\n> fuzz_linger: the model checked 91% of its ops, below the floor of 95% \\(see \"What the model did not check\"\\)\\.\n\n> fuzz_close_sequences: no counts file that could be read, so what its model checked is unknown \\(not a pass"
    "## What the model did not check\n"
    "- \\*\\*fuzz_linger\\*\\* \\(below the floor\\): 1,000 ops, 910 checked \\(91%: 800 exactly, 110 as a set\\), 90 not predicted\n"
    "  - op kinds most often unpredicted: `recv` 30, `send` 20, `close` 10, [^\n]*, `cancel` 1\n"
    "    - 25 × `recv: a zero-byte recv on AF_UNIX waits for the receive timeout \\(Linux\\): not modelled`\n"
    # (text from the harness is escaped as a signature is: no backtick or pipe breaks the page)
    "    - 15 × `send: after 'shutdown\\(SHUT_WR\\)' / a pending send: not modelled`\n"
    "- fuzz_handles: 2,000 ops, 1,970 checked \\(98%: 1,800 exactly, 170 as a set\\), 30 not predicted"
    "- fuzz_close_sequences: a counts file was not read: `counts/fuzz_close_sequences-301.json: ops_exact \\+ ops_set \\+ ops_unpredicted is 9 \\+ 2 \\+ 2 = 13, not ops_run 12"
    "- \\*\\*fuzz_close_sequences: no counts file that could be read\\*\\*"
    "- fuzz_asio_close: no op model \\(it writes no counts\\)"
    "fuzz_linger: 1 input\\(s\\) ran longer than 10 s"
    "fuzz_handles: 100 of 300 crash inputs were run to learn their signatures"
    "Socket API: 89 pass, 0 known, 0 fail, 0 unexpected pass, 6 skipped"
    "Since the report of 2026-11-20: 1 operations differ")
  if(NOT summary MATCHES "${expected}")
    message(FATAL_ERROR "summary.md lacks '${expected}':\n${summary}")
  endif()
endforeach()
foreach(unexpected "collect` 1" "× `other`" "fuzz_handles: the model checked")
  string(FIND "${summary}" "${unexpected}" at)
  if(NOT at EQUAL -1)
    message(FATAL_ERROR "summary.md should not have '${unexpected}':\n${summary}")
  endif()
endforeach()

# From the record alone (no counts folder): fuzz_handles has its figures in the record, the
# others none ("?"); with a floor of 99, fuzz_handles (98.5%) is below it.
set(dir2 "${WORK}/record-only")
file(MAKE_DIRECTORY "${dir2}")
execute_process(COMMAND ${TOOL} nightly summary --night ${DATA}/nightly/night.json --dir ${dir2} --checked-floor 99
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
file(READ "${dir2}/summary.md" summary)
file(READ "${dir2}/stats.json" stats)
expect_json(99 checked_floor_percent)
expect_share(fuzz_handles "0\\.98(5|4999[0-9]*)")
expect_json(ON targets fuzz_handles below_checked_floor)
expect_json_type(NULL targets fuzz_linger ops_run)
foreach(expected
    "> fuzz_handles: the model checked 98% of its ops, below the floor of 99% "
    "\\| fuzz_linger \\| libfuzzer \\| 250,000 \\| [^\n]* \\| \\? \\| \\? \\|"
    "- fuzz_linger: not counted \\(this night's record has no counts\\)")
  if(NOT summary MATCHES "${expected}")
    message(FATAL_ERROR "summary.md (from the record, floor 99) lacks '${expected}':\n${summary}")
  endif()
endforeach()
execute_process(COMMAND ${TOOL} nightly summary --night ${DATA}/nightly/night.json --dir ${dir2} --checked-floor 97.5
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
file(READ "${dir2}/stats.json" stats)
expect_json(97.5 checked_floor_percent)
expect_json(OFF targets fuzz_handles below_checked_floor)

# A floor that is no percentage: refused (exit 2), saying what it needs.
foreach(floor abc 101 -5 95.5.5 "")
  execute_process(COMMAND ${TOOL} nightly summary --night ${DATA}/nightly/night.json --dir ${dir2} --checked-floor "${floor}"
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 2 OR NOT err MATCHES "--checked-floor needs a percentage from 0 to 100")
    message(FATAL_ERROR "--checked-floor '${floor}' should be refused with exit 2, got ${rc}:\n${out}${err}")
  endif()
endforeach()

# Not a night record: refused, with where.
foreach(case "night_bad.json|night_bad.json: /targets/1/executions: expected a whole number \\(or null\\), got \"many\""
             "night_truncated.json|night_truncated.json:4:1: not JSON"
             "night_bad_checks.json|night_bad_checks.json: /targets/0/checks/ops_run: expected a whole number \\(or null\\), got \"many\"")
  string(REPLACE "|" ";" case "${case}")
  list(GET case 0 file)
  list(GET case 1 expected)
  execute_process(COMMAND ${TOOL} nightly summary --night ${DATA}/nightly/${file} --dir ${dir}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 2 OR NOT err MATCHES "${expected}")
    message(FATAL_ERROR "${file} should be refused with '${expected}' and exit 2, got ${rc}:\n${out}${err}")
  endif()
endforeach()
# A night of lanes (tools/testdata/nightly/night_lanes.json: libFuzzer without sanitizers,
# with ASan+UBSan, and the Windows build under Wine): stats.json's lanes and rows per
# target and lane (the targets' figures summed), each finding's lane; the summary's rows
# per target and lane, which build found what, a Winsock finding replayed under Wine, a
# lane below the floor named with its lane; "new" is per platform (the history's
# leak/handles of fuzz_handles, native, is not the Wine lane's).
set(dir3 "${WORK}/2026-11-22")
file(MAKE_DIRECTORY "${dir3}")
execute_process(COMMAND ${TOOL} nightly summary --night ${DATA}/nightly/night_lanes.json --dir ${dir3}
                        --history ${DATA}/nightly/history
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 1 OR NOT out MATCHES "closesem nightly 2026-11-22: 2 new findings, 1 seen before; conformance skipped")
  message(FATAL_ERROR "a night of lanes: expected exit 1 and 2 new findings, got ${rc}:\n${out}${err}")
endif()
file(READ "${dir3}/stats.json" stats)
expect_json("share" sanitizers)
expect_json_type(NUMBER wine_share)
expect_json_length(3 lanes)
foreach(case "0;libfuzzer;libfuzzer;none;native;1152" "1;libfuzzer-asan;libfuzzer;asan+ubsan;native;288"
             "2;wine-replay;replay;none;wine;360")
  list(GET case 0 i)
  list(GET case 1 label)
  list(GET case 2 engine)
  list(GET case 3 sanitizers)
  list(GET case 4 platform)
  list(GET case 5 seconds)
  expect_json("${label}" lanes ${i} label)
  expect_json("${engine}" lanes ${i} engine)
  expect_json("${sanitizers}" lanes ${i} sanitizers)
  expect_json("${platform}" lanes ${i} platform)
  expect_json(${seconds} lanes ${i} seconds)
endforeach()
expect_json_length(6 rows)
expect_json("fuzz_linger" rows 2 target)
expect_json("wine-replay" rows 2 lane)
expect_json("replay" rows 2 engine)
expect_json("wine" rows 2 platform)
expect_json(360 rows 2 seconds)
expect_json(40800 rows 2 executions)
expect_json(113 rows 2 executions_per_second)
expect_json(200000 rows 2 ops_run)
expect_json(ON rows 2 below_checked_floor)
expect_json("asan+ubsan" rows 1 sanitizers)
expect_json(1 rows 1 findings)
expect_json(0 rows 0 findings)
expect_json(300000 targets fuzz_linger executions)
expect_json(66 targets fuzz_linger corpus after)
# The findings: which lane (and so which build) found each; Wine's is checked by the
# Windows build's own tool.
expect_json("fuzz_handles/2" findings 0 id)
expect_json("wine-replay" findings 0 lane)
expect_json("wine" findings 0 platform)
expect_json(ON findings 0 new)
expect_json("exit 1: 6 ops, 0 diverged from the model, 0 failed their ->, 0 received bytes off the pattern, 0 without a prediction"
            findings 0 wine_check)
expect_json("fuzz_linger/1" findings 1 id)
expect_json("libfuzzer-asan" findings 1 lane)
expect_json("asan+ubsan" findings 1 sanitizers)
expect_json("fuzz_handles/1" findings 2 id)
expect_json("native" findings 2 platform)
expect_json(OFF findings 2 new)
file(READ "${dir3}/summary.md" summary)
foreach(expected
    "> fuzz_linger \\(wine-replay\\): the model checked 90% of its ops, below the floor of 95%"
    "2 fuzz targets for 30 min in 3 lanes: libFuzzer without sanitizers \\(19 min 12 s\\), libFuzzer with ASan\\+UBSan \\(4 min 48 s\\) and the Windows build's replay engine without sanitizers under Wine \\(6 min\\)"
    "\\| fuzz_handles/2 \\| `leak/handles` \\| confirmed \\| 2 \\| \\*\\*new\\*\\* \\| \\*\\*wine-replay\\*\\* \\|"
    "\\| fuzz_linger/1 \\| `asan/heap-buffer-overflow/harness.cpp:120` \\| confirmed \\| 3 \\| \\*\\*new\\*\\* \\| \\*\\*libfuzzer-asan\\*\\* \\|"
    "- Found by the lane \\*\\*libfuzzer-asan\\*\\* \\(libFuzzer \\(fork mode\\), ASan\\+UBSan, native; binaries `build/fuzz/fuzz`\\)"
    "- Replay: `build/fuzz/fuzz/fuzz_linger reports/2026-11-22/findings/fuzz_linger/1.linger`"
    "- Found by the lane \\*\\*wine-replay\\*\\* \\(replay engine \\(random mode\\), no sanitizers, the Windows build under Wine"
    "- Replay under Wine: `build/mingw/wine-run build/mingw/fuzz/fuzz_handles.exe reports/2026-11-22/findings/fuzz_handles/2.handles`, or step by step: `./closesem ops --wine run --skip-invalid reports/2026-11-22/findings/fuzz_handles/2.ops`"
    "- The Windows build's own `ops run` under Wine \\(`build/mingw/wine-run build/mingw/tools/closesem_tool.exe ops run --skip-invalid reports/2026-11-22/findings/fuzz_handles/2.ops`\\): exit 1: 6 ops"
    "\\| wine-replay \\| replay engine \\(random mode\\) \\| no sanitizers \\| the Windows build under Wine \\| 6 min of 6 min \\| `build/mingw/fuzz` \\|"
    "\\| fuzz_linger \\| libfuzzer \\| 230,400 \\| 200 \\| 3400 / 2800 \\| 60 → 85 \\| 25 \\| 0 \\| 0 \\| 1,000,000 \\| 99% \\|"
    "\\| fuzz_linger \\| libfuzzer-asan \\| 28,800 \\| 100 \\| 3390 / 2790 \\| 85 → 90 \\| 5 \\| 3 \\| 1 \\| 100,000 \\| 99% \\|"
    "\\| fuzz_linger \\| wine-replay \\| 40,800 \\| 113 \\| – \\| – \\| – \\| 1 \\| 0 \\| 200,000 \\| 90% \\|"
    "- fuzz_linger: the corpus went from 60 to 66 units; the merge kept 6 of the night's 30 new units"
    "- \\*\\*fuzz_linger \\(wine-replay\\)\\*\\* \\(below the floor\\): 200,000 ops"
    "- Lanes: `--sanitizers share` `--wine-share 0.2`; 3 lanes")
  if(NOT summary MATCHES "${expected}")
    message(FATAL_ERROR "summary.md (a night of lanes) lacks '${expected}':\n${summary}")
  endif()
endforeach()
# A row or a finding naming a lane the record does not have: refused, with where.
execute_process(COMMAND ${TOOL} nightly summary --night ${DATA}/nightly/night_bad_lane.json --dir ${dir3}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 2 OR NOT err MATCHES "night_bad_lane.json: /targets/0/lanes/1/lane: \"libfuzzer-msan\" is not a lane of /lanes")
  message(FATAL_ERROR "night_bad_lane.json should be refused with its place and exit 2, got ${rc}:\n${out}${err}")
endif()
message(STATUS "nightly summary: new and seen-before findings, stats.json and summary.md as expected")
