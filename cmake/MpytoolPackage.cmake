# Debian packages (CPack DEB), `cpack -G DEB` in the build directory (or `cmake --build build --target package`):
#   mpytool      the tool, the core and plugin libraries, the plugins (lib/mpytool/plugins),
#                profiles (share/mpytool/profiles), the virtual board with its npm packages
#                (share/mpytool/vboard), bash/zsh completions, mpytool(1)
#   mpytool-dev  the SDK: public headers, the CMake package (find_package(mpytool),
#                mpytool_add_plugin()) and the libraries' link names
# Install rules without a COMPONENT belong to mpytool (CMAKE_INSTALL_DEFAULT_COMPONENT_NAME,
# set in the top CMakeLists.txt); the SDK's rules say COMPONENT dev.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME mpytool)
set(CPACK_PACKAGE_VENDOR "mpytool developers")
set(CPACK_PACKAGE_CONTACT "mpytool developers <mpytool@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "fast, scriptable tool for boards running MicroPython (serial and TCP)")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL runtime dev)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION electronics)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://github.com/mpytool/mpytool-cpp")

set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME mpytool)
set(CPACK_COMPONENT_RUNTIME_DESCRIPTION
    "fast, scriptable tool for boards running MicroPython
 mpytool manages MicroPython boards over a serial line or TCP (+TLS): files
 (ls, cp, sync, watch), code (exec, run, repl, expect), mount, ESP32 and RP2
 flash, OTA, fleets of boards in parallel. Plugins are loaded at run time.")
# The libraries' dependencies, found by dpkg-shlibdeps (dpkg-dev); Node.js runs the virtual
# board (--vboard), which a desk or CI without hardware wants, a production line does not.
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS
    ${PROJECT_BINARY_DIR}/${CMAKE_INSTALL_LIBDIR})
set(CPACK_DEBIAN_RUNTIME_PACKAGE_RECOMMENDS "nodejs (>= 18), bash-completion")

set(CPACK_DEBIAN_DEV_PACKAGE_NAME mpytool-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_COMPONENT_DEV_DESCRIPTION
    "SDK for mpytool plugins and programs
 Headers and the CMake package of libmpytool-core and the plugins' libraries:
 find_package(mpytool) for C++ programs, mpytool_add_plugin() for plugins.")
# What the headers and the CMake package pull in.
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS
    "mpytool (= ${PROJECT_VERSION}), cmake (>= 3.25), g++ (>= 4:12), libboost-dev (>= 1.74), libspdlog-dev, libfmt-dev")

include(CPack)
