// otpctl load: the node agent's load and load-everywhere replies, one line per node.
#include "commands/load.hpp"

#include <boost/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "node_connection.hpp"
#include "otp/node_agent.hpp"

namespace otpctl::commands {

namespace po = boost::program_options;

namespace {

void declare(po::options_description& options, po::options_description& arguments,
             po::positional_options_description& positional) {
  declare_node_options(options);
  options.add_options()("all-nodes", "also load it on every node the target is connected to (nl)")(
      "json", "print [{node, ok, result}]");
  arguments.add_options()("module", po::value<std::string>());
  positional.add("module", 1);
}

// One node's outcome: {module, M} is success; {error, Reason[, Text]} and {badrpc, Reason} are not.
struct outcome {
  std::string node;
  bool ok = false;
  std::string text;  // what the line says after the node's name
  otp::term result;
};

outcome outcome_of(const std::string& node, const otp::term& result, const std::string& module) {
  if (result.is_tuple(2) && result[0].is_atom(otp::atoms::module)) return {node, true, "loaded " + module, result};
  std::string text = "cannot load " + module + ": ";
  if (result.is_tuple(3) && result[2].is_binary())
    text += result[1].to_string() + " (" + std::string(result[2].as_binary()) + ")";
  else
    text += result.to_string();
  return {node, false, text, result};
}

exit_code run(const po::variables_map& args, std::ostream& out, std::ostream& err) {
  if (!args.count("module")) throw usage_error("no MODULE: give the module to load");
  const std::string module = args["module"].as<std::string>();
  const bool everywhere = args.count("all-nodes") > 0;
  const bool as_json = args.count("json") > 0;
  return with_node("load", args, err, [&](const node_session& s) {
    std::vector<outcome> outcomes;
    if (everywhere) {
      const otp::term reply = otp::release::node_agent::load_everywhere(otp::atom(module), s.node_agent());
      if (!reply.is_proper_list()) return s.fail("unexpected reply: " + reply.to_string());
      for (const otp::term& r : reply.elements())
        outcomes.push_back(outcome_of(std::string(r[0].as_atom().text()), r[1], module));
    } else {
      outcomes.push_back(
          outcome_of(s.node_name(), otp::release::node_agent::load(otp::atom(module), s.node_agent()), module));
    }
    bool all_ok = true;
    boost::json::array json;
    for (const outcome& o : outcomes) {
      all_ok = all_ok && o.ok;
      if (as_json)
        json.push_back(boost::json::object{{"node", o.node}, {"ok", o.ok}, {"result", o.result.to_string()}});
      else
        (o.ok ? out : err) << (o.ok ? "" : "otpctl load: ") << o.node << ": " << o.text << "\n";
    }
    if (as_json) out << boost::json::serialize(json) << "\n";
    return all_ok ? exit_code::ok : exit_code::failed;
  });
}

}  // namespace

const command load{
    "load",
    "load --node NAME@HOST [--cookie C] [--all-nodes] [--json] MODULE",
    "Load a module's newest code on a node (l/1), or on every node (nl/1).",
    "Purges MODULE's old code on the node, then loads its file from the node's code path: the version\n"
    "loaded so far becomes old code, which the processes running it keep until they move on. With\n"
    "--all-nodes the module's file then goes to every node the target is connected to, which load it\n"
    "the same way (Erlang's nl/1, but with every node's answer). One line per node:\n"
    "  a@h: loaded adder\n"
    "or, on stderr, why a node could not load it. With --json: [{\"node\": \"a@h\", \"ok\": true,\n"
    "\"result\": \"{module,adder}\"}, ...], result in Erlang syntax. Exit status: 0 loaded everywhere,\n"
    "1 some node could not load it (an unknown module: nofile).",
    &declare,
    &run,
};

}  // namespace otpctl::commands
