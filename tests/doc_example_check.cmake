# SPDX-License-Identifier: MIT
# Fails when a document's copy of an example program differs from the program that CI builds.
#   cmake -DDOC=docs/x.md -DEXAMPLE=examples/y.cpp -P doc_example_check.cmake
# The example's first line (its SPDX tag) is not part of the copy.
file(READ "${EXAMPLE}" example)
string(FIND "${example}" "\n" first_newline)
math(EXPR body_start "${first_newline} + 1")
string(SUBSTRING "${example}" ${body_start} -1 body)
file(READ "${DOC}" doc)
string(FIND "${doc}" "${body}" at)
if(at EQUAL -1)
  message(FATAL_ERROR "${DOC} does not hold ${EXAMPLE} as it is (less its first line): copy the program into it again")
endif()
message(STATUS "${DOC} holds ${EXAMPLE}")
