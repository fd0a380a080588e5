// The wording of remote failures (release_errors.hpp).
#include "otp/detail/release_errors.hpp"

#include <string_view>

namespace otp::release {

namespace {

using otp::atom;
using otp::term;

std::string node_text(atom node) { return std::string(node.text()); }

// A version or path as the handler sends it: a binary, printed bare.
std::string bare(const term& t) { return t.is_binary() ? std::string(t.as_binary()) : t.to_string(); }

// The server of a failed gen_server call: its name when it was called by name.
std::string server_of(const term& where) {
  if (!(where.is_tuple(3) && where[2].is_proper_list() && where[2].size() >= 1)) return "the server";
  const term& server = where[2][0];
  if (server.is_tuple(2) && server[0].is_atom()) {
    std::string quoted(1, '\'');
    quoted.append(server[0].as_atom().text()).push_back('\'');
    return quoted;
  }
  return server.to_string();
}

bool is_otpctl_service(const term& where) {
  if (!(where.is_tuple(3) && where[2].is_proper_list() && where[2].size() >= 1)) return false;
  const term& server = where[2][0];
  return server.is_tuple(2) && (server[0].is_atom(atom("release_handler")) || server[0].is_atom(atom("node_agent")));
}

// What a failed step of the upgrade script did, or empty when `reason` is not one.
std::string failed_step(const term& reason) {
  auto is = [&](std::string_view tag, std::size_t arity) {
    return reason.is_tuple(arity) && reason[0].is_atom(atom(std::string(tag)));
  };
  if (is("code_change_failed", 5))
    return "code_change of module " + reason[2].to_string() + " (process " + reason[1].to_string() + ", from version " +
           bare(reason[3]) + ") failed: " + reason[4].to_string();
  if (is("suspend_failed", 4))
    return "process " + reason[1].to_string() + " running " + reason[2].to_string() +
           " could not be suspended: " + reason[3].to_string();
  if (is("load_failed", 4)) return "module " + reason[1].to_string() + " could not be loaded: " + bare(reason[3]);
  if (is("no_such_file", 3)) return "module " + reason[1].to_string() + " has no file " + bare(reason[2]);
  if (is("old_processes", 3))
    return "process " + reason[2].to_string() + " still runs the old code of " + reason[1].to_string();
  if (is("stop_failed", 4))
    return "stopping process " + reason[1].to_string() + " (" + reason[2].to_string() +
           ") failed: " + reason[3].to_string();
  if (is("start_failed", 4))
    return "starting child " + reason[2].to_string() + " of " + reason[1].to_string() +
           " failed: " + reason[3].to_string();
  if (is("apply_failed", 3)) return "apply " + reason[1].to_string() + " failed: " + reason[2].to_string();
  return {};
}

}  // namespace

std::string explain_install_error(const term& reason, atom node, const std::string& vsn) {
  const std::string step = failed_step(reason);
  if (step.empty()) return explain_release_error(reason, node);
  return "the install of release " + vsn + " on node " + node_text(node) + " was attempted and undone: " + step +
         "; every change it made was rolled back and the node still runs the release it ran before";
}

std::string explain_call_failure(const term& reason, atom node) {
  if (!reason.is_tuple(2)) return "the call failed: " + reason.to_string();
  const term& why = reason[0];
  const term& where = reason[1];
  if (why.is_atom(otp::atoms::noproc)) {
    std::string text = "no process is registered as " + server_of(where) + " on node " + node_text(node) + " (noproc)";
    if (is_otpctl_service(where)) text += ": is it a node started by 'otpctl start'?";
    return text;
  }
  if (why.is_tuple(2) && why[0].is_atom(otp::atoms::nodedown))
    return "lost the connection to node " + node_text(node) + " (nodedown)";
  if (why.is_atom(otp::atoms::timeout))
    return server_of(where) + " on node " + node_text(node) + " did not answer in time";
  return server_of(where) + " on node " + node_text(node) + " exited during the call: " + why.to_string();
}

std::string explain_release_error(const term& reason, atom node) {
  const std::string on = " on node " + node_text(node);
  auto is = [&](std::string_view tag, std::size_t arity) {
    return reason.is_tuple(arity) && reason[0].is_atom(atom(std::string(tag)));
  };
  if (is("unknown_release", 2)) return "no release " + bare(reason[1]) + on;
  if (is("existing_release", 2)) return "release " + bare(reason[1]) + " is already unpacked" + on;
  if (is("already_installed", 2)) return "release " + bare(reason[1]) + " is already the one running" + on;
  if (is("bad_status", 2))
    return "the release is " + reason[1].to_string() + on +
           ": only an installed (current) release can be made permanent";
  if (is("permanent", 2))
    return "release " + bare(reason[1]) + " is the permanent release" + on + ": it cannot be removed";
  if (is("current", 2)) return "release " + bare(reason[1]) + " is running" + on + ": it cannot be removed";
  if (is("install_pending", 3))
    return "an install of release " + bare(reason[1]) + " (operation " + bare(reason[2]) + ") is pending" + on;
  if (is("no_relup", 3)) return "no upgrade path" + on + ": " + bare(reason[2]);
  if (is("bad_release", 3)) {
    std::string text = "release " + bare(reason[1]) + " is incomplete:";
    for (const term& p : reason[2].elements()) text += " " + bare(p) + ";";
    text.pop_back();
    return text;
  }
  if (is("checksum_mismatch", 2)) return bare(reason[1]) + " arrived damaged (checksum mismatch)";
  if (is("bad_path", 2)) return bare(reason[1]) + " would be written outside the release root" + on;
  if (is("conflicting_file", 2)) return bare(reason[1]) + " already exists" + on + " with other contents";
  return "the release handler" + on + " refused: " + reason.to_string();
}

}  // namespace otp::release
