#include "otp/node_agent_protocol.hpp"

#include <string_view>

#include "otp/match.hpp"

namespace otp::release::node_agent {
namespace {

constexpr std::string_view server = "node agent";

term atom_list(const std::vector<atom>& atoms) {
  std::vector<term> out(atoms.begin(), atoms.end());
  return term::make_list(std::move(out));
}

// The atoms of `list`; throws unless it is a proper list of atoms.
std::vector<atom> atoms_of(const term& list, const std::string& expected, const term& reply) {
  if (!list.is_proper_list()) throw protocol_error(server, expected, reply);
  std::vector<atom> out;
  for (const term& n : list.elements()) {
    if (!n.is_atom()) throw protocol_error(server, expected, reply);
    out.push_back(n.as_atom());
  }
  return out;
}

}  // namespace

term encode_nodes(const connected_nodes& nodes) {
  return map({{atom("node"), nodes.node},
              {atom("visible"), atom_list(nodes.visible)},
              {atom("hidden"), atom_list(nodes.hidden)}});
}

connected_nodes decode_nodes(const term& reply) {
  const std::string expected = "#{node => Node, visible => [Node], hidden => [Node]}";
  atom node = atoms::undefined;
  term visible, hidden;
  if (!match(reply, pat::map(pat::key(atom("node"), pat::bind(node)), pat::key(atom("visible"), pat::bind(visible)),
                             pat::key(atom("hidden"), pat::bind(hidden)))))
    throw protocol_error(server, expected, reply);
  return {node, atoms_of(visible, expected, reply), atoms_of(hidden, expected, reply)};
}

term encode_os_pids(const os_process_ids& ids) {
  return map({{atom("os_pid"), term(ids.os_pid)},
              {atom("parent_os_pid"), term(ids.parent_os_pid)},
              {atom("boot_id"), binary(ids.boot_id)}});
}

os_process_ids decode_os_pids(const term& reply) {
  os_process_ids ids;
  if (!match(reply, pat::map(pat::key(atom("os_pid"), pat::bind(ids.os_pid)),
                             pat::key(atom("parent_os_pid"), pat::bind(ids.parent_os_pid)),
                             pat::key(atom("boot_id"), pat::bind(ids.boot_id)))))
    throw protocol_error(server, "#{os_pid => Pid, parent_os_pid => Pid, boot_id => Binary}", reply);
  return ids;
}

}  // namespace otp::release::node_agent
