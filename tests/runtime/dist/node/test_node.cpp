// otp_dist_test_node: an otp-cpp node for the multi-node tests and benchmarks.
//
//   otp_dist_test_node <name@host> <cookie> [hidden] [ticktime=<ms>] [codedir=<dir>] [nofile=<n>]
//                      [max_pending=<n>] [max_pending_per_address=<n>]
//                      [tls_cert=<file> tls_key=<file> tls_ca=<file>]
//
// nofile lowers its descriptor limit (RLIMIT_NOFILE) before anything opens; the max_pending ones
// set node::options' caps on pending handshakes; the tls ones make it a TLS node (node::tls_options,
// verify_peer on).
// Starts a runtime and the node, registers:
//   echo      a plain process: {From, Msg} -> From ! {echo, node(), Msg}
//   test_srv  a gen_server: ping -> pong; {echo, X} -> X; node -> node(); self; nodes -> nodes();
//             {which, M} -> {Vsn, File} of M's current version, or undefined;
//             {ping, Node} -> ping result; {call, Server, Req} -> gen_server:call result;
//             waiter -> the pid of a new process that exits with R on {exit, R};
//             {watch, Pid, ReportTo} -> monitors Pid from a new process and sends the 'DOWN' to
//             ReportTo as {watched, DOWN}; {link_to, Pid, ReportTo} -> a new trapping process
//             links to Pid and sends {linked_exit, EXIT} to ReportTo when the link breaks;
//             casts {tell, Pid, Msg} -> Pid ! Msg
// then prints "ready <node name>" on stdout and runs until its stdin closes (the test that
// started it went away) or it is killed. The stdin line "ping <node>" is answered "ping <result>". With codedir, that
// directory is the code path (nl).
#include <sys/resource.h>

#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include "otp/code.hpp"
#include "otp/gen_server.hpp"
#include "otp/node.hpp"
#include "otp/process.hpp"
#include "otp/runtime.hpp"

namespace {

using namespace otp;

class test_server final : public gen_server::behaviour {
 public:
  gen_server::init_result init(const term&) override { return gen_server::init_result::ok(term()); }

  gen_server::result handle_call(const term& request, const term&, const term& state) override {
    auto reply = [&](term r) { return gen_server::result::reply(std::move(r), state); };
    if (request.is_atom(atom("ping"))) return reply(atom("pong"));
    if (request.is_atom(atom("node"))) return reply(node::name());
    if (request.is_atom(atom("self"))) return reply(self());
    if (request.is_tuple(2) && request[0].is_atom(atom("which"))) {
      const auto info = code::which(request[1].as_atom());
      if (!info || !info->current) return reply(atoms::undefined);
      return reply(tuple(binary(info->current->vsn), binary(info->current->file.string())));
    }
    if (request.is_atom(atom("nodes"))) {
      std::vector<term> all;
      for (atom n : node::nodes()) all.emplace_back(n);
      return reply(term::make_list(std::move(all)));
    }
    if (request.is_tuple(2) && request[0].is_atom(atom("echo"))) return reply(request[1]);
    if (request.is_tuple(2) && request[0].is_atom(atom("ping"))) return reply(node::ping(request[1].as_atom()));
    if (request.is_tuple(3) && request[0].is_atom(atom("call"))) {
      try {
        return reply(tuple(atoms::ok, gen_server::call(request[1], request[2])));
      } catch (const exit_exception& e) {
        return reply(tuple(atom("exit"), e.reason()));
      }
    }
    if (request.is_atom(atom("waiter"))) {
      return reply(spawn([] {
        for (;;) {
          const term m = receive();
          if (m.is_tuple(2) && m[0].is_atom(atom("exit"))) otp::exit(m[1]);
        }
      }));
    }
    if (request.is_tuple(3) && request[0].is_atom(atom("watch"))) {
      const term target = request[1];
      const term report_to = request[2];
      return reply(spawn([target, report_to] {
        const term ref = monitor(target);
        send(report_to, tuple(atom("watching"), ref));
        const term down = *receive([&](const term& m) { return m.is_tuple(5) && m[1] == ref; }, infinity);
        send(report_to, tuple(atom("watched"), down));
      }));
    }
    if (request.is_tuple(3) && request[0].is_atom(atom("link_to"))) {
      const term target = request[1];
      const term report_to = request[2];
      return reply(spawn(
          [target, report_to] {
            link(target);
            send(report_to, tuple(atom("linked"), self()));
            for (;;) {
              const term m = receive();
              if (m.is_tuple(3) && m[0].is_atom(atoms::exit_)) {
                send(report_to, tuple(atom("linked_exit"), m));
                return;
              }
              if (m.is_tuple(2) && m[0].is_atom(atom("exit"))) otp::exit(m[1]);
            }
          },
          spawn_options{.trap_exit = true}));
    }
    return reply(tuple(atoms::error, atom("unknown_request"), request));
  }

