// otpctl application: start and stop an application of a node's running release, or list the
// running ones.
#include "commands/application.hpp"

#include <boost/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "node_connection.hpp"
#include "otp/release_handler.hpp"
#include "text_table.hpp"

namespace otpctl::commands {

namespace po = boost::program_options;
namespace rh = otp::release::release_handler;

namespace {

std::string text_of(const otp::term* t) {
  if (t == nullptr) return "";
  return t->is_binary() ? std::string(t->as_binary()) : t->to_string();
}

void declare(po::options_description& options, po::options_description& arguments,
             po::positional_options_description& positional) {
  declare_node_options(options);
  options.add_options()("json", "with which: print [{name, description, vsn, type}]");
  arguments.add_options()("action", po::value<std::string>())("app", po::value<std::string>());
  positional.add("action", 1).add("app", 1);
}

exit_code which(const node_session& s, bool as_json, std::ostream& out) {
  const otp::term apps = rh::applications(s.release_handler());
  if (!apps.is_proper_list()) return s.fail("unexpected reply: " + apps.to_string());
  boost::json::array json;
  std::vector<table_row> rows;
  for (const otp::term& a : apps.elements()) {
    if (!a.is_map() || !a.find(otp::atom("state")) || !a.find(otp::atom("state"))->is_atom(otp::atom("running")))
      continue;
    const std::string name = text_of(a.find(otp::atom("name")));
    const std::string description = text_of(a.find(otp::atom("description")));
    const std::string vsn = text_of(a.find(otp::atom("vsn")));
    const std::string type = text_of(a.find(otp::atom("type")));
    json.push_back(boost::json::object{{"name", name}, {"description", description}, {"vsn", vsn}, {"type", type}});
    rows.push_back({name, vsn, type, description});
  }
  if (as_json)
    out << boost::json::serialize(json) << "\n";
  else
    print_table(out, {"APP", "VSN", "TYPE", "DESCRIPTION"}, rows);
  return exit_code::ok;
}

exit_code run(const po::variables_map& args, std::ostream& out, std::ostream& err) {
  if (!args.count("action")) throw usage_error("no action: give start APP, stop APP or which");
  const std::string action = args["action"].as<std::string>();
  if (action != "start" && action != "stop" && action != "which")
    throw usage_error("unknown action '" + action + "': give start APP, stop APP or which");
  if (action != "which" && !args.count("app")) throw usage_error("no APP: give the application to " + action);
  const bool as_json = args.count("json") > 0;
  return with_node("application", args, err, [&](const node_session& s) {
    if (action == "which") return which(s, as_json, out);
    const otp::atom app(args["app"].as<std::string>());
    const otp::term reply = action == "start" ? rh::start_application(app, s.release_handler())
                                              : rh::stop_application(app, s.release_handler());
    if (!reply.is_atom(otp::atoms::ok))
      return s.fail("cannot " + action + " application " + std::string(app.text()) + " on node " + s.node_name() +
                    ": " + (reply.is_tuple(2) ? reply[1].to_string() : reply.to_string()));
    out << "application " << app.text() << (action == "start" ? " started" : " stopped") << " on node " << s.node_name()
        << "\n";
    return exit_code::ok;
  });
}

}  // namespace

const command application{
    "application",
    "application --node NAME@HOST [--cookie C] [--json] (start APP | stop APP | which)",
    "Start or stop an application of a node's running release, or list the running ones.",
    "start APP starts an application of the node's running release with the start type its release\n"
    "file gives (application:start); stop APP stops it (application:stop). An application stopped\n"
    "this way never stops the node, whatever its start type; `otpctl status` then shows it stopped.\n"
    "which lists the running applications as a table APP VSN TYPE DESCRIPTION (with --json:\n"
    "[{\"name\", \"description\", \"vsn\", \"type\"}]).\n\n"
    "Exit status: 0 done; 1 refused (the reason, e.g. {already_started,kv}, {not_started,kv},\n"
    "{not_in_release,kv}) or the node is unreachable; 2 usage.",
    &declare,
    &run,
};

}  // namespace otpctl::commands
