// otpctl which: the node agent's which reply, as text or JSON.
#include "commands/which.hpp"

#include <boost/json.hpp>
#include <ostream>
#include <string>
#include <string_view>

#include "node_connection.hpp"
#include "otp/node_agent.hpp"
#include "term_json.hpp"

namespace otpctl::commands {

namespace po = boost::program_options;

namespace {

std::string text_of(const otp::term* t) {
  if (t == nullptr) return "";
  return t->is_binary() ? std::string(t->as_binary()) : t->to_string();
}

// "  current  vsn 2  /path/counter.so" (labels padded to one width) and the processes on it,
// indented under it.
void print_version(std::ostream& out, const char* label, const otp::term* version) {
  if (version == nullptr) return;
  const std::string padded = std::string(label) + std::string(7 - std::string_view(label).size(), ' ');
  out << "  " << padded << "  vsn " << text_of(version->find(otp::atom("vsn"))) << "  "
      << text_of(version->find(otp::atom("file"))) << "\n";
  const otp::term* processes = version->find(otp::atom("processes"));
  if (processes == nullptr || processes->size() == 0) {
    out << "    (no processes)\n";
    return;
  }
  for (const otp::term& p : processes->elements()) out << "    " << p.to_string() << "\n";
}

void declare(po::options_description& options, po::options_description& arguments,
             po::positional_options_description& positional) {
  declare_node_options(options);
  options.add_options()("json", "print {module, behaviour, current, [old]} as JSON");
  arguments.add_options()("module", po::value<std::string>());
  positional.add("module", 1);
}

exit_code run(const po::variables_map& args, std::ostream& out, std::ostream& err) {
  if (!args.count("module")) throw usage_error("no MODULE: give the module to look up");
  const otp::atom module(args["module"].as<std::string>());
  const bool as_json = args.count("json") > 0;
  return with_node("which", args, err, [&](const node_session& s) {
    const otp::term reply = otp::release::node_agent::which(module, s.node_agent());
    if (reply.is_atom(otp::atom("not_loaded")))
      return s.fail("module " + std::string(module.text()) + " is not loaded on node " + s.node_name());
    if (!reply.is_map()) return s.fail("unexpected reply: " + reply.to_string());
    if (as_json) {
      out << boost::json::serialize(to_json(reply)) << "\n";
      return exit_code::ok;
    }
    out << module.text();
    if (const std::string behaviour = text_of(reply.find(otp::atom("behaviour"))); !behaviour.empty())
      out << " (" << behaviour << ")";
    out << "\n";
    print_version(out, "current", reply.find(otp::atom("current")));
    print_version(out, "old", reply.find(otp::atom("old")));
    return exit_code::ok;
  });
}

}  // namespace

const command which{
    "which",
    "which --node NAME@HOST [--cookie C] [--json] MODULE",
    "Show the versions of a module loaded on a node and the processes on each.",
    "Prints the module (and its behaviour), then its current version and, when it has one, its old\n"
    "version, each with its vsn and file and the pids of the processes running it:\n"
    "  counter (gen_server)\n"
    "    current  vsn 2  /srv/counter/lib/counter-1.1.0/modules/counter.so\n"
    "      <9.81.0>\n"
    "With --json: {\"module\", \"behaviour\", \"current\": {vsn, file, processes}, [\"old\": {...}]}.\n"
    "Exit status: 0 loaded; 1 MODULE is not loaded on the node.",
    &declare,
    &run,
};

}  // namespace otpctl::commands
