# fm_add_library(name SOURCES... [DEPENDS targets...] [LINK_LIBS libs...])
#
# A static library of the project, exported as FM::<name>. Public headers
# live in an include/ folder next to the sources and are installed from
# there, so in-tree and installed code include the same "fm/..." paths.
function(fm_add_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPENDS;LINK_LIBS;INCLUDE_DIRS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  foreach(dir ${ARG_INCLUDE_DIRS})
    target_include_directories(${name} PUBLIC $<BUILD_INTERFACE:${dir}>)
  endforeach()
  target_include_directories(${name} PUBLIC
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  if(ARG_DEPENDS)
    add_dependencies(${name} ${ARG_DEPENDS})
  endif()
  target_link_libraries(${name} PUBLIC ${ARG_LINK_LIBS})
  install(TARGETS ${name} EXPORT FMTargets
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
endfunction()
