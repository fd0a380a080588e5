// otpctl history: the release handler's history events as a table or JSON.
#include "commands/history.hpp"

#include <boost/json.hpp>
#include <cstdint>
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

constexpr std::int64_t default_limit = 20;

std::string field(const otp::term& event, const char* key) {
  const otp::term* v = event.find(otp::atom(key));
  if (v == nullptr) return "";
  if (v->is_binary()) return std::string(v->as_binary());
  if (v->is_atom()) return std::string(v->as_atom().text());
  return v->to_string();
}

// "12 ms, 1 module changed, 1 process migrated, longest pause 840 µs, rolled [counter]", or the
// failure's reason.
std::string details(const otp::term& event) {
  if (const std::string reason = field(event, "reason"); !reason.empty()) return reason;
  std::string text;
  auto add = [&](const char* key, const char* one, const char* many) {
    const std::string n = field(event, key);
    if (n.empty()) return;
    text += (text.empty() ? "" : ", ") + n + " " + (n == "1" ? one : many);
  };
  add("duration_ms", "ms", "ms");
  add("modules_changed", "module changed", "modules changed");
  add("processes_migrated", "process migrated", "processes migrated");
  if (const std::string pause = field(event, "longest_pause_us"); !pause.empty())
    text += (text.empty() ? "" : ", ") + std::string("longest pause ") + pause + " µs";
  if (const std::string rolled = field(event, "rolling_modules"); !rolled.empty())
    text += (text.empty() ? "" : ", ") + std::string("rolled ") + rolled;
  return text;
}

void declare(po::options_description& options, po::options_description&, po::positional_options_description&) {
  declare_node_options(options);
  options.add_options()("limit", po::value<std::int64_t>()->default_value(default_limit)->value_name("N"),
                        "show the newest N events")("json", "print the events as a JSON array of objects");
}

exit_code run(const po::variables_map& args, std::ostream& out, std::ostream& err) {
  const std::int64_t limit = args["limit"].as<std::int64_t>();
  if (limit <= 0) throw usage_error("--limit must be a positive number");
  const bool as_json = args.count("json") > 0;
  return with_node("history", args, err, [&](const node_session& s) {
    const otp::term events = otp::release::release_handler::history(limit, s.release_handler());
    if (!events.is_proper_list()) return s.fail("unexpected reply: " + events.to_string());
    if (as_json) {
      out << boost::json::serialize(to_json(events)) << "\n";
      return exit_code::ok;
    }
    std::vector<table_row> rows;
    for (const otp::term& e : events.elements())
      rows.push_back({field(e, "id"), field(e, "at"), field(e, "kind"), field(e, "vsn"), field(e, "from_vsn"),
                      field(e, "outcome"), details(e)});
    print_table(out, {"ID", "AT", "KIND", "VSN", "FROM", "OUTCOME", "DETAILS"}, rows);
    return exit_code::ok;
  });
}

}  // namespace

const command history{
    "history",
    "history --node NAME@HOST [--cookie C] [--limit N] [--json]",
    "Show a node's release history.",
    "Prints the newest N events (default 20) of the node's release history, oldest first, as a table\n"
    "ID AT KIND VSN FROM OUTCOME DETAILS. KIND is unpack, install_start, install_end, downgrade,\n"
    "make_permanent, remove, boot or install_interrupted; AT is UTC; an install_end's OUTCOME is ok or\n"
    "failed, its DETAILS the duration and what changed, or why it failed. With --json: an array of\n"
    "{id, at, kind, name, vsn, [from_vsn], [outcome], [reason], [install_id], [duration_ms],\n"
    "[modules_changed], [processes_migrated], [longest_pause_us], [rolling_modules]} (rolling_modules:\n"
    "the modules an update with 'mode: rolling' migrated process by process).",
    &declare,
    &run,
};

}  // namespace otpctl::commands
