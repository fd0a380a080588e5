#include "otp/node_table.hpp"

#include <mutex>
#include <shared_mutex>
#include <vector>

namespace otp::node_table {
namespace {

struct table_state {
  std::shared_mutex mutex;
  std::vector<node_identity> nodes{node_identity{}};  // [0] is this node
};

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
    for (std::size_t i = 0; i < s.nodes.size(); ++i)
      if (same(s.nodes[i], identity)) return static_cast<std::uint32_t>(i);
  }
  std::unique_lock lock(s.mutex);
  for (std::size_t i = 0; i < s.nodes.size(); ++i)
    if (same(s.nodes[i], identity)) return static_cast<std::uint32_t>(i);
  s.nodes.push_back(identity);
  return static_cast<std::uint32_t>(s.nodes.size() - 1);
}

node_identity identity(std::uint32_t index) {
  auto& s = state();
  std::shared_lock lock(s.mutex);
  return index < s.nodes.size() ? s.nodes[index] : node_identity{};
}

node_identity local_identity() { return identity(local_index); }

void set_local_identity(node_identity identity) {
  auto& s = state();
  std::unique_lock lock(s.mutex);
  s.nodes[local_index] = identity;
}

}  // namespace otp::node_table
