#include "otp/atom.hpp"

#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace otp {
namespace {

// Append-only storage: chunks never move, so readers index without a lock once an index has been
// published to them (an atom value can only be obtained after interning finished).
class atom_table {
 public:
  atom_table() {
#define OTP_ATOM_INIT(id, text) insert_locked(text);
    OTP_PREDEFINED_ATOMS(OTP_ATOM_INIT)
#undef OTP_ATOM_INIT
  }

  std::uint32_t intern(std::string_view text) {
    std::lock_guard lock(mutex_);
    if (auto it = index_.find(text); it != index_.end()) return it->second;
    return insert_locked(text);
  }

  bool contains(std::string_view text) {
    std::lock_guard lock(mutex_);
    return index_.contains(text);
  }

  std::string_view text(std::uint32_t index) const noexcept {
    const std::string* s = chunks_[index / chunk_size].load(std::memory_order_acquire)->at(index % chunk_size).get();
    return *s;
  }

 private:
  static constexpr std::size_t chunk_size = 4096;
  using chunk = std::array<std::unique_ptr<const std::string>, chunk_size>;

  std::uint32_t insert_locked(std::string_view text) {
    if (count_ >= atom_table_limit)
      throw bad_atom("atom table is full (" + std::to_string(atom_table_limit) + " atoms)");
    const auto index = static_cast<std::uint32_t>(count_);
    auto& slot = chunks_[index / chunk_size];
    chunk* c = slot.load(std::memory_order_relaxed);
    if (c == nullptr) {
      owned_.push_back(std::make_unique<chunk>());
      c = owned_.back().get();
      slot.store(c, std::memory_order_release);
    }
    (*c)[index % chunk_size] = std::make_unique<const std::string>(text);
    index_.emplace(*(*c)[index % chunk_size], index);
    ++count_;
    return index;
  }

  std::mutex mutex_;
  std::unordered_map<std::string_view, std::uint32_t> index_;
  std::array<std::atomic<chunk*>, atom_table_limit / chunk_size> chunks_{};
  std::vector<std::unique_ptr<chunk>> owned_;
  std::size_t count_ = 0;
};

atom_table& table() {
  static atom_table t;
  return t;
}

// Counts code points of well-formed UTF-8; -1 when malformed (also overlong forms, surrogates and
// code points above U+10FFFF, which Erlang rejects too).
long utf8_length(std::string_view s) {
  long n = 0;
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (len == 0 || i + len > s.size()) return -1;
    std::uint32_t code = len == 1 ? c : c & (0x7Fu >> len);
    for (std::size_t k = 1; k < len; ++k) {
      const auto next = static_cast<unsigned char>(s[i + k]);
      if ((next >> 6) != 0x2) return -1;
      code = (code << 6) | (next & 0x3Fu);
    }
    constexpr std::uint32_t smallest_for_length[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code < smallest_for_length[len] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return -1;
    i += len;
    ++n;
  }
  return n;
}

// A thread's recently made atoms, in slots chosen by a cheap hash of the text: the same atoms are
// made again and again (the node name in every pid a frame carries, message tags), and a hit skips
// the table's lock, its hash and the UTF-8 check. Atoms are never removed, so an entry never goes
// stale; a slot holds index + 1 (0: empty).
class recent_atoms {
 public:
  std::uint32_t* slot(std::string_view text) noexcept {
    std::uint32_t h = static_cast<std::uint32_t>(text.size());
    if (!text.empty()) {
      h = h * 31 + static_cast<unsigned char>(text.front());
      h = h * 31 + static_cast<unsigned char>(text[text.size() / 2]);
      h = h * 31 + static_cast<unsigned char>(text.back());
    }
    return &slots_[(h * 0x9E3779B1u) >> (32 - slot_bits)];
  }

 private:
  static constexpr unsigned slot_bits = 8;
  std::array<std::uint32_t, 1u << slot_bits> slots_{};
};

__attribute__((tls_model("initial-exec"))) thread_local recent_atoms recent;

}  // namespace

atom::atom(std::string_view text) : index_(0) {
  std::uint32_t* cached = recent.slot(text);
  if (*cached != 0 && table().text(*cached - 1) == text) {
    index_ = *cached - 1;
    return;
  }
  const long length = utf8_length(text);
  if (length < 0) throw bad_atom("atom text is not valid UTF-8");
  if (length > 255) throw bad_atom("atom too long (" + std::to_string(length) + " characters, at most 255)");
  index_ = table().intern(text);
  *cached = index_ + 1;
}

bool atom::exists(std::string_view text) noexcept { return table().contains(text); }

std::string_view atom::text() const noexcept { return table().text(index_); }

}  // namespace otp
