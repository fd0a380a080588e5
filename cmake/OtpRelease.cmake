# Releases of a project's own applications, built by CMake (docs/first-release.md): an application
# version is declared once with its files and module targets, and each release version is laid out
# as a release root in the build tree and written as one release archive. Works in the otp-cpp
# tree and, after `find_package(otp-cpp)`, in any other project.
#
# otp_add_application(<app> VSN <vsn> APP_FILE <yaml> [APPUP <yaml>] [MODULES <module target>...])
#
#   Declares version <vsn> of the application <app>: its application file (name: <app>,
#   vsn: "<vsn>"), its appup when <vsn> can be upgraded to, and the otp_add_module targets of its
#   modules (listed in the application file's `modules`). Relative paths are relative to the
#   calling directory. Nothing is built until a release uses it (otp_add_release APPLICATIONS
#   <app>-<vsn>).
#
# otp_add_release(<name> VSN <vsn> RELEASE_FILE <yaml> APPLICATIONS <app>-<vsn>...
#                 [ROOT <dir>] [ARCHIVE_DIRECTORY <dir>] [TARGET <target>])
#
#   Lays out release <vsn> in the release root <dir> (default: <current binary dir>/root; several
#   releases of one directory share it) and writes the release archive
#   <archive dir>/<name>-<vsn>.tar.gz (default: the current binary dir), as part of the default
#   build, with the target <target> (default: release-<name>-<vsn>):
#     RELEASE_FILE                -> <root>/releases/<vsn>/<name>.rel.yaml
#     each application's APP_FILE -> <root>/lib/<app>-<vsn>/<app>.app.yaml
#     its APPUP                   -> <root>/lib/<app>-<vsn>/<app>.appup.yaml
#     its module targets          -> <root>/lib/<app>-<vsn>/modules/<module>.so
#   APPLICATIONS are the application versions the release file lists. The archive is written by
#   `otpctl archive`, which first checks the release as a node unpacking it would: a release file
#   naming an application version that is not laid out, a module without its file, a name or
#   version that disagrees with its place, ... fail the build with every problem listed.
#   The target's properties OTP_RELEASE_ROOT and OTP_RELEASE_ARCHIVE give the two paths.

# The checks both functions make: a VSN of the allowed characters, no argument left unparsed.
function(_otp_release_check_arguments function what vsn unparsed)
  if(NOT vsn OR NOT vsn MATCHES "^[A-Za-z0-9._+~]+$")
    message(FATAL_ERROR "${function}(${what}): VSN is required and may hold only letters, digits and ._+~")
  endif()
  if(unparsed)
    message(FATAL_ERROR "${function}(${what}): unknown arguments ${unparsed}")
  endif()
endfunction()

function(otp_add_application app)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "VSN;APP_FILE;APPUP" "MODULES")
  if(NOT app MATCHES "^[a-z][a-zA-Z0-9_]*$")
    message(FATAL_ERROR "otp_add_application: '${app}' is not an application name (a lowercase Erlang atom: [a-z][a-zA-Z0-9_]*)")
  endif()
  _otp_release_check_arguments(otp_add_application ${app} "${arg_VSN}" "${arg_UNPARSED_ARGUMENTS}")
  set(key OTP_APPLICATION_${app}-${arg_VSN})
  get_property(declared GLOBAL PROPERTY ${key}_APP_FILE SET)
  if(declared)
    message(FATAL_ERROR "otp_add_application(${app}): version ${arg_VSN} is declared twice")
  endif()
  if(NOT arg_APP_FILE)
    message(FATAL_ERROR "otp_add_application(${app}): APP_FILE is required")
  endif()
  foreach(file_kind APP_FILE APPUP)
    if(arg_${file_kind})
      get_filename_component(path ${arg_${file_kind}} ABSOLUTE BASE_DIR ${CMAKE_CURRENT_SOURCE_DIR})
      if(NOT EXISTS ${path})
        message(FATAL_ERROR "otp_add_application(${app}): ${file_kind} ${path} does not exist")
      endif()
      set_property(GLOBAL PROPERTY ${key}_${file_kind} ${path})
    endif()
  endforeach()
  foreach(module_target ${arg_MODULES})
    if(NOT TARGET ${module_target})
      message(FATAL_ERROR "otp_add_application(${app}): MODULES '${module_target}' is not a target")
    endif()
    get_target_property(module ${module_target} OTP_MODULE)
    if(NOT module)
      message(FATAL_ERROR "otp_add_application(${app}): MODULES '${module_target}' is not built by otp_add_module")
    endif()
  endforeach()
  set_property(GLOBAL PROPERTY ${key}_MODULES ${arg_MODULES})
endfunction()

