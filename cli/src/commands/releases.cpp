// otpctl releases: which_releases as a table or JSON.
#include "commands/releases.hpp"

#include <boost/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "node_connection.hpp"
#include "otp/release_handler.hpp"
#include "term_json.hpp"
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
    const otp::term reply = otp::release::release_handler::which_releases(s.release_handler());
    if (!reply.is_proper_list()) return s.fail("unexpected reply: " + reply.to_string());
    boost::json::array json;
    std::vector<table_row> rows;
    for (const otp::term& r : reply.elements()) {
      if (!r.is_tuple(4)) return s.fail("unexpected reply: " + reply.to_string());
      const std::string name(r[0].as_binary());
      const std::string vsn(r[1].as_binary());
      const std::string status(r[3].as_atom().text());
      json.push_back(
          boost::json::object{{"name", name}, {"vsn", vsn}, {"status", status}, {"applications", to_json(r[2])}});
      rows.push_back({name, vsn, status});
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
