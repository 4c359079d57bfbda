# The libraries of this tree, one helper for each kind (the target graph check,
# tests/app/target_graph_test.py, reads the kind each records):
#   mpytool_add_sdk_library(NAME <name> [LINKS ...] [PRIVATE_LINKS ...] [HELPERS *.py])
#     sdk/<name>: SHARED mpytool_<name> (mpytool::<name>, libmpytool-<name>.so) from src/*.cpp,
#     public headers in include/mpytool/<name>/, board-side helpers in helpers/ (registered in the
#     helper catalogue when the library loads). Links core publicly, plus LINKS (other SDK
#     libraries, by name).
#   mpytool_add_plugin_library(NAME <name> [LINKS ...] [PRIVATE_LINKS ...] [HELPERS *.py])
#     plugins/<plugin>/lib: the library a plugin's commands are a thin layer over, which C++
#     programs link too (mpytool::<name>), from lib/*.cpp with headers in include/.
# Both define MPYTOOL_<NAME>_BUILDING while the library builds (its export.hpp).
function(_mpytool_add_library kind src_dir)
  cmake_parse_arguments(ARG "" "NAME" "LINKS;PRIVATE_LINKS;HELPERS" ${ARGN})
  set(tgt mpytool_${ARG_NAME})
  string(REPLACE "_" "-" file_name "${ARG_NAME}")
  string(TOUPPER "${ARG_NAME}" upper)
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/${src_dir}/*.cpp)
  add_library(${tgt} SHARED ${sources})
  add_library(mpytool::${ARG_NAME} ALIAS ${tgt})
  set_target_properties(${tgt} PROPERTIES
    OUTPUT_NAME mpytool-${file_name}
    EXPORT_NAME ${ARG_NAME}
    VERSION ${PROJECT_VERSION}
    SOVERSION 1)
  target_compile_definitions(${tgt} PRIVATE MPYTOOL_${upper}_BUILDING)
  target_include_directories(${tgt} PUBLIC
    $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  target_include_directories(${tgt} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/${src_dir})
  target_link_libraries(${tgt} PUBLIC mpytool::core ${ARG_LINKS}
                        PRIVATE mpytool_warnings ${ARG_PRIVATE_LINKS})
  if(ARG_HELPERS)
    mpytool_embed_helpers(TARGET ${tgt} NAMESPACE mpytool::${ARG_NAME}::detail REGISTER
                          FILES ${ARG_HELPERS})
  endif()
  install(TARGETS ${tgt} EXPORT mpytoolTargets LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
          NAMELINK_COMPONENT dev)
  install(DIRECTORY include/mpytool DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT dev)
  set_property(GLOBAL APPEND PROPERTY MPYTOOL_TARGET_KINDS "${tgt}=${kind}")
  set_property(GLOBAL APPEND PROPERTY MPYTOOL_LIBRARY_NAMES ${ARG_NAME})
endfunction()

function(mpytool_add_sdk_library)
  _mpytool_add_library(sdk src ${ARGN})
endfunction()

function(mpytool_add_plugin_library)
  get_filename_component(plugin ${CMAKE_CURRENT_SOURCE_DIR} NAME)
  _mpytool_add_library(plugin:${plugin} lib ${ARGN})
endfunction()
