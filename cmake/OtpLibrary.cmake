# otp_add_library(<name> [PUBLIC <lib>...] [PRIVATE <lib>...])
#
# One of otp-cpp's shared libraries, from the calling directory: sources src/*.cpp, public headers
# include/ (private headers may sit in src/). Builds otp_<name> with the project's warnings, gives
# it the alias otp::<name>, and installs and exports it as otp::<name> for find_package(otp-cpp).
function(otp_add_library name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "PUBLIC;PRIVATE")
  set(target otp_${name})
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/src/*.cpp)
  add_library(${target} SHARED ${sources})
  add_library(otp::${name} ALIAS ${target})
  target_include_directories(${target}
    PUBLIC $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include> $<INSTALL_INTERFACE:include>
    PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_link_libraries(${target} PUBLIC ${arg_PUBLIC} PRIVATE ${arg_PRIVATE})
  set_target_properties(${target} PROPERTIES OUTPUT_NAME ${target} VERSION ${PROJECT_VERSION}
                                             SOVERSION ${PROJECT_VERSION_MAJOR} EXPORT_NAME ${name})
  otp_project_warnings(${target})
  install(TARGETS ${target} EXPORT otp-cpp-targets
          LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
          INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  # Not part of the public surface, so not installed: otp/detail/ (helpers otp-cpp's own libraries
  # share) and node_table.hpp (the runtime's node indices inside pids and references).
  install(DIRECTORY include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} PATTERN detail EXCLUDE
          PATTERN node_table.hpp EXCLUDE)
endfunction()
