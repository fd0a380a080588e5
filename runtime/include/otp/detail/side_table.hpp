// otp::detail::side_table — values that cannot travel inside a term (a C++ child spec, a function,
// an OS pid), kept beside the terms that stand for them: one side puts a value under a key it can
// send along (a reference, a pid, an id), the other finds or takes it by that key.
//
// Internal to otp-cpp's libraries (otp/detail/ is not installed). Thread-safety: every member may
// be called from any thread (one mutex per table). A table meant to outlive static destruction
// (used by threads that may still run then) is allocated and never deleted by its owner.
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <utility>

namespace otp::detail {

template <class Key, class Value, class Hash = std::hash<Key>>
class side_table {
 public:
  // Keeps `value` under `key`, replacing what was there.
  void put(const Key& key, Value value) {
    std::lock_guard lock(mutex_);
    values_.insert_or_assign(key, std::move(value));
  }

  // The value under `key`, removed from the table; nullopt when there is none.
  std::optional<Value> take(const Key& key) {
    std::lock_guard lock(mutex_);
    const auto it = values_.find(key);
    if (it == values_.end()) return std::nullopt;
    std::optional<Value> value(std::move(it->second));
    values_.erase(it);
    return value;
  }

  // A copy of the value under `key`; nullopt when there is none.
  std::optional<Value> find(const Key& key) const {
    std::lock_guard lock(mutex_);
    const auto it = values_.find(key);
    if (it == values_.end()) return std::nullopt;
    return it->second;
  }

  // Whether there was a value under `key` (now gone).
  bool erase(const Key& key) {
    std::lock_guard lock(mutex_);
    return values_.erase(key) > 0;
  }

 private:
  mutable std::mutex mutex_;
  std::unordered_map<Key, Value, Hash> values_;
};

}  // namespace otp::detail
