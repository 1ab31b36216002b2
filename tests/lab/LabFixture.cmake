# CTest fixture for the lab: `lab_up` starts it once, `lab_down` stops it, and
# certwiz_lab_test() runs a command inside it (its namespaces and environment).
# The lab's state dir is build/lab unless CERTWIZ_LAB_DIR is set (configure-time
# environment or cache), so people sharing a tree keep their labs apart.
set(CERTWIZ_LAB ${CMAKE_CURRENT_LIST_DIR}/lab)
if(DEFINED ENV{CERTWIZ_LAB_DIR} AND NOT "$ENV{CERTWIZ_LAB_DIR}" STREQUAL "")
  set(_certwiz_lab_dir_default $ENV{CERTWIZ_LAB_DIR})
else()
  set(_certwiz_lab_dir_default ${CMAKE_BINARY_DIR}/lab)
endif()
set(CERTWIZ_LAB_DIR ${_certwiz_lab_dir_default} CACHE PATH "State directory of this build's lab")
set(CERTWIZ_LAB_ENV CERTWIZ_LAB_DIR=${CERTWIZ_LAB_DIR} CERTWIZ_BUILD_DIR=${CMAKE_BINARY_DIR})

add_test(NAME lab_up COMMAND ${CMAKE_COMMAND} -E env ${CERTWIZ_LAB_ENV} ${CERTWIZ_LAB} up)
set_tests_properties(lab_up PROPERTIES FIXTURES_SETUP lab TIMEOUT 300 RESOURCE_LOCK lab LABELS lab)
add_test(NAME lab_down COMMAND ${CMAKE_COMMAND} -E env ${CERTWIZ_LAB_ENV} ${CERTWIZ_LAB} down)
set_tests_properties(lab_down PROPERTIES FIXTURES_CLEANUP lab TIMEOUT 60 RESOURCE_LOCK lab LABELS lab)

# `cmake --build <dir> --target lab-up` (lab-down, lab-status) for people.
foreach(_certwiz_lab_action up down status)
  add_custom_target(lab-${_certwiz_lab_action}
                    COMMAND ${CMAKE_COMMAND} -E env ${CERTWIZ_LAB_ENV} ${CERTWIZ_LAB} ${_certwiz_lab_action}
                    USES_TERMINAL VERBATIM)
endforeach()

# certwiz_lab_test(NAME n COMMAND cmd args... [TIMEOUT s] [SERIAL])
# SERIAL: the test changes shared lab state (cards, pcscd) and must run alone:
# RUN_SERIAL keeps every other test out while it runs (a RESOURCE_LOCK alone would
# only keep out the other SERIAL tests, not readers of the state it changes).
function(certwiz_lab_test)
  cmake_parse_arguments(T "SERIAL" "NAME;TIMEOUT" "COMMAND" ${ARGN})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 120)
  endif()
  add_test(NAME ${T_NAME}
           COMMAND ${CMAKE_COMMAND} -E env ${CERTWIZ_LAB_ENV} ${CERTWIZ_LAB} run -- ${T_COMMAND})
  set_tests_properties(${T_NAME} PROPERTIES FIXTURES_REQUIRED lab TIMEOUT ${T_TIMEOUT} LABELS lab)
  if(T_SERIAL)
    set_tests_properties(${T_NAME} PROPERTIES RESOURCE_LOCK lab RUN_SERIAL TRUE)
  endif()
endfunction()

# certwiz_lab_gtest(target [SERIAL] [TIMEOUT s]): a GoogleTest binary run whole inside the lab.
function(certwiz_lab_gtest target)
  cmake_parse_arguments(T "SERIAL" "TIMEOUT" "" ${ARGN})
  set(extra)
  if(T_SERIAL)
    set(extra SERIAL)
  endif()
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  certwiz_lab_test(NAME ${target} COMMAND $<TARGET_FILE:${target}> TIMEOUT ${T_TIMEOUT} ${extra})
endfunction()
