// otp::os_process — an OS process represented by an otp process, as an Erlang port.
//
// `start_link` spawns a *proxy*: an otp process linked to the caller that launches the executable
// and stands for it. A supervisor supervises the proxy like any other child: its exit reason says
// how the OS process ended, and the OTP shutdown protocol (exit(Pid, shutdown), then exit(Pid,
// kill) after the shutdown time) becomes SIGTERM, then SIGKILL.
//
// The proxy traps exits.
// - OS process ends by itself: the proxy exits with
//     normal                 exit code 0,
//     {exit_status, N}       exit code N (1..255),
//     {signal, Name}         killed by a signal: Name is the lowercase atom of the signal
//                            (sigsegv, sigkill, sigterm, sigabrt, ...), or its number when it has
//                            no name (real-time signals). So `exit 9` and SIGKILL differ.
// - The proxy gets {'EXIT', From, Reason} (an exit signal from its parent, i.e. the caller of
//   start_link, with any reason; from any other process with a reason other than normal; or
//   exit(Proxy, shutdown)): it sends SIGTERM to the OS process, waits for it to end (in receive:
//   no scheduler thread is blocked) and then exits with that same Reason. So a supervisor's
//   shutdown gives `shutdown` whatever the OS process's own exit status was. Further exit
//   signals while it waits change nothing; the wait has no time limit of its own.
// - exit(Proxy, kill) (untrappable), or the runtime going down: the proxy dies at once and the
//   object owning the OS process sends it SIGKILL from its destructor; the OS process is reaped
//   by the service thread moments later. Nothing is left running or as a zombie.
// - Other messages sent to the proxy are dropped.
// - SIGTERM and SIGKILL go to the OS process only, not to processes it started itself (it stays in
//   the runtime's process group); a wrapper script should `exec` its program or forward signals.
// - If waiting for the OS process fails (someone else reaped it), the reason is
//   {wait_failed, <<"cause">>}.
//
// Output: the child's stdin is /dev/null; its stdout and stderr are read line by line and each
// line goes to otp::log as "[Id] line" (Id is spec::id printed as a term, e.g. [worker1]):
// stdout at level info, stderr at level notice (many programs log everything to stderr, so it is
// not treated as a warning). A trailing '\r' is dropped; a line longer than 64 KiB is cut into
// 64 KiB records; a last line without a newline is written when the stream closes. The proxy exits
// only after both streams reached end of file (or, if something else — a grandchild — keeps them
// open, 1 s after the OS process ended), so every line the OS process wrote is logged before the
// supervisor sees the proxy's exit.
//
// How it works: the OS process is launched with Boost.Process v2 on one service thread (started
// at first use, one per OS process of the runtime, stopped and joined at exit) that runs an Asio
// io_context. The death of the OS process is learned from a pidfd (Process v2 async_wait: no
// SIGCHLD handler, no polling); the service thread then sends the proxy a message. Every signal
// sent to the OS process and its reaping happen on that thread, so a pid is never signalled
// after it was reaped (no pid-reuse race). Asio and Boost.Process stay inside os_process.cpp.
//
// The child starts with an empty signal mask, default signal dispositions and no file
// descriptors but 0, 1 and 2.
//
// Thread-safety: start_link must be called from inside an otp process (it links and waits);
// os_pid may be called from any thread.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "otp/term.hpp"

namespace otp::os_process {

struct spec {
  // A name without '/' is looked up in PATH (the PATH of `environment` when it sets one, else the
  // runtime's). A relative path with '/' is relative to the runtime's working directory, not to
  // `working_directory`.
  std::string executable;
  std::vector<std::string> arguments;              // argv[1..]; argv[0] is the executable
  std::map<std::string, std::string> environment;  // added to / overriding the inherited environment
  std::string working_directory;                   // empty: inherit the runtime's
  term id;                                         // the supervisor child id: prefixes every log line
};

// Spawns a proxy process linked to the caller which launches `s`. Returns {ok, Pid} once the OS
// process is running (exec succeeded), or {error, {spawn_failed, <<"what: cause">>}} with nothing
// left running (the proxy is gone and no 'EXIT' from it is left in the caller's mailbox), e.g.
//   <<"/opt/bin/worker: No such file or directory">>
//   <<"/opt/bin/config.txt: Permission denied">>
//   <<"working directory /nonexistent: No such file or directory">>
// If the proxy is killed while starting, returns {error, Reason} with its exit reason (and the
// caller, when it does not trap exits, dies with it as a linked process does).
// Must be called from inside an otp process; throws not_in_process otherwise.
term start_link(spec s);

// The OS pid behind a proxy, or nullopt when `proxy` is not an os_process proxy or its OS process
// has ended (been reaped).
std::optional<int> os_pid(const term& proxy);

// The exit reason a proxy gives for a raw wait status (waitpid's): normal, {exit_status, N} or
// {signal, Name}. Exposed for tests and for reports.
term exit_reason_of_wait_status(int status);

}  // namespace otp::os_process