  gen_server::result handle_cast(const term& request, const term& state) override {
    if (request.is_tuple(3) && request[0].is_atom(atom("tell"))) send(request[1], request[2]);
    return gen_server::result::noreply(state);
  }

  std::string module_name() const override { return "test_srv"; }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: otp_dist_test_node <name@host> <cookie> [hidden] [ticktime=<ms>] [codedir=<dir>] "
                 "[nofile=<n>] [max_pending=<n>] [max_pending_per_address=<n>] "
                 "[tls_cert=<file> tls_key=<file> tls_ca=<file>]\n";
    return 2;
  }
  node::options options;
  options.name = argv[1];
  options.cookie = argv[2];
  std::string code_dir;
  for (int i = 3; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "hidden") options.hidden = true;
    if (arg.starts_with("ticktime=")) options.net_ticktime = milliseconds(std::stol(arg.substr(9)));
    if (arg.starts_with("codedir=")) code_dir = arg.substr(8);
    if (arg.starts_with("max_pending=")) options.max_pending_handshakes = std::stoul(arg.substr(12));
    if (arg.starts_with("max_pending_per_address="))
      options.max_pending_handshakes_per_address = std::stoul(arg.substr(24));
    auto tls = [&]() -> node::tls_options& { return options.tls ? *options.tls : options.tls.emplace(); };
    if (arg.starts_with("tls_cert=")) tls().certificate_file = arg.substr(9);
    if (arg.starts_with("tls_key=")) tls().key_file = arg.substr(8);
    if (arg.starts_with("tls_ca=")) tls().ca_file = arg.substr(7);
    if (arg.starts_with("nofile=")) {
      const rlim_t n = std::stoul(arg.substr(7));
      const rlimit limit{n, n};
      if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) {
        std::cout << "failed setrlimit" << std::endl;
        return 1;
      }
    }
  }
  runtime rt;
  try {
    node::start(options);
  } catch (const std::exception& e) {
    std::cout << "failed " << e.what() << std::endl;
    return 1;
  }
  if (!code_dir.empty()) code::set_path({code_dir});
  rt.run([] {
    register_name(atom("echo"), spawn([] {
                    for (;;) {
                      const term m = receive();
                      if (m.is_tuple(2) && m[0].is_pid()) send(m[0], tuple(atom("echo"), node::name(), m[1]));
                    }
                  }));
  });
  gen_server::start(std::make_shared<test_server>(), term(), gen_server::start_options{.name = atom("test_srv")});
  std::cout << "ready " << node::name().text() << std::endl;
  // Commands on stdin, for tests that cannot reach this node over distribution (a wrong cookie):
  // "ping <node>" prints "ping <pong|pang>".
  std::string line;
  while (std::getline(std::cin, line)) {
    if (line.starts_with("ping ")) std::cout << "ping " << node::ping(atom(line.substr(5))).text() << std::endl;
  }
  node::stop();
  return 0;
}
