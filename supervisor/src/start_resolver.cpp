// Start-function registry and resolution ({M, F} -> function, at start time).
#include "start_resolver.hpp"

#include <map>
#include <mutex>
#include <utility>

#include "otp/code.hpp"
#include "otp/start_registry.hpp"

namespace otp::supervisor {

namespace {

struct registry {
  std::mutex lock;
  std::map<std::pair<std::uint32_t, std::uint32_t>, start_function> functions;
};

registry& the_registry() {
  static registry* r = new registry();  // never destroyed: children may start during static teardown
  return *r;
}

}  // namespace

void register_start_function(atom m, atom f, start_function fn) {
  registry& r = the_registry();
  std::lock_guard guard(r.lock);
  r.functions[{m.index(), f.index()}] = std::move(fn);
}

bool unregister_start_function(atom m, atom f) {
  registry& r = the_registry();
  std::lock_guard guard(r.lock);
  return r.functions.erase({m.index(), f.index()}) > 0;
}

std::optional<start_function> registered_start_function(atom m, atom f) {
  registry& r = the_registry();
  std::lock_guard guard(r.lock);
  auto it = r.functions.find({m.index(), f.index()});
  if (it == r.functions.end()) return std::nullopt;
  return it->second;
}

namespace detail {

term call_start_function(const child_spec& spec, const term& args) {
  if (spec.start_fn) return spec.start_fn(args);
  const term mfa = spec.start_mfa();
  const atom m = mfa[0].as_atom();
  const atom f = mfa[1].as_atom();
  if (auto fn = registered_start_function(m, f)) return (*fn)(args);
  // {M, start_link, [Arg]} of a hot-loadable module: the code server starts it (loading it from the
  // code path first when needed), on the module's current version.
  if (f == atom("start_link") && (code::is_loaded(m) || code::find_in_path(m)))
    return code::start_link(m, args.is_list() && !args.is_nil() && args.tail().is_nil() ? args.head() : args);
  return tuple(atoms::error, tuple(atoms::exit_, tuple(atom("undef"), list(tuple(mfa[0], mfa[1], args, term())))));
}

}  // namespace detail
}  // namespace otp::supervisor
