// otpctl status: the node agent's status reply, drawn as indented trees.
#include "commands/status.hpp"

#include <boost/json.hpp>
#include <ostream>
#include <string>

#include "node_connection.hpp"
#include "otp/node_agent.hpp"
#include "otp/release_handler.hpp"
#include "otp/status_json.hpp"

namespace otpctl::commands {

namespace po = boost::program_options;

namespace {

using otp::observer::text_of;

// One process of a tree and, for a supervisor, its children one level deeper:
//   ID  PID  TYPE  module=M vsn=V  restarts=N  os_pid=P
void print_tree(std::ostream& out, const otp::term& node, int depth) {
  out << std::string(2 * static_cast<std::size_t>(depth), ' ') << text_of(node.find(otp::atom("id"))) << "  "
      << text_of(node.find(otp::atom("pid"))) << "  " << text_of(node.find(otp::atom("type")));
  if (const std::string module = text_of(node.find(otp::atom("module"))); !module.empty()) out << "  module=" << module;
  if (const std::string vsn = text_of(node.find(otp::atom("vsn"))); !vsn.empty()) out << " vsn=" << vsn;
  out << "  restarts=" << text_of(node.find(otp::atom("restarts")));
  if (const otp::term* os_pid = node.find(otp::atom("os_pid"))) out << "  os_pid=" << os_pid->to_string();
  out << "\n";
  if (const otp::term* children = node.find(otp::atom("children")))
    for (const otp::term& child : children->elements()) print_tree(out, child, depth + 1);
}

void declare(po::options_description& options, po::options_description&, po::positional_options_description&) {
  declare_node_options(options);
  options.add_options()("json", "print the applications and their trees as JSON");
}

// The applications of the release that are not running: "APP VSN stopped (TYPE): REASON" lines,
// and whether a permanent one is among them.
bool print_stopped(std::ostream& out, const otp::term& described) {
  bool permanent_down = false;
  for (const otp::term& app : described.elements()) {
    if (!app.is_map() || text_of(app.find(otp::atom("state"))) != "stopped") continue;
    const std::string type = text_of(app.find(otp::atom("type")));
    permanent_down = permanent_down || type == "permanent";
    out << text_of(app.find(otp::atom("name"))) << " " << text_of(app.find(otp::atom("vsn"))) << " stopped (" << type
        << "): " << text_of(app.find(otp::atom("reason"))) << "\n";
  }
  return permanent_down;
}

bool any_permanent_down(const otp::term& described) {
  for (const otp::term& app : described.elements())
    if (app.is_map() && text_of(app.find(otp::atom("state"))) == "stopped" &&
        text_of(app.find(otp::atom("type"))) == "permanent")
      return true;
  return false;
}

exit_code run(const po::variables_map& args, std::ostream& out, std::ostream& err) {
  const bool as_json = args.count("json") > 0;
  return with_node("status", args, err, [&](const node_session& s) {
    const otp::term apps = otp::release::node_agent::status(s.node_agent());
    if (!apps.is_proper_list()) return s.fail("unexpected reply: " + apps.to_string());
    const otp::term described = otp::release::release_handler::applications(s.release_handler());
    if (!described.is_proper_list()) return s.fail("unexpected reply: " + described.to_string());
    const exit_code verdict = any_permanent_down(described) ? exit_code::failed : exit_code::ok;
    if (as_json) {
      out << boost::json::serialize(otp::observer::status_json(apps, described)) << "\n";
      return verdict;
    }
    for (const otp::term& app : apps.elements()) {
      out << text_of(app.find(otp::atom("app"))) << " " << text_of(app.find(otp::atom("vsn"))) << "\n";
      const otp::term* tree = app.find(otp::atom("tree"));
      if (tree != nullptr && tree->is_map())
        print_tree(out, *tree, 1);
      else
        out << "  (no supervision tree)\n";
    }
    if (print_stopped(out, described))
      err << "otpctl status: a permanent application of node " << s.node_name() << " is not running\n";
    return verdict;
  });
}

}  // namespace

const command status{
    "status",
    "status --node NAME@HOST [--cookie C] [--json]",
    "Show the supervision trees of a node's running applications, and the stopped ones.",
    "For each running application, its name and version, then its supervision tree, one process a line,\n"
    "children indented under their supervisor:\n"
    "  ID  PID  TYPE  module=MODULE vsn=VSN  restarts=N  os_pid=P\n"
    "TYPE is supervisor or worker; PID may be 'restarting' or 'undefined'; module and vsn are what the\n"
    "process runs (left out for a plain function); restarts counts how often its supervisor restarted\n"
    "it; os_pid is shown for an OS-process child. Then each application of the release that is not\n"
    "running, 'APP VSN stopped (TYPE): REASON' (REASON: stopped when stopped on request, else its exit\n"
    "reason). With --json: an array of {app, vsn, tree} for the running applications, then {app, vsn,\n"
    "state: stopped, type, reason} for the stopped ones; tree = {id, pid, type, module, vsn, restarts,\n"
    "[os_pid,] [children]}.\n\n"
    "Exit status: 0 every permanent application runs; 1 a permanent application is stopped (or the node\n"
    "is unreachable or stopping); 2 usage.",
    &declare,
    &run,
};

}  // namespace otpctl::commands
