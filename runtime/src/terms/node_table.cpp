#include "otp/node_table.hpp"

#include <mutex>
#include <shared_mutex>
#include <unordered_map>
#include <vector>

namespace otp::node_table {
namespace {

struct table_state {
  std::shared_mutex mutex;
  std::vector<node_identity> nodes{node_identity{}};       // [0] is this node
  std::unordered_map<std::uint64_t, std::uint32_t> index;  // other nodes: key(identity) -> position
};

std::uint64_t key(node_identity id) { return (static_cast<std::uint64_t>(id.name.index()) << 32) | id.creation; }

table_state& state() {
  static table_state s;
  return s;
}

bool same(node_identity a, node_identity b) { return a.name == b.name && a.creation == b.creation; }

}  // namespace

std::uint32_t intern(node_identity identity) {
  auto& s = state();
  {
    std::shared_lock lock(s.mutex);
    if (same(s.nodes[local_index], identity)) return local_index;
    if (auto it = s.index.find(key(identity)); it != s.index.end()) return it->second;
  }
  std::unique_lock lock(s.mutex);
  if (same(s.nodes[local_index], identity)) return local_index;
  auto [it, inserted] = s.index.emplace(key(identity), static_cast<std::uint32_t>(s.nodes.size()));
  if (inserted) s.nodes.push_back(identity);
  return it->second;
}

node_identity identity(std::uint32_t index) {
  auto& s = state();
  std::shared_lock lock(s.mutex);
  return index < s.nodes.size() ? s.nodes[index] : node_identity{};
}

std::optional<node_identity> find(std::uint32_t index) {
  auto& s = state();
  std::shared_lock lock(s.mutex);
  if (index >= s.nodes.size()) return std::nullopt;
  return s.nodes[index];
}

node_identity local_identity() { return identity(local_index); }

void set_local_identity(node_identity identity) {
  auto& s = state();
  std::unique_lock lock(s.mutex);
  s.nodes[local_index] = identity;
}

}  // namespace otp::node_table
