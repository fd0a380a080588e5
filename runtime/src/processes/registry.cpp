#include "processes/registry.hpp"

namespace otp::detail {

registry& the_registry() {
  static registry r;
  return r;
}

bool registry::add(atom name, const term& pid) {
  std::unique_lock lock(mutex_);
  return names_.emplace(name.index(), pid).second;
}

bool registry::remove(atom name) {
  std::unique_lock lock(mutex_);
  return names_.erase(name.index()) > 0;
}

void registry::remove_if(atom name, const term& pid) {
  std::unique_lock lock(mutex_);
  auto it = names_.find(name.index());
  if (it != names_.end() && it->second == pid) names_.erase(it);
}

std::optional<term> registry::find(atom name) const {
  std::shared_lock lock(mutex_);
  auto it = names_.find(name.index());
  if (it == names_.end()) return std::nullopt;
  return it->second;
}

}  // namespace otp::detail
