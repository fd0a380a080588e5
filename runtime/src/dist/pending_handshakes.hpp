// pending_handshakes — the incoming handshakes under way, capped in total and per source address
// (private to net_kernel).
//
// A connection counts from its accept until its peer proved the cookie (or it failed). When a new
// one would go over a cap, the oldest pending handshake is evicted to make room: the oldest from
// the same address when that address is at its cap, else the oldest of all. A real peer's
// handshake takes a few round trips, so a flood of stalled connections (from the same host too)
// cannot keep it out, and what the stalled ones hold (sockets, buffers) stays bounded by the caps.
// Evicting calls the handshake's `evict` function with the reason (it closes its socket) and forgets
// the handshake at once.
//
// Not thread-safe: used by the handlers of the node's event loop, which run one at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

namespace otp::detail::dist {

class pending_handshakes {
 public:
  pending_handshakes(std::size_t max_total, std::size_t max_per_address);

  // Registers a handshake from `address` (an IP address, no port), evicting older ones first when
  // a cap is reached. Returns its id for `finish`.
  std::uint64_t admit(const std::string& address, std::function<void(const char* because)> evict);
  // The handshake ended (any way); an evicted or unknown id is ignored.
  void finish(std::uint64_t id);
  // Evicts every pending handshake (the node stops).
  void evict_all();

  std::size_t size() const noexcept { return pending_.size(); }
  std::size_t from(const std::string& address) const;

 private:
  struct entry {
    std::uint64_t id;
    std::string address;
    std::function<void(const char*)> evict;
  };
  void evict_oldest(const std::string* address, const char* because);
  void forget(std::vector<entry>::iterator it);

  std::size_t max_total_;
  std::size_t max_per_address_;
  std::uint64_t next_id_ = 1;
  std::vector<entry> pending_;  // oldest first; the caps keep it short
  std::unordered_map<std::string, std::size_t> per_address_;
};

// Finishes one admitted handshake when it goes out of scope.
class pending_handshake_slot {
 public:
  pending_handshake_slot(pending_handshakes& table, std::uint64_t id) : table_(table), id_(id) {}
  ~pending_handshake_slot() { table_.finish(id_); }
  pending_handshake_slot(const pending_handshake_slot&) = delete;
  pending_handshake_slot& operator=(const pending_handshake_slot&) = delete;

 private:
  pending_handshakes& table_;
  std::uint64_t id_;
};

}  // namespace otp::detail::dist
