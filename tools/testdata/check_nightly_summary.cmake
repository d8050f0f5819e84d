# The nightly report from a fixed night (tools/testdata/nightly/night.json, the typed
# record the nightly job fills in): which findings are new (the history has one of them,
# for the same target), which one a committed regression names, the exit status,
# stats.json's figures and summary.md's headline, tables and reproducer lines; and a
# record that is not one (a field of the wrong type, JSON cut short) is refused with its
# location (exit 2).
set(dir "${WORK}/2026-11-21")
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${dir}/findings/fuzz_linger")
file(WRITE "${dir}/findings/fuzz_linger/1.ops"
     "# Finding 1 of fuzz_linger, nightly 2026-11-21.\n# Signature: x\npair tcp4\na close\nb recv 10\n")
execute_process(COMMAND ${TOOL} nightly summary --night ${DATA}/nightly/night.json --dir ${dir}
                        --history ${DATA}/nightly/history --corpora ${DATA}/nightly/corpora
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

file(READ "${dir}/summary.md" summary)
foreach(expected
    "# closesem nightly 2026-11-21: 1 new finding, 1 seen before; conformance passed"
    "\\*\\*linux-6.1.0-test\\*\\* · 2 fuzz targets for 30 min 15 s with libFuzzer"
    "\\| fuzz_linger/1 \\| `divergence/recv/connection_reset/predicted 0` \\| confirmed \\| 12 \\| \\*\\*new\\*\\* \\|"
    "\\| fuzz_handles/1 \\| `leak/handles` \\| confirmed \\| 3 \\| 2026-11-18 \\|"
    "### fuzz_handles/1 \\(seen before, first on 2026-11-18\\)"
    "the smallest \\(331 bytes\\) was minimised from 331 to 3 bytes in 40 runs"
    "A committed regression has the same signature: `corpora/fuzz_linger/regressions/linger-reset.ops`"
    "Keep it as a regression: `./closesem promote reports/2026-11-21/findings/fuzz_linger/1.bin --name SHORT-NAME`"
    "step by step: `./closesem ops run reports/2026-11-21/findings/fuzz_linger/1.ops`"
    "```\npair tcp4\na close\nb recv 10\n```"
    "none of them failed when run again"
    "\\| fuzz_linger \\| 250,000 \\| 137 \\| 3342 / 2774 \\| 60 → 64 \\| 25 \\(7\\) \\| 14 \\| 1 \\|"
    "fuzz_linger: 1 input\\(s\\) ran longer than 10 s"
    "fuzz_handles: 100 of 300 crash inputs were run to learn their signatures"
    "Socket API: 89 pass, 0 known, 0 fail, 0 unexpected pass, 6 skipped"
    "Since the report of 2026-11-20: 1 operations differ")
  if(NOT summary MATCHES "${expected}")
    message(FATAL_ERROR "summary.md lacks '${expected}':\n${summary}")
  endif()
endforeach()

# Not a night record: refused, with where.
foreach(case "night_bad.json|night_bad.json: /targets/1/executions: expected a whole number \\(or null\\), got \"many\""
             "night_truncated.json|night_truncated.json:4:1: not JSON")
  string(REPLACE "|" ";" case "${case}")
  list(GET case 0 file)
  list(GET case 1 expected)
  execute_process(COMMAND ${TOOL} nightly summary --night ${DATA}/nightly/${file} --dir ${dir}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 2 OR NOT err MATCHES "${expected}")
    message(FATAL_ERROR "${file} should be refused with '${expected}' and exit 2, got ${rc}:\n${out}${err}")
  endif()
endforeach()
message(STATUS "nightly summary: new and seen-before findings, stats.json and summary.md as expected")
