# Runs ntosrun with ARGS (a ;-list) and checks its exit code is RC ("abnormal": it did
# not exit normally, e.g. aborted by a bugcheck) and that its output (stdout and stderr
# together) matches every regular expression in EXPECT (a |;|-list).
separate_arguments(ARG_LIST UNIX_COMMAND "${ARGS}")
execute_process(COMMAND ${NTOSRUN} ${ARG_LIST} RESULT_VARIABLE Result OUTPUT_VARIABLE Out ERROR_VARIABLE Err
                TIMEOUT 240)
set(Output "${Out}${Err}")
if(RC STREQUAL "abnormal")
  if("${Result}" MATCHES "^[0-9]+$")
    message(FATAL_ERROR "ntosrun ${ARGS}: exit code ${Result}, expected an abnormal end\n${Output}")
  endif()
elseif(NOT "${Result}" STREQUAL "${RC}")
  message(FATAL_ERROR "ntosrun ${ARGS}: exit code ${Result}, expected ${RC}\n${Output}")
endif()
string(REPLACE "|;|" ";" Patterns "${EXPECT}")
foreach(Pattern IN LISTS Patterns)
  if(NOT Output MATCHES "${Pattern}")
    message(FATAL_ERROR "ntosrun ${ARGS}: no match for '${Pattern}' in:\n${Output}")
  endif()
endforeach()
message(STATUS "ntosrun ${ARGS}: exit ${Result}, ${Patterns}")
