# otp_add_module(<name> VSN <vsn> SOURCES <file>...
#                [OUTPUT_DIRECTORY <dir>] [TARGET <target>] [LINK_LIBRARIES <lib>...])
#
# Builds a hot-loadable otp-cpp module (otp/module.hpp) as <dir>/<name>-<vsn>.so: a MODULE library
# linked to the otp runtime shared library, with the flags that make unloading real
# (-fvisibility=hidden, inline visibility hidden, -fno-gnu-unique) and with
# OTP_MODULE_NAME / OTP_MODULE_VSN defined, so the OTP_*_MODULE macro is checked against them.
# The target is named <name>-<vsn> unless TARGET is given; <dir> defaults to the current binary dir.
# Its property OTP_MODULE is <name> (otp_add_application's MODULES read it).
# Works in the otp-cpp tree and, after `find_package(otp-cpp)`, in any other project.
function(otp_add_module name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "VSN;OUTPUT_DIRECTORY;TARGET" "SOURCES;LINK_LIBRARIES")
  if(NOT name MATCHES "^[a-z][a-zA-Z0-9_]*$")
    message(FATAL_ERROR "otp_add_module: '${name}' is not a module name (a lowercase Erlang atom: [a-z][a-zA-Z0-9_]*)")
  endif()
  if(NOT arg_VSN OR NOT arg_VSN MATCHES "^[A-Za-z0-9._+~]+$")
    message(FATAL_ERROR "otp_add_module(${name}): VSN is required and may hold only letters, digits and ._+~")
  endif()
  if(NOT arg_SOURCES)
    message(FATAL_ERROR "otp_add_module(${name}): SOURCES is required")
  endif()
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "otp_add_module(${name}): unknown arguments ${arg_UNPARSED_ARGUMENTS}")
  endif()
  set(target ${name}-${arg_VSN})
  if(arg_TARGET)
    set(target ${arg_TARGET})
  endif()
  set(dir ${CMAKE_CURRENT_BINARY_DIR})
  if(arg_OUTPUT_DIRECTORY)
    set(dir ${arg_OUTPUT_DIRECTORY})
  endif()

  add_library(${target} MODULE ${arg_SOURCES})
  target_link_libraries(${target} PRIVATE otp::runtime ${arg_LINK_LIBRARIES})
  target_compile_features(${target} PRIVATE cxx_std_20)
  target_compile_options(${target} PRIVATE -fno-gnu-unique)
  target_compile_definitions(${target} PRIVATE OTP_MODULE_NAME="${name}" OTP_MODULE_VSN="${arg_VSN}")
  target_link_options(${target} PRIVATE -Wl,--no-undefined)
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    OUTPUT_NAME ${name}-${arg_VSN}
    SUFFIX ".so"
    LIBRARY_OUTPUT_DIRECTORY ${dir}
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    OTP_MODULE ${name})
  if(COMMAND otp_project_warnings)
    otp_project_warnings(${target})
  endif()
endfunction()
