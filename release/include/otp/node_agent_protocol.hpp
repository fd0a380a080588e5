// otp::release::node_agent's protocol: the tags of the requests the node agent answers, and its
// structured replies as C++ types with their term encoding, shared by the agent (which encodes)
// and otpctl (which decodes). The shapes are listed in node_agent.hpp. Decoders throw
// protocol_error naming the term they could not read. Thread-safety: plain functions on values.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "otp/protocol_error.hpp"
#include "otp/term.hpp"

namespace otp::release::node_agent {

// The request tags: an atom request, or the first element of a tuple request.
namespace request {
inline const atom status{"status"};
inline const atom nodes{"nodes"};
inline const atom which{"which"};
inline const atom load{"load"};
inline const atom all_nodes{"all_nodes"};  // {load, Module, all_nodes}
inline const atom purge{"purge"};
inline const atom soft{"soft"};  // {purge, Module, soft | brutal}
inline const atom os_pids{"os_pids"};
inline const atom processes{"processes"};
inline const atom statistics{"statistics"};
inline const atom install_progress{"install_progress"};
inline const atom stop{"stop"};
}  // namespace request

// What `nodes` answers: #{node => ThisNode, visible => [Node], hidden => [Node]}.
struct connected_nodes {
  atom node = atoms::undefined;
  std::vector<atom> visible;
  std::vector<atom> hidden;
};
term encode_nodes(const connected_nodes& nodes);
connected_nodes decode_nodes(const term& reply);

// What `os_pids` answers: #{os_pid => Pid, parent_os_pid => Ppid, boot_id => Binary}.
struct os_process_ids {
  std::int64_t os_pid = 0;
  std::int64_t parent_os_pid = 0;
  std::string boot_id;
};
term encode_os_pids(const os_process_ids& ids);
os_process_ids decode_os_pids(const term& reply);

}  // namespace otp::release::node_agent
