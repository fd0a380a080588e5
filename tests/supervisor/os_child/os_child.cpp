// os_child: a tiny program the os_process tests launch. Its arguments are commands, run in order:
//   out:TEXT       TEXT and a newline on stdout        err:TEXT      the same on stderr
//   partial:TEXT   TEXT on stdout, no newline          lines:N       N lines "line <i>" on stdout
//   env:NAME       "NAME=<value>" or "NAME unset"      cwd           "cwd=<working directory>"
//   args           "argv[<i>]=<arg>" for every argument (including these commands)
//   sigstate       "blocked=<n> ignored=<n>": signals 1..31 blocked / ignored at start
//   fds            "fds=<n>,<n>...": the open file descriptors
//   ignore-term    ignore SIGTERM                      term-says:TEXT on SIGTERM print TEXT, exit 0
//   ready          "ready" on stdout                   wait          sleep until a signal ends it
//   exit:N         exit with code N                    signal:N      raise signal N
//   segv           dereference a null pointer          arg:ANYTHING  does nothing (data for args)
//   segv-once:FILE segv, unless FILE exists (it creates FILE first)
// With no exit command it exits 0 after the last one.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

namespace {

const char* term_text = nullptr;

extern "C" void on_term(int) {
  if (term_text != nullptr) {
    const std::size_t n = std::strlen(term_text);
    [[maybe_unused]] auto w1 = ::write(STDOUT_FILENO, term_text, n);
    [[maybe_unused]] auto w2 = ::write(STDOUT_FILENO, "\n", 1);
  }
  ::_exit(0);
}

void say(std::FILE* f, std::string_view text, bool newline = true) {
  std::fwrite(text.data(), 1, text.size(), f);
  if (newline) std::fputc('\n', f);
  std::fflush(f);
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view cmd(argv[i]);
    const std::size_t colon = cmd.find(':');
    const std::string_view name = cmd.substr(0, colon);
    const std::string value(colon == std::string_view::npos ? std::string_view() : cmd.substr(colon + 1));
    if (name == "out") {
      say(stdout, value);
    } else if (name == "err") {
      say(stderr, value);
    } else if (name == "partial") {
      say(stdout, value, false);
    } else if (name == "lines") {
      for (int n = 0; n < std::atoi(value.c_str()); ++n) say(stdout, "line " + std::to_string(n));
    } else if (name == "env") {
      const char* v = std::getenv(value.c_str());
      say(stdout, v != nullptr ? value + "=" + v : value + " unset");
    } else if (name == "cwd") {
      char buf[4096];
      say(stdout, std::string("cwd=") + (::getcwd(buf, sizeof buf) != nullptr ? buf : "?"));
    } else if (name == "args") {
      for (int a = 0; a < argc; ++a) say(stdout, "argv[" + std::to_string(a) + "]=" + argv[a]);
    } else if (name == "sigstate") {
      sigset_t mask;
      sigprocmask(SIG_SETMASK, nullptr, &mask);
      int blocked = 0;
      int ignored = 0;
      for (int s = 1; s < 32; ++s) {
        if (sigismember(&mask, s) == 1) ++blocked;
        struct sigaction sa {};
        if (sigaction(s, nullptr, &sa) == 0 && sa.sa_handler == SIG_IGN) ++ignored;
      }
      say(stdout, "blocked=" + std::to_string(blocked) + " ignored=" + std::to_string(ignored));
    } else if (name == "fds") {
      std::string list;
      for (int fd = 0; fd < 1024; ++fd)
        if (::fcntl(fd, F_GETFD) != -1) {
          if (!list.empty()) list.push_back(',');
          list.append(std::to_string(fd));
        }
      say(stdout, "fds=" + list);
    } else if (name == "ignore-term") {
      ::signal(SIGTERM, SIG_IGN);
    } else if (name == "term-says") {
      static std::string text;
      text = value;
      term_text = text.c_str();
      ::signal(SIGTERM, on_term);
    } else if (name == "ready") {
      say(stdout, "ready");
    } else if (name == "wait") {
      for (;;) ::pause();
    } else if (name == "exit") {
      std::exit(std::atoi(value.c_str()));
    } else if (name == "signal") {
      ::signal(std::atoi(value.c_str()), SIG_DFL);
      ::raise(std::atoi(value.c_str()));
    } else if (name == "segv") {
      ::signal(SIGSEGV, SIG_DFL);
      volatile int* volatile nowhere = nullptr;
      *nowhere = 1;
    } else if (name == "segv-once") {
      if (::access(value.c_str(), F_OK) != 0) {
        if (std::FILE* f = std::fopen(value.c_str(), "w")) std::fclose(f);
        ::signal(SIGSEGV, SIG_DFL);
        volatile int* volatile nowhere = nullptr;
        *nowhere = 1;
      }
    } else if (name == "arg") {
    } else {
      say(stderr, "os_child: unknown command " + std::string(cmd));
      return 100;
    }
  }
  return 0;
}
