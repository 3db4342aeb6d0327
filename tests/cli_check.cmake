# SPDX-License-Identifier: MIT
# Runs one command line of the imram tool and checks its exit code and output.
#   cmake -DCMD="a;b;c" -DEXPECT_RC=N [-DEXPECT_OUT=regex] [-DEXPECT_ERR=regex] [-DWORKDIR=dir] -P cli_check.cmake
if(WORKDIR)
  file(REMOVE_RECURSE "${WORKDIR}")  # every run starts clean: no state left from an earlier run
  file(MAKE_DIRECTORY "${WORKDIR}")
else()
  set(WORKDIR ".")
endif()
execute_process(COMMAND ${CMD} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err WORKING_DIRECTORY "${WORKDIR}")
message(STATUS "exit ${rc}\n--- stdout\n${out}--- stderr\n${err}")
if(NOT rc EQUAL EXPECT_RC)
  message(FATAL_ERROR "expected exit code ${EXPECT_RC}, got ${rc}")
endif()
if(EXPECT_OUT AND NOT out MATCHES "${EXPECT_OUT}")
  message(FATAL_ERROR "stdout does not match '${EXPECT_OUT}'")
endif()
if(EXPECT_ERR AND NOT err MATCHES "${EXPECT_ERR}")
  message(FATAL_ERROR "stderr does not match '${EXPECT_ERR}'")
endif()
