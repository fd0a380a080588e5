// otp::node_table — the nodes that pids and references name, as small indices.
//
// A pid or reference carries a node index instead of the node's name and creation. Index 0 is
// always *this* node, whatever its name: starting distribution renames it without touching any
// pid. Other indices intern (name, creation) pairs seen on the wire; they are never removed.
//
// Thread-safety: all functions may be called from any thread.
#pragma once

#include <cstdint>
#include <optional>

#include "otp/atom.hpp"

namespace otp {

struct node_identity {
  atom name = atoms::nonode_nohost;
  std::uint32_t creation = 0;
};

namespace node_table {
inline constexpr std::uint32_t local_index = 0;

// The index for (name, creation); local_index when it is this node's identity.
std::uint32_t intern(node_identity identity);
// The node at `index`; nonode@nohost for an index that names none.
node_identity identity(std::uint32_t index);
// The node at `index`, or nullopt when it names none (a pid read from text, such as <7.1.0>, that
// no node of this table owns).
std::optional<node_identity> find(std::uint32_t index);

node_identity local_identity();
// Called by distribution when the node goes alive (or stops being alive).
void set_local_identity(node_identity identity);
}  // namespace node_table

}  // namespace otp
