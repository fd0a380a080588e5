// The actions of node_actions.hpp: release handler installs and supervisor calls.
#include "node_actions.hpp"

#include <algorithm>
#include <optional>
#include <vector>

#include "otp/detail/release_errors.hpp"
#include "otp/install_json.hpp"
#include "otp/node.hpp"
#include "otp/release_handler.hpp"
#include "otp/supervisor.hpp"
#include "otp/term_json.hpp"
#include "otp/term_text.hpp"

namespace otp::observer::detail {
namespace {

namespace rh = release::release_handler;

constexpr unsigned refused = 409;
constexpr unsigned not_found = 404;

// Whether the tree `tree` (a tree of /api/status) has a supervisor whose pid is `pid`.
bool has_supervisor(const boost::json::value& tree, const boost::json::value& pid) {
  if (!tree.is_object()) return false;
  const boost::json::object& node = tree.as_object();
  const boost::json::value* type = node.if_contains("type");
  if (type != nullptr && *type == "supervisor" && node.if_contains("pid") != nullptr && node.at("pid") == pid)
    return true;
  const boost::json::value* children = node.if_contains("children");
  return children != nullptr && children->is_array() &&
         std::any_of(children->as_array().begin(), children->as_array().end(),
                     [&](const boost::json::value& c) { return has_supervisor(c, pid); });
}

std::string text(const boost::json::value& v) {
  return v.is_string() ? std::string(v.as_string()) : boost::json::serialize(v);
}

}  // namespace

node_actions::node_actions(atom node, const node_view& view)
    : node_(node),
      view_(view),
      handler_(node == atoms::undefined ? term(rh::registered_name) : tuple(rh::registered_name, node)) {}

std::string node_actions::node_name() const {
  return std::string((node_ == atoms::undefined ? node::name() : node_).text());
}

boost::json::object node_actions::install(const std::string& vsn) const {
  const atom on = node_ == atoms::undefined ? node::name() : node_;
  const term reply = rh::install(vsn, otp::map({}), handler_);
  if (const auto reason = rh::error_of(reply))
    throw action_error(refused, release::explain_install_error(*reason, on, vsn));
  const rh::install_report report = rh::decode_install_report(reply);
  const std::vector<rh::release_entry> releases = rh::releases(handler_);
  const rh::release_entry* permanent = rh::find_status(releases, release::release_status::permanent);
  return install_json(node_name(), vsn, report, permanent != nullptr && permanent->vsn == vsn);
}

boost::json::object node_actions::relup(const std::string& vsn) const { return install(vsn); }

boost::json::object node_actions::rollback(const std::optional<std::string>& vsn) const {
  const std::vector<rh::release_entry> releases = rh::releases(handler_);
  std::string target;
  try {
    target = rh::rollback_target(releases, vsn, node_name());
  } catch (const std::invalid_argument& e) {
    throw action_error(refused, e.what());
  }
  const rh::release_entry* running = rh::running(releases);
  if (running != nullptr && target == running->vsn)
    throw action_error(refused,
                       "release " + target + " is already running on node " + node_name() + ": nothing to roll back");
  return install(target);
}

boost::json::object node_actions::restart_child(const std::string& supervisor, const boost::json::value& child) const {
  // The supervisor's pid as this view writes it: given, or the pid its registered name has.
  boost::json::value pid = boost::json::string(supervisor);
  if (!supervisor.starts_with("<")) {
    pid = nullptr;
    for (const boost::json::value& p : view_.processes())
      if (p.at("registered_name") == supervisor.c_str()) pid = p.at("pid");
    if (pid.is_null())
      throw action_error(not_found, "no process is registered as " + supervisor + " on node " + node_name());
  }
  bool known = false;
  for (const boost::json::value& app : view_.status())
    if (const boost::json::value* tree = app.as_object().if_contains("tree"); tree != nullptr)
      known = known || has_supervisor(*tree, pid);
  if (!known)
    throw action_error(not_found, "no supervisor " + supervisor + " in the supervision trees of node " + node_name());
  // The child's id as a term: the one whose JSON is `child`.
  const term sup = parse_term(std::string(pid.as_string()));
  std::optional<term> id;
  boost::json::value old_pid;
  const term children = supervisor::which_children(sup);
  for (const term& c : children.elements())
    if (c.is_tuple(4) && to_json(c[0]) == child) {
      id = c[0];
      old_pid = to_json(c[1]);
    }
  if (!id)
    throw action_error(not_found,
                       "supervisor " + supervisor + " on node " + node_name() + " has no child " + text(child));
  const term stopped = supervisor::terminate_child(sup, *id);
  if (!stopped.is_atom(atoms::ok))
    throw action_error(refused, "supervisor " + supervisor + " on node " + node_name() + " did not stop child " +
                                    text(child) + ": " + stopped.to_string());
  const term started = supervisor::restart_child(sup, *id);
  if (!((started.is_tuple(2) || started.is_tuple(3)) && started[0].is_atom(atoms::ok)))
    throw action_error(refused, "supervisor " + supervisor + " on node " + node_name() + " stopped child " +
                                    text(child) + " but could not start it again: " + started.to_string());
  return {{"supervisor", pid}, {"child", child}, {"old_pid", old_pid}, {"pid", to_json(started[1])}};
}

}  // namespace otp::observer::detail
