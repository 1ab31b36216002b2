# CTest fixture for the lab: `lab_up` starts it once, `lab_down` stops it, and
# certwiz_lab_test() runs a command inside it (its namespaces and environment).
set(CERTWIZ_LAB ${CMAKE_CURRENT_LIST_DIR}/lab)
set(CERTWIZ_LAB_DIR ${CMAKE_BINARY_DIR}/lab)
set(CERTWIZ_LAB_ENV CERTWIZ_LAB_DIR=${CERTWIZ_LAB_DIR} CERTWIZ_BUILD_DIR=${CMAKE_BINARY_DIR})

add_test(NAME lab_up COMMAND ${CMAKE_COMMAND} -E env ${CERTWIZ_LAB_ENV} ${CERTWIZ_LAB} up)
set_tests_properties(lab_up PROPERTIES FIXTURES_SETUP lab TIMEOUT 180 RESOURCE_LOCK lab)
add_test(NAME lab_down COMMAND ${CMAKE_COMMAND} -E env ${CERTWIZ_LAB_ENV} ${CERTWIZ_LAB} down)
set_tests_properties(lab_down PROPERTIES FIXTURES_CLEANUP lab TIMEOUT 60)

# certwiz_lab_test(NAME n COMMAND cmd args... [TIMEOUT s] [SERIAL])
# SERIAL: the test changes shared lab state (cards, pcscd) and must run alone.
function(certwiz_lab_test)
  cmake_parse_arguments(T "SERIAL" "NAME;TIMEOUT" "COMMAND" ${ARGN})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 120)
  endif()
  add_test(NAME ${T_NAME}
           COMMAND ${CMAKE_COMMAND} -E env ${CERTWIZ_LAB_ENV} ${CERTWIZ_LAB} run -- ${T_COMMAND})
  set_tests_properties(${T_NAME} PROPERTIES FIXTURES_REQUIRED lab TIMEOUT ${T_TIMEOUT})
  if(T_SERIAL)
    set_tests_properties(${T_NAME} PROPERTIES RESOURCE_LOCK lab)
  endif()
endfunction()

# certwiz_lab_gtest(target): a GoogleTest binary run whole inside the lab.
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
