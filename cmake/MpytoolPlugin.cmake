# mpytool_add_plugin(NAME <name> SOURCES ... [LIBS ...] [HELPERS *.py])
# Builds MODULE target mpytool_plugin_<name> as lib/mpytool/plugins/mpytool-<name>.so, in the
# build tree and in the install tree alike, linked against the shared core.
function(mpytool_add_plugin)
  cmake_parse_arguments(ARG "" "NAME" "SOURCES;LIBS;HELPERS" ${ARGN})
  string(REPLACE "-" "_" id "${ARG_NAME}")
  set(tgt mpytool_plugin_${id})
  add_library(${tgt} MODULE ${ARG_SOURCES})
  # The tool's own build collects its plugins in one target (mpytool_tool, top CMakeLists.txt).
  set_property(GLOBAL APPEND PROPERTY MPYTOOL_PLUGIN_TARGETS ${tgt})
  get_filename_component(plugin_dir ${CMAKE_CURRENT_SOURCE_DIR} NAME)
  set_property(GLOBAL APPEND PROPERTY MPYTOOL_TARGET_KINDS "${tgt}=plugin:${plugin_dir}")
  target_link_libraries(${tgt} PRIVATE mpytool::core $<TARGET_NAME_IF_EXISTS:mpytool_warnings> ${ARG_LIBS})
  set_target_properties(${tgt} PROPERTIES
    PREFIX ""
    OUTPUT_NAME mpytool-${ARG_NAME}
    LIBRARY_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/${CMAKE_INSTALL_LIBDIR}/mpytool/plugins
    INSTALL_RPATH "$ORIGIN/../..")
  if(ARG_HELPERS)
    mpytool_embed_helpers(TARGET ${tgt} NAMESPACE mpytool::plugin_${id} FILES ${ARG_HELPERS})
  endif()
  install(TARGETS ${tgt} LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}/mpytool/plugins)
endfunction()
