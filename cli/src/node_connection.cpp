// The hidden node otpctl makes of itself, the connection to the target, and the deadline.
#include "node_connection.hpp"

#include <unistd.h>

#include <boost/asio/ip/address.hpp>
#include <cstdlib>
#include <optional>
#include <ostream>

#include "cookie_option.hpp"
#include "otp/detail/release_errors.hpp"
#include "otp/epmd.hpp"
#include "otp/log.hpp"
#include "otp/node.hpp"
#include "otp/process.hpp"
#include "otp/runtime.hpp"
#include "tls_option.hpp"

namespace otpctl {

namespace po = boost::program_options;

namespace {

constexpr std::int64_t default_timeout_ms = 60000;
constexpr std::int64_t max_timeout_ms = 24 * 3600 * 1000;  // a day
constexpr std::chrono::milliseconds deadline_margin{1000};

struct target_name {
  std::string full;  // alive@host
  std::string alive;
  std::string host;
};

target_name parse_target(const std::string& name) {
  const auto at = name.find('@');
  if (at == std::string::npos || at == 0 || at + 1 == name.size() || name.find('@', at + 1) != std::string::npos)
    throw usage_error("--node '" + name + "' is not a node name of the form name@host");
  return {name, name.substr(0, at), name.substr(at + 1)};
}

// As erl: -name when the host is fully qualified or an IP address, else -sname.
otp::node::name_kind names_for(const std::string& host) {
  boost::system::error_code ec;
  boost::asio::ip::make_address(host, ec);
  return (!ec || host.find('.') != std::string::npos) ? otp::node::name_kind::longnames
                                                      : otp::node::name_kind::shortnames;
}

// Why the target answered pang: the one-line explanation.
// `cookie_source` is the option that gave the cookie ("--cookie", "--cookie-file PATH"), empty when
// none did; `tls`: whether otpctl connected over TLS; `failure`: why the connection attempt failed.
std::string why_unreachable(const target_name& target, const std::string& cookie_source, bool tls,
                            const std::string& failure) {
  switch (otp::epmd::lookup(target.host, target.alive, std::chrono::seconds(3)).status) {
    case otp::epmd::lookup_status::unresolvable: return "cannot resolve the host of node " + target.full;
    case otp::epmd::lookup_status::no_epmd:
      return "node " + target.full + " is not running: no EPMD answers on " + target.host + ":" +
             std::to_string(otp::epmd::port());
    case otp::epmd::lookup_status::not_registered:
      return "node " + target.full + " is not running: EPMD on " + target.host + " knows no node named '" +
             target.alive + "'";
    case otp::epmd::lookup_status::registered: break;
  }
  // A node that refuses the cookie hangs up at once; one that does not answer in time is busy.
  if (failure.find("timed out") != std::string::npos)
    return "node " + target.full + " is running but did not complete the connection in time (" + failure +
           "): it is busy or overloaded; try again, or give it a longer --timeout";
  return "node " + target.full + " refused the connection: most likely a wrong cookie (" +
         (!cookie_source.empty()
              ? cookie_source + " does not match the node's"
              : std::string("give the node's cookie with --cookie-file, or put it in ~/.erlang.cookie")) +
         ")" +
         (tls ? ", or the node does not use distribution over TLS, or one side does not trust the other's "
                "certificate"
              : ", or the node uses distribution over TLS (give --tls-cert, --tls-key and --tls-ca)");
}

}  // namespace

exit_code node_session::fail(const std::string& message) const {
  err << "otpctl " << command << ": " << message << "\n";
  return exit_code::failed;
}

void declare_node_options(po::options_description& options) {
  options.add_options()("node", po::value<std::string>()->required()->value_name("NAME@HOST"), "the node to talk to");
  declare_cookie_options(options);
  declare_tls_options(options);
  options.add_options()("timeout", po::value<std::int64_t>()->default_value(default_timeout_ms)->value_name("MS"),
                        "how long the node may take to answer, in milliseconds");
}

exit_code with_node(std::string_view command, const po::variables_map& args, std::ostream& err,
                    const std::function<exit_code(const node_session&)>& body,
                    const std::function<void()>& on_unreachable, bool bounded) {
  const target_name target = parse_target(args["node"].as<std::string>());
  const std::int64_t timeout_ms = args["timeout"].as<std::int64_t>();
  if (timeout_ms <= 0 || timeout_ms > max_timeout_ms)
    throw usage_error("--timeout must be a positive number of milliseconds, at most " + std::to_string(max_timeout_ms));
  const std::string prefix = "otpctl " + std::string(command) + ": ";
  const std::optional<otp::node::tls_options> tls = tls_from(args);
  std::optional<std::string> cookie;
  try {
    cookie = cookie_from(args);
  } catch (const cookie_file_error& e) {
    err << prefix << e.what() << "\n";
    return exit_code::failed;
  }
  if (std::getenv("OTP_LOG_LEVEL") == nullptr) otp::log::set_level(otp::log::level::error);

  otp::runtime rt(otp::runtime_options{.schedulers = 2});
  return rt.run([&] {
    otp::node::options options;
    options.name = "otpctl_" + std::to_string(::getpid()) + "@" + target.host;
    options.names = names_for(target.host);
    options.cookie = cookie;
    options.hidden = true;
    options.tls = tls;
    // A handshake takes Erlang's net_setuptime at most, and never longer than the command may.
    options.setup_time = std::min(options.setup_time, std::chrono::milliseconds(timeout_ms));
    try {
      otp::node::start(options);
    } catch (const otp::node::start_error& e) {
      err << prefix << "cannot make otpctl a node: " << e.what() << "\n";
      return exit_code::failed;
    }
    const otp::atom node(target.full);
    if (!(otp::node::ping(node) == otp::atom("pong"))) {
      if (on_unreachable) on_unreachable();
      const std::string cookie_source = args.count("cookie") ? std::string("--cookie")
                                        : args.count("cookie-file")
                                            ? "--cookie-file " + args["cookie-file"].as<std::string>()
                                            : std::string();
      err << prefix << why_unreachable(target, cookie_source, tls.has_value(), otp::node::last_connect_failure(node))
          << "\n";
      otp::node::stop();
      return exit_code::failed;
    }

    const node_session session{node, std::chrono::milliseconds(timeout_ms), command, err};
    const otp::term me = otp::self();
    const otp::term done = otp::make_ref();
    const otp::term worker = otp::spawn_monitor([&, me, done] {
      exit_code code = exit_code::failed;
      try {
        code = body(session);
      } catch (const otp::exit_exception& e) {
        code = session.fail(otp::release::explain_call_failure(e.reason(), node));
      } catch (const std::exception& e) {
        code = session.fail(e.what());
      }
      otp::send(me, otp::tuple(done, static_cast<int>(code)));
    });
    const otp::term& pid = worker[0];
    const otp::term& monitor = worker[1];
    auto ours = [&](const otp::term& m) {
      return (m.is_tuple(2) && m[0] == done) || (m.is_tuple(5) && m[1] == monitor);
    };
    // A call made with session.timeout reports its own timeout: the deadline leaves it a margin.
    std::optional<otp::term> outcome = otp::receive(ours, bounded ? session.timeout + deadline_margin : otp::infinity);
    exit_code code = exit_code::failed;
    if (!outcome) {
      otp::exit(pid, otp::atom("kill"));
      otp::receive([&](const otp::term& m) { return m.is_tuple(5) && m[1] == monitor; });
      err << prefix << "node " << target.full << " did not finish within " << timeout_ms << " ms (--timeout)\n";
    } else if (outcome->is_tuple(2)) {
      otp::demonitor(monitor, true);
      code = static_cast<exit_code>((*outcome)[1].as_int());
    } else {
      err << prefix << "otpctl failed: " << (*outcome)[4].to_string() << "\n";
    }
    otp::node::stop();
    return code;
  });
}

}  // namespace otpctl
