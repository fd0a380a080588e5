#include "cluster_scope.hpp"

#include <boost/algorithm/string/split.hpp>
#include <boost/json.hpp>
#include <ostream>
#include <string>

#include "otp/gen_server.hpp"
#include "otp/node_agent.hpp"
#include "otp/term_text.hpp"
#include "term_json.hpp"

namespace otpctl {

namespace po = boost::program_options;

void declare_cluster_options(po::options_description& options) {
  options.add_options()("cluster", "act on the target and every node it is connected to")(
      "nodes", po::value<std::string>(), "act on these nodes (comma-separated NAME@HOST list)");
}

namespace {

std::vector<std::string> listed_nodes(const po::variables_map& args) {
  std::vector<std::string> names;
  const std::string list = args["nodes"].as<std::string>();
  boost::split(names, list, [](char c) { return c == ','; });
  return names;
}

// An otp-cpp node runs the node agent; an Erlang node has no such process (noproc). A node that
// is slow or fails otherwise still takes part: the operation then reports what went wrong there.
bool is_otp_cpp_node(otp::atom node, std::chrono::milliseconds timeout) {
  try {
    otp::gen_server::call(otp::tuple(otp::release::node_agent::registered_name, node),
                          otp::release::node_agent::request::nodes, timeout);
    return true;
  } catch (const otp::exit_exception& e) {
    const otp::term& reason = e.reason();
    const otp::term& cause = reason.is_tuple() && reason.size() > 0 ? reason[0] : reason;
    return !cause.is_atom(otp::atoms::noproc);
  }
}

const char* const not_taking_part_note = "not taking part (not an otp-cpp node)";

boost::json::array node_names(const std::vector<otp::atom>& nodes) {
  boost::json::array names;
  for (const otp::atom& n : nodes) names.emplace_back(std::string(n.text()));
  return names;
}

void print_not_taking_part(const std::vector<otp::atom>& nodes, std::ostream& out) {
  for (const otp::atom& n : nodes) out << "node " << n.text() << ": " << not_taking_part_note << "\n";
}

}  // namespace

void check_cluster_options(const po::variables_map& args) {
  if (args.count("cluster") && args.count("nodes")) throw usage_error("give --cluster or --nodes, not both");
  if (args.count("nodes"))
    for (const std::string& n : listed_nodes(args))
      if (n.find('@') == std::string::npos || n.front() == '@' || n.back() == '@')
        throw usage_error("--nodes: '" + n + "' is not NAME@HOST");
}

cluster_scope cluster_nodes(const node_session& s, const po::variables_map& args, bool cluster_by_default) {
  cluster_scope scope;
  if (args.count("nodes")) {
    for (const std::string& n : listed_nodes(args)) scope.nodes.emplace_back(n);
  } else if (args.count("cluster") || cluster_by_default) {
    scope.nodes.push_back(s.node);
    for (const otp::atom n : otp::release::node_agent::nodes(s.node_agent()).visible)
      (is_otp_cpp_node(n, s.timeout) ? scope.nodes : scope.not_taking_part).push_back(n);
  }
  return scope;
}

exit_code print_outcome(const node_session& s, const otp::release::cluster::outcome& o,
                        const std::vector<otp::atom>& not_taking_part, bool json, std::ostream& out) {
  if (json) {
    boost::json::array nodes;
    for (const auto& n : o.nodes)
      nodes.push_back(
          boost::json::object{{"node", std::string(n.node.text())}, {"ok", n.ok}, {"result", to_json(n.result)}});
    out << boost::json::serialize(boost::json::object{{"operation", o.operation},
                                                      {"committed", o.committed},
                                                      {"nodes", nodes},
                                                      {"not_taking_part", node_names(not_taking_part)}})
        << "\n";
  } else {
    for (const auto& n : o.nodes)
      out << "node " << n.node.text() << ": " << (n.ok ? "ok " : "failed: ") << n.result.to_string() << "\n";
    print_not_taking_part(not_taking_part, out);
    out << "operation " << o.operation << (o.committed ? ": committed" : ": not committed, nothing changed") << "\n";
  }
  if (!o.all_ok()) return s.fail("not every node succeeded (operation " + o.operation + ")");
  return exit_code::ok;
}

exit_code print_releases(const std::vector<otp::release::cluster::node_releases>& releases,
                         const std::vector<otp::atom>& not_taking_part, bool json, std::ostream& out) {
  const bool agree = otp::release::cluster::agree(releases);
  if (json) {
    boost::json::array nodes;
    for (const auto& r : releases)
      nodes.push_back(boost::json::object{{"node", std::string(r.node.text())},
                                          {"current", r.current},
                                          {"permanent", r.permanent},
                                          {"error", r.error.is_nil() ? boost::json::value() : to_json(r.error)}});
    out << boost::json::serialize(boost::json::object{
               {"agree", agree}, {"nodes", nodes}, {"not_taking_part", node_names(not_taking_part)}})
        << "\n";
  } else {
    for (const auto& r : releases) {
      out << r.node.text() << "  ";
      if (!r.error.is_nil())
        out << "no answer: " << r.error.to_string() << "\n";
      else
        out << "current " << r.current << "  permanent " << r.permanent << "\n";
    }
    for (const otp::atom& n : not_taking_part) out << n.text() << "  " << not_taking_part_note << "\n";
    out << (agree ? "the nodes agree" : "the nodes do not agree") << "\n";
  }
  return agree ? exit_code::ok : exit_code::failed;
}

}  // namespace otpctl
