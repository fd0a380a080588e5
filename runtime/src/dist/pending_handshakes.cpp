#include "dist/pending_handshakes.hpp"

#include <algorithm>
#include <utility>

namespace otp::detail::dist {

pending_handshakes::pending_handshakes(std::size_t max_total, std::size_t max_per_address)
    : max_total_(std::max<std::size_t>(max_total, 1)), max_per_address_(std::max<std::size_t>(max_per_address, 1)) {}

namespace {
constexpr const char* making_room = "closed to make room for newer handshakes (too many pending)";
}

std::uint64_t pending_handshakes::admit(const std::string& address, std::function<void(const char*)> evict) {
  while (from(address) >= max_per_address_) evict_oldest(&address, making_room);
  while (pending_.size() >= max_total_) evict_oldest(nullptr, making_room);
  const std::uint64_t id = next_id_++;
  pending_.push_back(entry{id, address, std::move(evict)});
  ++per_address_[address];
  return id;
}

void pending_handshakes::finish(std::uint64_t id) {
  auto it = std::find_if(pending_.begin(), pending_.end(), [&](const entry& e) { return e.id == id; });
  if (it != pending_.end()) forget(it);
}

void pending_handshakes::evict_all() {
  while (!pending_.empty()) evict_oldest(nullptr, "the node stopped");
}

std::size_t pending_handshakes::from(const std::string& address) const {
  auto it = per_address_.find(address);
  return it == per_address_.end() ? 0 : it->second;
}

void pending_handshakes::evict_oldest(const std::string* address, const char* because) {
  auto it = address == nullptr
                ? pending_.begin()
                : std::find_if(pending_.begin(), pending_.end(), [&](const entry& e) { return e.address == *address; });
  std::function<void(const char*)> evict = std::move(it->evict);
  forget(it);
  evict(because);
}

void pending_handshakes::forget(std::vector<entry>::iterator it) {
  if (auto count = per_address_.find(it->address); --count->second == 0) per_address_.erase(count);
  pending_.erase(it);
}

}  // namespace otp::detail::dist