# Adds a rule copying `from` (a file, or a generator expression) to `to` in the calling directory,
# once per directory however many releases need it; appends `to` to the caller's list named
# `list_name`.
function(_otp_release_copy from to depends list_name)
  get_property(done DIRECTORY PROPERTY OTP_RELEASE_OUTPUTS)
  if(NOT to IN_LIST done)
    get_filename_component(to_dir ${to} DIRECTORY)
    add_custom_command(OUTPUT ${to}
                       COMMAND ${CMAKE_COMMAND} -E make_directory ${to_dir}
                       COMMAND ${CMAKE_COMMAND} -E copy ${from} ${to}
                       DEPENDS ${depends}
                       COMMENT "Release root: ${to}")
    set_property(DIRECTORY APPEND PROPERTY OTP_RELEASE_OUTPUTS ${to})
  endif()
  set(${list_name} ${${list_name}} ${to} PARENT_SCOPE)
endfunction()

function(otp_add_release name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "VSN;RELEASE_FILE;ROOT;ARCHIVE_DIRECTORY;TARGET" "APPLICATIONS")
  if(NOT name MATCHES "^[A-Za-z0-9_][A-Za-z0-9._+~-]*$")
    message(FATAL_ERROR "otp_add_release: '${name}' is not a release name (letters, digits and ._+~-)")
  endif()
  _otp_release_check_arguments(otp_add_release ${name} "${arg_VSN}" "${arg_UNPARSED_ARGUMENTS}")
  if(NOT arg_RELEASE_FILE)
    message(FATAL_ERROR "otp_add_release(${name}): RELEASE_FILE is required")
  endif()
  get_filename_component(release_file ${arg_RELEASE_FILE} ABSOLUTE BASE_DIR ${CMAKE_CURRENT_SOURCE_DIR})
  if(NOT EXISTS ${release_file})
    message(FATAL_ERROR "otp_add_release(${name}): RELEASE_FILE ${release_file} does not exist")
  endif()
  set(root ${CMAKE_CURRENT_BINARY_DIR}/root)
  if(arg_ROOT)
    get_filename_component(root ${arg_ROOT} ABSOLUTE BASE_DIR ${CMAKE_CURRENT_BINARY_DIR})
  endif()
  set(archive_dir ${CMAKE_CURRENT_BINARY_DIR})
  if(arg_ARCHIVE_DIRECTORY)
    get_filename_component(archive_dir ${arg_ARCHIVE_DIRECTORY} ABSOLUTE BASE_DIR ${CMAKE_CURRENT_BINARY_DIR})
  endif()
  set(target release-${name}-${arg_VSN})
  if(arg_TARGET)
    set(target ${arg_TARGET})
  endif()

  set(outputs)
  _otp_release_copy(${release_file} ${root}/releases/${arg_VSN}/${name}.rel.yaml ${release_file} outputs)
  foreach(app_vsn ${arg_APPLICATIONS})
    set(key OTP_APPLICATION_${app_vsn})
    get_property(app_file GLOBAL PROPERTY ${key}_APP_FILE)
    if(NOT app_file)
      message(FATAL_ERROR "otp_add_release(${name} ${arg_VSN}): no application ${app_vsn} (declare it with otp_add_application(<app> VSN <vsn> ...) first)")
    endif()
    string(REGEX REPLACE "-.*$" "" app ${app_vsn})
    set(lib ${root}/lib/${app_vsn})
    _otp_release_copy(${app_file} ${lib}/${app}.app.yaml ${app_file} outputs)
    get_property(appup GLOBAL PROPERTY ${key}_APPUP)
    if(appup)
      _otp_release_copy(${appup} ${lib}/${app}.appup.yaml ${appup} outputs)
    endif()
    get_property(module_targets GLOBAL PROPERTY ${key}_MODULES)
    foreach(module_target ${module_targets})
      get_target_property(module ${module_target} OTP_MODULE)
      _otp_release_copy($<TARGET_FILE:${module_target}> ${lib}/modules/${module}.so ${module_target} outputs)
    endforeach()
  endforeach()

  set(archive ${archive_dir}/${name}-${arg_VSN}.tar.gz)
  add_custom_command(OUTPUT ${archive}
                     COMMAND $<TARGET_FILE:otp::otpctl> archive --root ${root} --vsn ${arg_VSN} --output ${archive}
                     DEPENDS ${outputs} otp::otpctl
                     COMMENT "Release archive ${archive}")
  add_custom_target(${target} ALL DEPENDS ${archive})
  set_target_properties(${target} PROPERTIES OTP_RELEASE_ROOT ${root} OTP_RELEASE_ARCHIVE ${archive})
endfunction()
