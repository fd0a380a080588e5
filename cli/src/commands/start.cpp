// otpctl start: the command line turned into a node_config, then run_node here (foreground) or
// under a watchdog (--daemon, otp/heart.hpp).
#include "commands/start.hpp"

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>

#include "cookie_option.hpp"
#include "otp/heart.hpp"
#include "otp/log.hpp"
#include "otp/node.hpp"
#include "otp/node_runner.hpp"
#include "otp/observer.hpp"
#include "otp/release_archive.hpp"
#include "otp/release_file.hpp"
#include "tls_option.hpp"

namespace otpctl::commands {

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace {

constexpr long default_timeout_ms = 30000;

otp::release::node_config config_from(const po::variables_map& args) {
  const bool long_name = args.count("name") > 0;
  const bool short_name = args.count("sname") > 0;
  if (long_name == short_name) throw usage_error("give the node's name with either --name or --sname");
  if (!args.count("root")) throw usage_error("the option '--root' is required but missing");
  otp::release::node_config config;
  config.node.name = args[long_name ? "name" : "sname"].as<std::string>();
  config.node.names = long_name ? otp::node::name_kind::longnames : otp::node::name_kind::shortnames;
  config.root = fs::absolute(args["root"].as<std::string>()).lexically_normal();
  if (args.count("first-boot")) config.first_boot_vsn = args["first-boot"].as<std::string>();
  if (args.count("config")) config.config_file = fs::absolute(args["config"].as<std::string>()).lexically_normal();
  config.node.tls = tls_from(args);
  return config;
}

// The web observer's settings: --observer-port, --observer-bind, --observer-actions and
// --observer-token over the config file's `observer` entry; nullopt when neither asks for one (it
// is off by default).
std::optional<otp::observer::observer_options> observer_from(const po::variables_map& args,
                                                             const otp::release::node_config& config) {
  std::optional<otp::observer::observer_options> options;
  if (config.config_file) {
    otp::release::configuration file;
    try {
      file = otp::release::load_config_file(*config.config_file);
    } catch (const std::exception&) {
      return std::nullopt;  // the node refuses the file itself, saying why
    }
    try {
      options = otp::observer::options_from_config(file);
    } catch (const std::invalid_argument& e) {
      throw usage_error(std::string("--config ") + config.config_file->string() + ": " + e.what());
    }
  }
  if (args.count("observer-port")) {
    const int port = args["observer-port"].as<int>();
    if (port < 0 || port > 65535) throw usage_error("--observer-port must be 0..65535 (0: a free port)");
    if (!options) options.emplace();
    options->port = static_cast<std::uint16_t>(port);
  }
  if (args.count("observer-bind")) {
    if (!options) throw usage_error("--observer-bind needs --observer-port (or an observer entry in --config)");
    options->bind = args["observer-bind"].as<std::string>();
  }
  if (args.count("observer-actions")) {
    if (!options) throw usage_error("--observer-actions needs --observer-port (or an observer entry in --config)");
    options->actions = true;
  }
  if (args.count("observer-token")) {
    if (!options || !options->actions)
      throw usage_error("--observer-token needs --observer-actions (or actions: true in --config's observer entry)");
    options->token = args["observer-token"].as<std::string>();
    if (options->token.empty()) throw usage_error("--observer-token must not be empty");
  }
  return options;
}

// Starts the observer with the node (node_config::start_services): "observer at URL" goes to the
// log and, when `out` is given (a foreground node), to stdout.
std::function<std::function<void()>()> observer_service(otp::observer::observer_options options, std::ostream* out) {
  return [options, out]() -> std::function<void()> {
    auto running = std::make_shared<otp::observer::observer>(options);
    const std::string line = "observer at " + running->url();
    otp::log::write(otp::log::level::notice, line);
    if (out != nullptr) *out << line << std::endl;
    return [running]() mutable { running.reset(); };
  };
}

otp::release::log_rotation rotation_from(const po::variables_map& args) {
  otp::release::log_rotation rotation;
  const long long max_bytes = args["log-max-size"].as<long long>();
  const int keep = args["log-keep"].as<int>();
  if (max_bytes <= 0) throw usage_error("--log-max-size must be a positive number of bytes");
  if (keep < 1 || keep > 1000) throw usage_error("--log-keep must be between 1 and 1000");
  rotation.max_bytes = static_cast<std::uint64_t>(max_bytes);
  rotation.keep = keep;
  return rotation;
}

otp::release::heart::restart_limit restart_limit_from(const po::variables_map& args) {
  otp::release::heart::restart_limit limit;
  limit.max_restarts = args["max-restarts"].as<int>();
  if (limit.max_restarts < 0) throw usage_error("--max-restarts must be 0 or more");
  std::string period = args["restart-period"].as<std::string>();
  if (period.ends_with('s')) period.pop_back();
  try {
    std::size_t used = 0;
    const long seconds = std::stol(period, &used);
    if (used != period.size() || seconds <= 0) throw std::invalid_argument("not positive");
    limit.period = std::chrono::seconds(seconds);
  } catch (const std::exception&) {
    throw usage_error("--restart-period must be a positive number of seconds (e.g. 60 or 60s)");
  }
  return limit;
}

exit_code run_daemon(const otp::release::node_config& config, std::chrono::milliseconds timeout,
                     otp::release::log_rotation rotation, otp::release::heart::restart_limit limit, std::ostream& out,
                     std::ostream& err) {
  try {
    const otp::release::heart::started_node node = otp::release::heart::launch(config, timeout, rotation, limit);
    const otp::release::heart::daemon_files files(config.root);
    out << "node " << node.node << " is running release " << node.release << " " << node.vsn << "\n"
        << "  os pid " << node.node_pid << " (" << files.node_pid.string() << "), watchdog os pid " << node.watchdog_pid
        << " (" << files.watchdog_pid.string() << ")\n"
        << "  log " << files.log.string() << "\n";
    return exit_code::ok;
  } catch (const otp::release::heart::launch_error& e) {
    err << "otpctl start: " << e.what() << "\n";
    return exit_code::failed;
  }
}

void declare(po::options_description& options, po::options_description&, po::positional_options_description&) {
  auto add = options.add_options();
  add("name", po::value<std::string>()->value_name("NAME@HOST"), "the node's long name (erl -name)");
  add("sname", po::value<std::string>()->value_name("NAME"), "the node's short name (erl -sname)");
  add("root", po::value<std::string>()->value_name("DIR"), "the release root to boot (required)");
  add("release", po::value<std::string>()->value_name("ARCHIVE"),
      "first set up DIR from this release archive (its release is the first boot's)");
  declare_cookie_options(options);
  declare_tls_options(options);
  add("first-boot", po::value<std::string>()->value_name("VSN"),
      "the release a root that never booted boots (default: its newest)");
  add("config", po::value<std::string>()->value_name("FILE"),
      "the node's config file: application environments over the release's (docs/applications.md)");
  add("observer-port", po::value<int>()->value_name("PORT"),
      "serve the web observer and /metrics on PORT (0: a free one; docs/observer.md)");
  add("observer-bind", po::value<std::string>()->value_name("ADDR"),
      "the address the observer listens on (default 127.0.0.1)");
  add("observer-actions", "let the observer install, roll back and restart children (behind a token)");
  add("observer-token", po::value<std::string>()->value_name("T"),
      "the token the observer's actions need (default: the node's cookie; hidden from ps)");
  add("daemon", "detach under a watchdog; return once the node is up");
  add("max-restarts", po::value<int>()->value_name("N")->default_value(5),
      "with --daemon: boots of a node that died allowed within the restart period");
  add("restart-period", po::value<std::string>()->value_name("S")->default_value("60s"),
      "with --daemon: the restart period, in seconds");
  add("timeout", po::value<long>()->value_name("MS")->default_value(default_timeout_ms),
      "with --daemon: how long to wait for the node to be up");
  add("log-max-size",
      po::value<long long>()->value_name("BYTES")->default_value(otp::release::log_rotation{}.max_bytes),
      "with --daemon: node.log is rotated once larger than this");
  add("log-keep", po::value<int>()->value_name("N")->default_value(otp::release::log_rotation{}.keep),
      "with --daemon: how many rotated logs to keep (node.log.1 ... node.log.N)");
}

exit_code run(const po::variables_map& args, std::ostream& out, std::ostream& err) {
  otp::release::node_config config = config_from(args);
  const long timeout_ms = args["timeout"].as<long>();
  if (timeout_ms <= 0) throw usage_error("--timeout must be a positive number of milliseconds");
  const otp::release::log_rotation rotation = rotation_from(args);
  if (args.count("release")) {
    try {
      const auto set_up = otp::release::extract_release_archive(args["release"].as<std::string>(), config.root);
      if (!config.first_boot_vsn) config.first_boot_vsn = set_up.vsn;
    } catch (const otp::release::archive_error& e) {
      err << "otpctl start: " << e.what() << "\n";
      return exit_code::failed;
    }
  }
  if (!fs::is_directory(config.root)) {
    err << "otpctl start: no release root at " << config.root.string() << ": not a directory\n";
    return exit_code::failed;
  }
  try {
    config.node.cookie = cookie_from(args);
  } catch (const cookie_file_error& e) {
    err << "otpctl start: " << e.what() << "\n";
    return exit_code::failed;
  }
  const auto observer = observer_from(args, config);
  if (args.count("daemon")) {
    if (observer) config.start_services = observer_service(*observer, nullptr);
    return run_daemon(config, std::chrono::milliseconds(timeout_ms), rotation, restart_limit_from(args), out, err);
  }
  if (observer) config.start_services = observer_service(*observer, &out);
  config.on_ready = [&out](const std::string& release, const std::string& vsn) {
    out << "node " << otp::node::name().text() << " is running release " << release << " " << vsn
        << " (Ctrl-C or SIGTERM stops it)" << std::endl;
  };
  return otp::release::run_node(config) == 0 ? exit_code::ok : exit_code::failed;
}

}  // namespace

const command start{
    "start",
    "start (--name NAME@HOST | --sname NAME) --root DIR [--release ARCHIVE] [--cookie C | --cookie-file PATH] "
    "[--tls-cert FILE --tls-key FILE (--tls-ca FILE | --tls-no-verify)] [--first-boot VSN] [--config FILE] "
    "[--observer-port PORT [--observer-bind ADDR] [--observer-actions [--observer-token T]]] [--daemon "
    "[--timeout MS] [--log-max-size BYTES] [--log-keep N] "
    "[--max-restarts N] [--restart-period S]]",
    "Boot a release root's permanent release as a node, here or as a daemon.",
    "Boots the permanent release of the release root DIR (docs/release-handler.md) as the distributed\n"
    "node NAME: on the root's first boot, the release --first-boot names or else its newest.\n\n"
    "With --release ARCHIVE (a release archive, <name>-<vsn>.tar.gz), DIR is first set up from it: its\n"
    "checksums are verified and its files written into DIR (created if missing; files DIR has already\n"
    "with the same bytes are kept, a differing one is refused and nothing is written), and its release\n"
    "is the one a first boot boots.\n\n"
    "Without --daemon the node runs in this process: it logs to stderr, prints 'node NODE is running\n"
    "release REL VSN' once up, and stops cleanly (applications stopped in reverse order) on Ctrl-C,\n"
    "SIGTERM or 'otpctl stop'.\n\n"
    "With --daemon the node detaches under a watchdog (Erlang's heart) and otpctl returns once it is\n"
    "up. DIR/otpctl/ holds node.pid (the node's OS pid), watchdog.pid and node.log (all output), each\n"
    "readable by its owner only; node.log is rotated by size (--log-max-size, --log-keep). A node\n"
    "that dies other than by a clean stop is booted again into the permanent release (at most N times\n"
    "within S seconds, --max-restarts 5 --restart-period 60s by default; then the watchdog gives up,\n"
    "logs why and records it in the release history); SIGTERM to the watchdog stops the node and the\n"
    "watchdog.\n\n"
    "With --config FILE the node's applications get the environment FILE sets (App: {Key: Term}),\n"
    "over their own and the release's (docs/applications.md).\n\n"
    "With --observer-port PORT (or an `observer: {port: PORT}` entry in the config file) the\n"
    "node serves the web observer and Prometheus metrics at http://127.0.0.1:PORT/ (--observer-bind\n"
    "ADDR to listen elsewhere; PORT 0 takes a free port) and prints 'observer at URL' before it is\n"
    "ready. It is off by default (docs/observer.md) and read-only unless --observer-actions (or\n"
    "`actions: true`) lets it install a release, roll back and restart a child, each only for a\n"
    "request with 'Authorization: Bearer TOKEN': the node's cookie, or --observer-token T.\n\n"
    "The cookie: --cookie-file PATH (a file readable by its owner only) or ~/.erlang.cookie keep it\n"
    "from other users; a --cookie value is visible in the process list until otpctl hides it.\n\n"
    "With --tls-cert, --tls-key and --tls-ca the node's distribution runs over TLS (Erlang's\n"
    "-proto_dist inet_tls): peers must present a certificate signed by the CA, plain TCP peers are\n"
    "refused, and otpctl's node commands need the same flags to reach it (docs/distribution.md).\n\n"
    "Exit status: 0 the node stopped cleanly (foreground) or is up (--daemon); 1 it could not start\n"
    "(the node's error on stderr) or ARCHIVE is not a valid release archive; 2 usage.",
    &declare,
    &run,
};

}  // namespace otpctl::commands
