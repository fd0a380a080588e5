// otpctl releases: which_releases as a table or JSON.
#include "commands/releases.hpp"

#include <boost/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "node_connection.hpp"
#include "otp/release_handler.hpp"
#include "text_table.hpp"

namespace otpctl::commands {

namespace po = boost::program_options;

namespace {

void declare(po::options_description& options, po::options_description&, po::positional_options_description&) {
  declare_node_options(options);
  options.add_options()("json", "print [{name, vsn, status, applications}]");
}

exit_code run(const po::variables_map& args, std::ostream& out, std::ostream& err) {
  const bool as_json = args.count("json") > 0;
  return with_node("releases", args, err, [&](const node_session& s) {
    boost::json::array json;
    std::vector<table_row> rows;
    for (const auto& r : otp::release::release_handler::releases(s.release_handler())) {
      const std::string status(otp::release::to_string(r.status));
      boost::json::array applications;
      for (const std::string& a : r.applications) applications.emplace_back(a);
      json.push_back(boost::json::object{
          {"name", r.name}, {"vsn", r.vsn}, {"status", status}, {"applications", std::move(applications)}});
      rows.push_back({r.name, r.vsn, status});
    }
    if (as_json)
      out << boost::json::serialize(json) << "\n";
    else
      print_table(out, {"NAME", "VSN", "STATUS"}, rows);
    return exit_code::ok;
  });
}

}  // namespace

const command releases{
    "releases",
    "releases --node NAME@HOST [--cookie C] [--json]",
    "List a node's releases and their status.",
    "Prints the node's releases, newest first, as a table NAME VSN STATUS. STATUS is permanent (what the\n"
    "node boots), current (installed and running, not yet permanent), old (installed before) or unpacked.\n"
    "With --json: [{\"name\": \"counter\", \"vsn\": \"1.1.0\", \"status\": \"current\",\n"
    "\"applications\": [\"counter-1.1.0\"]}, ...].",
    &declare,
    &run,
};

}  // namespace otpctl::commands
