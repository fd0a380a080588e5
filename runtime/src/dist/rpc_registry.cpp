#include <map>
#include <mutex>
#include <shared_mutex>
#include <tuple>

#include "dist/rpc_builtins.hpp"
#include "otp/node.hpp"
#include "otp/rpc.hpp"

namespace otp::rpc {

namespace {

using key = std::tuple<atom, atom, std::size_t>;

struct key_less {
  bool operator()(const key& a, const key& b) const {
    const auto& [am, af, an] = a;
    const auto& [bm, bf, bn] = b;
    if (am.text() != bm.text()) return am.text() < bm.text();
    if (af.text() != bf.text()) return af.text() < bf.text();
    return an < bn;
  }
};

// The table, with the runtime's built-ins registered when it is first used.
struct registry {
  std::shared_mutex mutex;
  std::map<key, rpc::function, key_less> functions;
  std::function<void()> stop_handler;

  registry() {
    for (auto& b : detail::builtin_functions()) functions[{b.module, b.function, b.arity}] = std::move(b.body);
  }
};

registry& the_registry() {
  static registry r;
  return r;
}

}  // namespace

void register_function(atom module, atom name, std::size_t arity, rpc::function f) {
  auto& r = the_registry();
  std::unique_lock lock(r.mutex);
  r.functions[{module, name, arity}] = std::move(f);
}

bool unregister_function(atom module, atom name, std::size_t arity) {
  auto& r = the_registry();
  std::unique_lock lock(r.mutex);
  return r.functions.erase({module, name, arity}) > 0;
}

std::optional<rpc::function> lookup(atom module, atom name, std::size_t arity) {
  auto& r = the_registry();
  std::shared_lock lock(r.mutex);
  auto it = r.functions.find({module, name, arity});
  if (it == r.functions.end()) return std::nullopt;
  return it->second;
}

term apply(atom module, atom name, const std::vector<term>& args) {
  auto f = lookup(module, name, args.size());
  if (!f) throw error(atom("undef"));
  return (*f)(args);
}

void set_stop_handler(std::function<void()> handler) {
  auto& r = the_registry();
  std::unique_lock lock(r.mutex);
  r.stop_handler = std::move(handler);
}

void detail::run_stop_handler() {
  std::function<void()> handler;
  {
    auto& r = the_registry();
    std::shared_lock lock(r.mutex);
    handler = r.stop_handler;
  }
  if (handler)
    handler();
  else
    node::stop();
}

}  // namespace otp::rpc
