// Child specs and supervisor flags: defaults, term conversion and OTP's validation
// (supervisor.erl check_childspec / check_flags).
#include "otp/child_spec.hpp"

#include <utility>

#include "otp/supervisor.hpp"

namespace otp::supervisor {

namespace {

[[noreturn]] void reject(term reason) { throw spec_error(std::move(reason)); }

term cxx_mfa() {
  static const term mfa = tuple(atom("c++"), atom("start_link"), term());
  return mfa;
}

bool is_valid_mfa(const term& t) { return t.is_tuple(3) && t[0].is_atom() && t[1].is_atom() && t[2].is_list(); }

restart_type restart_from(const term& t) {
  if (t.is_atom(atom("permanent"))) return restart_type::permanent;
  if (t.is_atom(atom("transient"))) return restart_type::transient;
  if (t.is_atom(atom("temporary"))) return restart_type::temporary;
  reject(tuple(atom("invalid_restart_type"), t));
}

child_type type_from(const term& t) {
  if (t.is_atom(atom("worker"))) return child_type::worker;
  if (t.is_atom(atom("supervisor"))) return child_type::supervisor;
  reject(tuple(atom("invalid_child_type"), t));
}

shutdown_spec shutdown_from(const term& t) {
  if (t.is_atom(atom("brutal_kill"))) return shutdown_spec::brutal_kill();
  if (t.is_atom(atoms::infinity)) return shutdown_spec::infinity();
  if (t.is_integer() && t.as_int() >= 0) return shutdown_spec::after(t.as_int());
  reject(tuple(atom("invalid_shutdown"), t));
}

void check_significant(bool significant, restart_type restart, auto_shutdown mode) {
  if (!significant) return;
  if (mode == auto_shutdown::never)
    reject(tuple(atom("bad_combination"),
                 list(tuple(atom("auto_shutdown"), atom("never")), tuple(atom("significant"), true))));
  if (restart == restart_type::permanent)
    reject(tuple(atom("bad_combination"),
                 list(tuple(atom("restart"), atom("permanent")), tuple(atom("significant"), true))));
}

void check_modules(const term& mods) {
  if (mods.is_atom(atom("dynamic"))) return;
  if (!mods.is_proper_list()) reject(tuple(atom("invalid_modules"), mods));
  for (const term& m : mods.elements())
    if (!m.is_atom()) reject(tuple(atom("invalid_module"), m));
}

}  // namespace

spec_error::spec_error(term reason) : std::runtime_error(reason.to_string()), reason_(std::move(reason)) {}

term shutdown_spec::to_term() const {
  switch (tag) {
    case kind::brutal_kill: return atom("brutal_kill");
    case kind::infinity: return atoms::infinity;
    case kind::timeout: return term(ms);
  }
  return term();
}

term to_term(restart_type r) {
  switch (r) {
    case restart_type::permanent: return atom("permanent");
    case restart_type::transient: return atom("transient");
    case restart_type::temporary: return atom("temporary");
  }
  return term();
}

term to_term(child_type t) { return t == child_type::worker ? atom("worker") : atom("supervisor"); }

term to_term(auto_shutdown a) {
  switch (a) {
    case auto_shutdown::never: return atom("never");
    case auto_shutdown::any_significant: return atom("any_significant");
    case auto_shutdown::all_significant: return atom("all_significant");
  }
  return term();
}

child_spec child_spec::worker(term id, start_function fn, term args) {
  child_spec s;
  s.id = std::move(id);
  s.start_fn = std::move(fn);
  s.start = tuple(atom("c++"), atom("start_link"), std::move(args));
  return s;
}

child_spec child_spec::supervisor(term id, start_function fn, term args) {
  child_spec s = worker(std::move(id), std::move(fn), std::move(args));
  s.type = child_type::supervisor;
  return s;
}

child_spec child_spec::mfa(term id, atom m, atom f, term args) {
  child_spec s;
  s.id = std::move(id);
  s.start = tuple(m, f, std::move(args));
  return s;
}

child_spec child_spec::module(term id, atom m, term arg) {
  return mfa(std::move(id), m, atom("start_link"), list(std::move(arg)));
}

child_spec child_spec::executable(term id, os_process::spec process) {
  child_spec s;
  if (process.id.is_nil()) process.id = id;
  s.id = std::move(id);
  s.start = tuple(atom("os_process"), atom("start_link"), list(binary(process.executable)));
  s.start_fn = [process = std::move(process)](const term&) { return os_process::start_link(process); };
  return s;
}

term child_spec::start_mfa() const { return start.is_nil() && start_fn ? cxx_mfa() : start; }

shutdown_spec child_spec::effective_shutdown() const {
  if (shutdown) return *shutdown;
  return type == child_type::worker ? shutdown_spec::after(5000) : shutdown_spec::infinity();
}

term child_spec::effective_modules() const {
  if (modules) return *modules;
  const term mfa = start_mfa();
  return is_valid_mfa(mfa) ? list(mfa[0]) : term();
}

void child_spec::validate(auto_shutdown mode) const {
  const term mfa = start_mfa();
  if (!is_valid_mfa(mfa)) reject(tuple(atom("invalid_mfa"), mfa));
  check_significant(significant, restart, mode);
  const shutdown_spec s = effective_shutdown();
  if (s.tag == shutdown_spec::kind::timeout && s.ms < 0) reject(tuple(atom("invalid_shutdown"), term(s.ms)));
  check_modules(effective_modules());
}

child_spec child_spec::from_term(const term& spec, auto_shutdown mode) {
  if (spec.is_tuple(6)) {
    return from_term(term::make_map({{atom("id"), spec[0]},
                                     {atom("start"), spec[1]},
                                     {atom("restart"), spec[2]},
                                     {atom("significant"), false},
                                     {atom("shutdown"), spec[3]},
                                     {atom("type"), spec[4]},
                                     {atom("modules"), spec[5]}}),
                     mode);
  }
  if (!spec.is_map()) reject(tuple(atom("invalid_child_spec"), spec));
  // The order of the checks is do_check_childspec's.
  const term* id = spec.find(atom("id"));
  if (id == nullptr) reject(atom("missing_id"));
  const term* start = spec.find(atom("start"));
  if (start == nullptr) reject(atom("missing_start"));
  if (!is_valid_mfa(*start)) reject(tuple(atom("invalid_mfa"), *start));
  child_spec s;
  s.id = *id;
  s.start = *start;
  const term* restart = spec.find(atom("restart"));
  s.restart = restart ? restart_from(*restart) : restart_type::permanent;
  if (const term* significant = spec.find(atom("significant"))) {
    const bool is_bool = significant->is_atom(atoms::true_) || significant->is_atom(atoms::false_);
    check_significant(significant->is_atom(atoms::true_), s.restart, mode);
    if (!is_bool) reject(tuple(atom("invalid_significant"), *significant));
    s.significant = significant->is_atom(atoms::true_);
  }
  const term* type = spec.find(atom("type"));
  s.type = type ? type_from(*type) : child_type::worker;
  if (const term* shutdown = spec.find(atom("shutdown"))) s.shutdown = shutdown_from(*shutdown);
  if (const term* mods = spec.find(atom("modules"))) {
    check_modules(*mods);
    s.modules = *mods;
  }
  return s;
}

term child_spec::to_term() const {
  return term::make_map({{atom("id"), id},
                         {atom("start"), start_mfa()},
                         {atom("restart"), supervisor::to_term(restart)},
                         {atom("significant"), significant},
                         {atom("shutdown"), effective_shutdown().to_term()},
                         {atom("type"), supervisor::to_term(type)},
                         {atom("modules"), effective_modules()}});
}

// --- flags ----------------------------------------------------------------------------------------

term to_term(strategy s) {
  switch (s) {
    case strategy::one_for_one: return atom("one_for_one");
    case strategy::one_for_all: return atom("one_for_all");
    case strategy::rest_for_one: return atom("rest_for_one");
    case strategy::simple_one_for_one: return atom("simple_one_for_one");
  }
  return term();
}

flags flags::from_term(const term& t) {
  if (t.is_tuple(3))
    return from_term(term::make_map({{atom("strategy"), t[0]},
                                     {atom("intensity"), t[1]},
                                     {atom("period"), t[2]},
                                     {atom("auto_shutdown"), atom("never")}}));
  if (!t.is_map()) reject(tuple(atom("invalid_type"), t));
  flags f;
  if (const term* s = t.find(atom("strategy"))) {
    if (s->is_atom(atom("one_for_one")))
      f.restart_strategy = strategy::one_for_one;
    else if (s->is_atom(atom("one_for_all")))
      f.restart_strategy = strategy::one_for_all;
    else if (s->is_atom(atom("rest_for_one")))
      f.restart_strategy = strategy::rest_for_one;
    else if (s->is_atom(atom("simple_one_for_one")))
      f.restart_strategy = strategy::simple_one_for_one;
    else
      reject(tuple(atom("invalid_strategy"), *s));
  }
  if (const term* i = t.find(atom("intensity"))) {
    if (!i->is_integer() || i->as_int() < 0) reject(tuple(atom("invalid_intensity"), *i));
    f.intensity = i->as_int();
  }
  if (const term* p = t.find(atom("period"))) {
    if (!p->is_integer() || p->as_int() <= 0) reject(tuple(atom("invalid_period"), *p));
    f.period = p->as_int();
  }
  if (const term* a = t.find(atom("auto_shutdown"))) {
    if (a->is_atom(atom("never")))
      f.auto_shutdown = auto_shutdown::never;
    else if (a->is_atom(atom("any_significant")))
      f.auto_shutdown = auto_shutdown::any_significant;
    else if (a->is_atom(atom("all_significant")))
      f.auto_shutdown = auto_shutdown::all_significant;
    else
      reject(tuple(atom("invalid_auto_shutdown"), *a));
  }
  return f;
}

void flags::validate() const {
  if (intensity < 0) reject(tuple(atom("invalid_intensity"), term(intensity)));
  if (period <= 0) reject(tuple(atom("invalid_period"), term(period)));
}

term flags::to_term() const {
  return term::make_map({{atom("strategy"), supervisor::to_term(restart_strategy)},
                         {atom("intensity"), term(intensity)},
                         {atom("period"), term(period)},
                         {atom("auto_shutdown"), supervisor::to_term(auto_shutdown)}});
}

}  // namespace otp::supervisor
