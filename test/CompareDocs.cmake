# cmake -DGENERATED="a|b" -DCOMMITTED="c|d" -P CompareDocs.cmake
# Fails when a committed doc differs from the one TableGen generates.
string(REPLACE "|" ";" generated "${GENERATED}")
string(REPLACE "|" ";" committed "${COMMITTED}")
foreach(gen com IN ZIP_LISTS generated committed)
  execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${gen} ${com}
                  RESULT_VARIABLE differ)
  if(differ)
    message(FATAL_ERROR "${com} is stale: run `ninja -C build fm-doc` "
                        "and commit the result.")
  endif()
endforeach()
