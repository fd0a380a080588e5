// otpctl nodes: the node agent's nodes reply, without otpctl itself.
#include "commands/nodes.hpp"

#include <boost/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "node_connection.hpp"
#include "otp/node.hpp"
#include "otp/node_agent.hpp"
#include "text_table.hpp"

namespace otpctl::commands {

namespace po = boost::program_options;

namespace {

void declare(po::options_description& options, po::options_description&, po::positional_options_description&) {
  declare_node_options(options);
  options.add_options()("json", "print {\"node\": N, \"visible\": [N...], \"hidden\": [N...]}");
}

exit_code run(const po::variables_map& args, std::ostream& out, std::ostream& err) {
  const bool as_json = args.count("json") > 0;
  return with_node("nodes", args, err, [&](const node_session& s) {
    const auto connected = otp::release::node_agent::nodes(s.node_agent());
    const otp::atom me = otp::node::name();
    auto names = [&](const std::vector<otp::atom>& list) {
      std::vector<std::string> out_names;
      for (const otp::atom n : list)
        if (n != me) out_names.emplace_back(n.text());
      return out_names;
    };
    const std::vector<std::string> v = names(connected.visible);
    const std::vector<std::string> h = names(connected.hidden);
    if (as_json) {
      boost::json::array jv(v.begin(), v.end());
      boost::json::array jh(h.begin(), h.end());
      out << boost::json::serialize(boost::json::object{{"node", s.node_name()}, {"visible", jv}, {"hidden", jh}})
          << "\n";
      return exit_code::ok;
    }
    std::vector<table_row> rows;
    for (const std::string& n : v) rows.push_back({n, "visible"});
    for (const std::string& n : h) rows.push_back({n, "hidden"});
    print_table(out, {"NODE", "TYPE"}, rows);
    return exit_code::ok;
  });
}

}  // namespace

const command nodes{
    "nodes",
    "nodes --node NAME@HOST [--cookie C] [--json]",
    "List the nodes a node is connected to.",
    "Prints the target's connected nodes as a table NODE TYPE, TYPE visible (nodes()) or hidden\n"
    "(nodes(hidden): tools such as otpctl). otpctl's own connection is not listed. With --json:\n"
    "{\"node\": \"a@h\", \"visible\": [\"b@h\"], \"hidden\": []}.",
    &declare,
    &run,
};

}  // namespace otpctl::commands
