// otpctl config: what the release handler answers to application_env, printed.
#include "commands/config.hpp"

#include <boost/json.hpp>
#include <ostream>
#include <string>

#include "node_connection.hpp"
#include "otp/release_handler.hpp"
#include "term_json.hpp"

namespace otpctl::commands {

namespace po = boost::program_options;
namespace rh = otp::release::release_handler;

namespace {

void declare(po::options_description& options, po::options_description& arguments,
             po::positional_options_description& positional) {
  declare_node_options(options);
  options.add_options()("json", "print JSON instead of Erlang terms");
  arguments.add_options()("app", po::value<std::string>())("key", po::value<std::string>());
  positional.add("app", 1).add("key", 1);
}

// One application's [{Key, Value}] as `{Key, Value}.` lines, or as a JSON object.
void print_env(std::ostream& out, const otp::term& env, const std::string& indent) {
  for (const otp::term& pair : env.elements()) out << indent << pair.to_string() << ".\n";
}

boost::json::object env_json(const otp::term& env) {
  boost::json::object o;
  for (const otp::term& pair : env.elements()) o[std::string(pair[0].as_atom().text())] = to_json(pair[1]);
  return o;
}

exit_code run(const po::variables_map& args, std::ostream& out, std::ostream& err) {
  const bool as_json = args.count("json") > 0;
  return with_node("config", args, err, [&](const node_session& s) {
    if (!args.count("app")) {
      const otp::term all = rh::application_env(otp::atoms::undefined, s.release_handler());
      if (!all.is_proper_list()) return s.fail("unexpected reply: " + all.to_string());
      boost::json::object json;
      for (const otp::term& app : all.elements()) {
        if (as_json) {
          json[std::string(app[0].as_atom().text())] = env_json(app[1]);
        } else {
          out << "%% " << app[0].to_string() << "\n";
          print_env(out, app[1], "");
        }
      }
      if (as_json) out << boost::json::serialize(json) << "\n";
      return exit_code::ok;
    }
    const otp::atom app(args["app"].as<std::string>());
    const otp::term env = rh::application_env(app, s.release_handler());
    if (!env.is_proper_list())
      return s.fail("no application " + std::string(app.text()) + " in the release node " + s.node_name() + " runs" +
                    (env.is_tuple(2) ? "" : ": " + env.to_string()));
    if (!args.count("key")) {
      if (as_json)
        out << boost::json::serialize(env_json(env)) << "\n";
      else
        print_env(out, env, "");
      return exit_code::ok;
    }
    const otp::atom key(args["key"].as<std::string>());
    for (const otp::term& pair : env.elements())
      if (pair[0] == key) {
        if (as_json)
          out << boost::json::serialize(to_json(pair[1])) << "\n";
        else
          out << pair[1].to_string() << "\n";
        return exit_code::ok;
      }
    return s.fail("application " + std::string(app.text()) + " has no key " + std::string(key.text()) + " on node " +
                  s.node_name());
  });
}

}  // namespace

const command config{
    "config",
    "config --node NAME@HOST [--cookie C] [--json] [APP [KEY]]",
    "Print the application environments of a node's running release.",
    "Without APP: every application of the running release, a line '%% App' then one '{Key, Value}.'\n"
    "line per key. With APP: that application's '{Key, Value}.' lines. With APP KEY: the value alone.\n"
    "Values are Erlang terms; they are what the node computed from the application file's env:, the\n"
    "release's config: and the node's --config file, plus any set_env since (docs/applications.md).\n"
    "With --json: {\"App\": {\"Key\": Value}}, {\"Key\": Value}, or the value.\n\n"
    "Exit status: 0 printed; 1 no such application or key, or the node is unreachable; 2 usage.",
    &declare,
    &run,
};

}  // namespace otpctl::commands
