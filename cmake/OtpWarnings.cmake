# otp_project_warnings(<target>): warnings are errors in project code (never in third-party headers,
# which CMake includes as SYSTEM through imported targets).
function(otp_project_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                                           -Wold-style-cast -Wcast-align -Woverloaded-virtual -Werror)
endfunction()
