# INTERFACE target carrying the project's warning flags.
add_library(mpytool_warnings INTERFACE)
target_compile_options(mpytool_warnings INTERFACE -Wall -Wextra -Wno-unused-parameter
                       $<$<BOOL:${MPYTOOL_WERROR}>:-Werror>)
