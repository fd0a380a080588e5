# otp_project_warnings(<target>): warnings are errors in project code (never in third-party headers,
# which CMake includes as SYSTEM through imported targets).
function(otp_project_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                                           -Wold-style-cast -Wcast-align -Woverloaded-virtual -Werror)
endfunction()

# otp_asio_sources(<source>...): sources whose code runs Boost.Asio handlers. Asio's handlers use
# atomic_thread_fence, which GCC 12 reports under -fsanitize=thread (-Wtsan: TSan does not model
# fences). Asio is correct there, and each hand-off between an Asio thread and the rest (the
# distribution IO thread and the schedulers, the OS-process service and its proxies, the observer's
# connection threads) is also ordered by a mutex that TSan sees; so under TSan the warning is off
# for these files only.
function(otp_asio_sources)
  if("thread" IN_LIST OTP_SANITIZE)
    set_source_files_properties(${ARGN} PROPERTIES COMPILE_OPTIONS -Wno-tsan)
  endif()
endfunction()
