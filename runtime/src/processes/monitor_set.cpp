#include "processes/monitor_set.hpp"

namespace otp::detail {

void monitor_set::add(const term& ref, const term& target, bool alias) {
  if (!many_ && few_.size() < small_limit) {
    few_.push_back(entry{ref, target, alias});
    return;
  }
  if (!many_) {
    many_ = std::make_unique<std::unordered_map<term, value, term_hash>>();
    for (entry& e : few_) many_->emplace(std::move(e.ref), value{std::move(e.target), e.alias});
    few_.clear();
    few_.shrink_to_fit();
  }
  many_->emplace(ref, value{target, alias});
}

std::optional<term> monitor_set::remove(const term& ref) {
  if (many_) {
    auto it = many_->find(ref);
    if (it == many_->end()) return std::nullopt;
    term target = std::move(it->second.target);
    many_->erase(it);
    return target;
  }
  for (std::size_t i = few_.size(); i-- > 0;) {
    if (!(few_[i].ref == ref)) continue;
    term target = std::move(few_[i].target);
    if (i + 1 != few_.size()) few_[i] = std::move(few_.back());
    few_.pop_back();
    return target;
  }
  return std::nullopt;
}

bool monitor_set::is_active_alias(const term& ref) const noexcept {
  if (many_) {
    auto it = many_->find(ref);
    return it != many_->end() && it->second.alias;
  }
  for (std::size_t i = few_.size(); i-- > 0;)
    if (few_[i].ref == ref) return few_[i].alias;
  return false;
}

std::size_t monitor_set::memory() const noexcept {
  std::size_t bytes = few_.capacity() * sizeof(entry);
  if (many_)
    bytes += sizeof(*many_) + many_->size() * (sizeof(term) + sizeof(value) + 2 * sizeof(void*)) +
             many_->bucket_count() * sizeof(void*);
  return bytes;
}

}  // namespace otp::detail
