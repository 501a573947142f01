# ctest driver: install the build tree into a scratch prefix, then build and run the consumer
# project against it, as a downstream user would.
file(REMOVE_RECURSE "${WORK_DIR}")
set(prefix "${WORK_DIR}/prefix")
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "command failed (${rc}): ${ARGN}")
  endif()
endfunction()
run(${CMAKE_COMMAND} --install "${ECGAD_BUILD_DIR}" --prefix "${prefix}")
run(${CMAKE_COMMAND} -S "${CONSUMER_SOURCE_DIR}" -B "${WORK_DIR}/build" -G "${GENERATOR}"
    "-DCMAKE_PREFIX_PATH=${prefix}" -DCMAKE_BUILD_TYPE=Release)
run(${CMAKE_COMMAND} --build "${WORK_DIR}/build")
run("${WORK_DIR}/build/consumer" "${WORK_DIR}")
run("${WORK_DIR}/build/consumer_core_only" "${WORK_DIR}")
run("${WORK_DIR}/build/consumer_io_only" "${WORK_DIR}")
run("${WORK_DIR}/build/consumer_serve_only" "${WORK_DIR}")
# ecgad::core, ecgad::io and ecgad::serve must not drag LibTorch in: none among the shared
# libraries.
foreach(exe consumer_core_only consumer_io_only consumer_serve_only)
  execute_process(COMMAND ldd "${WORK_DIR}/build/${exe}" OUTPUT_VARIABLE deps RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "ldd failed on ${exe}")
  endif()
  if(deps MATCHES "libtorch|libc10")
    message(FATAL_ERROR "${exe} depends on LibTorch:\n${deps}")
  endif()
endforeach()
