// The calls behind node_view.hpp.
#include "node_view.hpp"

#include <stdexcept>

#include "metrics.hpp"
#include "otp/gen_server.hpp"
#include "otp/node.hpp"
#include "otp/node_agent.hpp"
#include "otp/release_handler.hpp"
#include "otp/release_history.hpp"
#include "otp/status_json.hpp"
#include "otp/term_json.hpp"

namespace otp::observer::detail {
namespace {

namespace agent_request = release::node_agent::request;
namespace handler_request = release::release_handler::request;

// Every event of a history: its events are few (a handful per release), so a scrape takes all.
constexpr std::int64_t whole_history = 1'000'000;

term list_reply(term reply, const char* what) {
  if (!reply.is_proper_list())
    throw std::runtime_error(std::string("unexpected ") + what + " reply: " + reply.to_string());
  return reply;
}

}  // namespace

node_view::node_view(atom node, std::chrono::milliseconds timeout)
    : node_(node),
      timeout_(timeout),
      agent_(node == atoms::undefined ? term(release::node_agent::registered_name)
                                      : tuple(release::node_agent::registered_name, node)),
      handler_(node == atoms::undefined ? term(release::release_handler::registered_name)
                                        : tuple(release::release_handler::registered_name, node)) {}

term node_view::agent_call(term request) const { return gen_server::call(agent_, std::move(request), timeout_); }
term node_view::handler_call(term request) const { return gen_server::call(handler_, std::move(request), timeout_); }

term node_view::status_reply() const { return list_reply(agent_call(agent_request::status), "status"); }

term node_view::applications_reply() const {
  return list_reply(handler_call(handler_request::applications), "applications");
}

boost::json::object node_view::overview() const {
  boost::json::object o;
  o["node"] = std::string((node_ == atoms::undefined ? node::name() : node_).text());
  std::string release, vsn;
  for (const release::release_handler::release_entry& r :
       release::release_handler::decode_releases(handler_call(handler_request::releases)))
    if (r.status == release::release_status::current ||
        (r.status == release::release_status::permanent && vsn.empty())) {
      release = r.name;
      vsn = r.vsn;
    }
  o["release"] = release;
  o["vsn"] = vsn;
  return o;
}

boost::json::array node_view::status() const { return status_json(status_reply(), applications_reply()); }

boost::json::array node_view::processes() const {
  return to_json(list_reply(agent_call(agent_request::processes), "processes")).as_array();
}

boost::json::array node_view::applications() const { return to_json(applications_reply()).as_array(); }

boost::json::array node_view::releases() const {
  boost::json::array out;
  for (const release::release_handler::release_entry& r :
       release::release_handler::decode_releases(handler_call(handler_request::releases))) {
    boost::json::array apps;
    for (const std::string& a : r.applications) apps.push_back(boost::json::string(a));
    out.push_back(boost::json::object{{"name", r.name},
                                      {"vsn", r.vsn},
                                      {"applications", apps},
                                      {"status", std::string(release::to_string(r.status))}});
  }
  return out;
}

boost::json::array node_view::history(std::int64_t limit) const {
  return to_json(list_reply(handler_call(tuple(handler_request::history, term(limit))), "history")).as_array();
}

boost::json::value node_view::install() const {
  const term progress = agent_call(agent_request::install_progress);
  if (progress.is_atom(atoms::undefined)) return nullptr;
  return to_json(progress);
}

std::string node_view::metrics() const {
  metrics_input in;
  in.statistics = agent_call(agent_request::statistics);
  in.status = status_reply();
  in.history = handler_call(tuple(handler_request::history, term(whole_history)));
  in.releases = release::release_handler::decode_releases(handler_call(handler_request::releases));
  return prometheus_text(in);
}

}  // namespace otp::observer::detail
