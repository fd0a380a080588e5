// Start-function registry and resolution ({M, F} -> function, at start time).
#include "start_resolver.hpp"

#include <cstdint>
#include <utility>

#include "otp/code.hpp"
#include "otp/detail/side_table.hpp"
#include "otp/process.hpp"
#include "otp/start_registry.hpp"

namespace otp::supervisor {

namespace {

// Keyed by {M, F} as the two atoms' indices in one number.
otp::detail::side_table<std::uint64_t, start_function>& the_registry() {
  static auto* r = new otp::detail::side_table<std::uint64_t, start_function>();  // never destroyed: children may
                                                                                  // start during static teardown
  return *r;
}

std::uint64_t key_of(atom m, atom f) { return (std::uint64_t{m.index()} << 32) | f.index(); }

}  // namespace

void register_start_function(atom m, atom f, start_function fn) { the_registry().put(key_of(m, f), std::move(fn)); }

bool unregister_start_function(atom m, atom f) { return the_registry().erase(key_of(m, f)); }

std::optional<start_function> registered_start_function(atom m, atom f) { return the_registry().find(key_of(m, f)); }

namespace detail {

namespace {

term already_started(const term& holder) { return tuple(atoms::error, tuple(atom("already_started"), holder)); }

// Registers a started child under spec.name. Another holder of the name: the child is unlinked
// and killed, and the start fails as gen_server:start_link({local, Name}, ...) does.
term register_started(atom name, term result) {
  const term pid = result[1];
  const term holder = whereis(name);
  if (holder == pid) return result;  // the child registered itself under its spec's name
  if (holder.is_pid()) {
    unlink(pid);
    exit(pid, atom("kill"));
    return already_started(holder);
  }
  register_name(name, pid);
  return result;
}

term call_resolved(const child_spec& spec, const term& args) {
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

}  // namespace

term call_start_function(const child_spec& spec, const term& args) {
  if (!spec.name) return call_resolved(spec, args);
  if (const term holder = whereis(*spec.name); holder.is_pid()) return already_started(holder);
  term result = call_resolved(spec, args);
  const bool started = (result.is_tuple(2) || result.is_tuple(3)) && result[0].is_atom(atoms::ok) && result[1].is_pid();
  return started ? register_started(*spec.name, std::move(result)) : result;
}

}  // namespace detail
}  // namespace otp::supervisor
