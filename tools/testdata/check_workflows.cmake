# The GitHub workflow files pass yamllint (with .yamllint) and tools/check_workflows.py,
# and the checker does fail on a workflow with mistakes (testdata/workflow_bad.yml).
find_program(YAMLLINT yamllint)
find_program(PYTHON3 python3)
if(NOT YAMLLINT OR NOT PYTHON3)
  message(FATAL_ERROR "yamllint and python3 are needed (./closesem test installs them)")
endif()
file(GLOB workflows "${SOURCE}/.github/workflows/*.yml")
if(NOT workflows)
  message(FATAL_ERROR "no workflow files in ${SOURCE}/.github/workflows")
endif()
execute_process(COMMAND ${YAMLLINT} -c ${SOURCE}/.yamllint ${workflows}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "yamllint:\n${out}")
endif()
execute_process(COMMAND ${PYTHON3} ${SOURCE}/tools/check_workflows.py ${workflows}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "check_workflows.py:\n${out}")
endif()
execute_process(COMMAND ${PYTHON3} ${SOURCE}/tools/check_workflows.py ${SOURCE}/tools/testdata/workflow_bad.yml
                RESULT_VARIABLE rc OUTPUT_VARIABLE bad ERROR_VARIABLE bad)
if(NOT rc EQUAL 1 OR NOT bad MATCHES "4 problems")
  message(FATAL_ERROR "check_workflows.py missed mistakes in workflow_bad.yml (${rc}):\n${bad}")
endif()
message(STATUS "${out}")
