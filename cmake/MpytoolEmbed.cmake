# mpytool_embed_helpers(TARGET <tgt> NAMESPACE <ns> [REGISTER] FILES a.py b.py)
# Embeds MicroPython helper sources into a generated .cpp that defines
#   std::string_view <ns>::helper_source(std::string_view name)   (empty view if unknown)
# The helper name is the file's stem. Regenerated whenever a .py file changes. With REGISTER
# the helpers also enter the catalogue Mpy::load_helper() looks in (mpytool/board/helpers.hpp)
# when the library is loaded, each with the helpers its `# needs: a b` line names.
set(MPYTOOL_EMBED_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/embed_files.cmake)

function(mpytool_embed_helpers)
  cmake_parse_arguments(ARG "REGISTER" "TARGET;NAMESPACE" "FILES" ${ARGN})
  set(register 0)
  if(ARG_REGISTER)
    set(register 1)
  endif()
  set(out ${CMAKE_CURRENT_BINARY_DIR}/${ARG_TARGET}_helpers.cpp)
  set(abs_files)
  foreach(f ${ARG_FILES})
    get_filename_component(a ${f} ABSOLUTE)
    list(APPEND abs_files ${a})
  endforeach()
  string(REPLACE ";" "|" files_arg "${abs_files}")
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DOUT=${out} -DNS=${ARG_NAMESPACE} -DREGISTER=${register}
            "-DFILES=${files_arg}"
            -P ${MPYTOOL_EMBED_SCRIPT}
    DEPENDS ${abs_files} ${MPYTOOL_EMBED_SCRIPT}
    COMMENT "Embedding MicroPython helpers for ${ARG_TARGET}"
    VERBATIM)
  target_sources(${ARG_TARGET} PRIVATE ${out})
endfunction()
