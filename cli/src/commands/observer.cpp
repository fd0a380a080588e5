// otpctl observer: otp::observer::observer pointed at another node, over this hidden node's
// connection to it; SIGINT and SIGTERM (waited for by a thread of their own) and a nodedown end it.
#include "commands/observer.hpp"

#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <ostream>
#include <string>
#include <thread>

#include "node_connection.hpp"
#include "otp/node.hpp"
#include "otp/observer.hpp"
#include "otp/process.hpp"

namespace otpctl::commands {

namespace po = boost::program_options;

namespace {

const otp::atom signalled{"otpctl_observer_signal"};

void declare(po::options_description& options, po::options_description&, po::positional_options_description&) {
  declare_node_options(options);
  options.add_options()("port", po::value<int>()->default_value(0)->value_name("PORT"),
                        "the port to serve on (0: a free one, printed)");
  options.add_options()("bind", po::value<std::string>()->default_value("127.0.0.1")->value_name("ADDR"),
                        "the address to listen on");
  options.add_options()("actions", "let the observer install, roll back and restart children (behind a token)");
  options.add_options()("token", po::value<std::string>()->value_name("T"),
                        "the token the actions need (default: the cookie; hidden from ps)");
}

exit_code run(const po::variables_map& args, std::ostream& out, std::ostream& err) {
  const int port = args["port"].as<int>();
  if (port < 0 || port > 65535) throw usage_error("--port must be 0..65535 (0: a free port)");
  const bool actions = args.count("actions") > 0;
  const std::string token = args.count("token") ? args["token"].as<std::string>() : "";
  if (args.count("token") && !actions) throw usage_error("--token needs --actions");
  if (args.count("token") && token.empty()) throw usage_error("--token must not be empty");
  // Blocked before the runtime's threads exist, so that only the waiter below takes them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  return with_node(
      "observer", args, err,
      [&](const node_session& s) {
        otp::observer::observer_options options;
        options.bind = args["bind"].as<std::string>();
        options.port = static_cast<std::uint16_t>(port);
        options.node = s.node;
        options.actions = actions;
        options.token = token;
        otp::observer::observer serving(options);
        otp::node::monitor_node(s.node, true);
        out << "observer of node " << s.node_name() << " at " << serving.url() << " (Ctrl-C or SIGTERM stops it)"
            << std::endl;
        const otp::term me = otp::self();
        std::atomic<bool> finished{false};
        std::thread waiter([&] {
          int sig = 0;
          if (sigwait(&stop_signals, &sig) == 0 && !finished.load())
            otp::send(me, otp::tuple(signalled, std::int64_t{sig}));
        });
        const otp::term m = *otp::receive([&](const otp::term& t) {
          return (t.is_tuple(2) && t[0].is_atom(signalled)) || (t.is_tuple(2) && t[0].is_atom(otp::atoms::nodedown));
        });
        if (m[0].is_atom(signalled)) {
          waiter.join();
          return exit_code::ok;
        }
        finished.store(true);
        pthread_kill(waiter.native_handle(), SIGTERM);
        waiter.join();
        return s.fail("node " + s.node_name() + " went down");
      },
      {}, false);
}

}  // namespace

const command observer{
    "observer",
    "observer --node NAME@HOST [--cookie C] [--port PORT] [--bind ADDR] [--actions [--token T]]",
    "Serve the web observer and Prometheus metrics of a running node.",
    "Connects to the node as a hidden node and serves, at http://ADDR:PORT/ (127.0.0.1 and a free\n"
    "port by default, printed once listening), the page that shows its supervision trees, processes,\n"
    "applications, releases, history and installs, live; its JSON endpoints under /api/; and\n"
    "/metrics for Prometheus (docs/observer.md). Read-only unless --actions lets it install a\n"
    "release, roll back and restart a child of the node, each only for a request with\n"
    "'Authorization: Bearer TOKEN': the cookie, or --token T. It runs until Ctrl-C or SIGTERM (exit\n"
    "0) or until the node goes down (exit 1).\n\n"
    "Exit status: 0 stopped by a signal; 1 the node is unreachable or went down, or the port cannot\n"
    "be listened on; 2 usage.",
    &declare,
    &run,
};

}  // namespace otpctl::commands
