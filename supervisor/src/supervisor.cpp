// The generic supervisor (supervisor.erl): a gen_server behaviour whose state lives in this object,
// one object per supervisor process. Function names follow supervisor.erl where they do the same job.
#include "otp/supervisor.hpp"

#include <cxxabi.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <map>
#include <mutex>
#include <typeinfo>
#include <unordered_map>
#include <utility>

#include "otp/detail/side_table.hpp"
#include "otp/log.hpp"
#include "otp/process.hpp"
#include "otp/term_text.hpp"
#include "start_resolver.hpp"
#include "supervisor_reports.hpp"

namespace otp::supervisor {

std::string behaviour::module_name() const {
  const char* mangled = typeid(*this).name();
  int status = 0;
  char* plain = abi::__cxa_demangle(mangled, nullptr, nullptr, &status);
  std::string name = status == 0 && plain != nullptr ? plain : mangled;
  std::free(plain);
  return name;
}

namespace {

namespace gs = otp::gen_server;

// Supervisors that gave up (intensity_exhaustions): a rare event, so one shared counter.
std::atomic<std::uint64_t> intensity_exhaustion_count{0};

// The atoms of the supervisor protocol and its reports, made once.
struct names {
  atom start_child{"start_child"};
  atom terminate_child{"terminate_child"};
  atom restart_child{"restart_child"};
  atom delete_child{"delete_child"};
  atom which_children{"which_children"};
  atom count_children{"count_children"};
  atom get_childspec{"get_childspec"};
  atom try_again_restart{"try_again_restart"};
  atom restarting{"restarting"};
  atom not_found{"not_found"};
  atom running{"running"};
  atom already_present{"already_present"};
  atom simple_one_for_one{"simple_one_for_one"};
  atom local{"local"};
  atom cxx_spec{"$c++_child_spec"};
  atom specs{"specs"};
  atom active{"active"};
  atom supervisors{"supervisors"};
  atom workers{"workers"};
  atom worker{"worker"};
  atom supervisor{"supervisor"};
  atom failed_to_start_child{"failed_to_start_child"};
  atom start_spec{"start_spec"};
  atom bad_start_spec{"bad_start_spec"};
  atom supervisor_data{"supervisor_data"};
  atom bad_return{"bad_return"};
  atom init{"init"};
  atom duplicate_child_name{"duplicate_child_name"};
  atom invalid_child_spec{"invalid_child_spec"};
  atom reached_max_restart_intensity{"reached_max_restart_intensity"};
  atom bad_flags{"bad_flags"};
};
const names& sup_atoms() {
  static const names value;
  return value;
}

// --- C++ specs passed to start_child travel as a reference into this table ------------------------

otp::detail::side_table<term, child_spec, term_hash>& deposited_specs() {
  static auto* t = new otp::detail::side_table<term, child_spec, term_hash>();  // never destroyed: see side_table.hpp
  return *t;
}

// --- helpers --------------------------------------------------------------------------------------

bool is_quiet(const term& reason) {
  return reason.is_atom(atoms::normal) || reason.is_atom(atoms::shutdown) ||
         (reason.is_tuple(2) && reason[0].is_atom(atoms::shutdown));
}

// supervisor:do_start_child_i: {ok,Pid} | {ok,Pid,Extra} | {ok,undefined} (ignore) | {error,E}.
term start_result(const child_spec& spec, const term& args) {
  term r;
  try {
    r = detail::call_start_function(spec, args);
  } catch (const otp::detail::forced_exit&) {
    throw;
  } catch (const exit_exception& e) {
    return tuple(atoms::error, tuple(atoms::exit_, e.reason()));
  } catch (const std::exception& e) {
    return tuple(atoms::error, tuple(atoms::exit_, exit_reason_of(e)));
  } catch (...) {
    return tuple(atoms::error, tuple(atoms::exit_, tuple(atoms::exception, binary("unknown"), binary(""))));
  }
  if (r.is_tuple(2) && r[0].is_atom(atoms::ok) && r[1].is_pid()) return r;
  if (r.is_tuple(3) && r[0].is_atom(atoms::ok) && r[1].is_pid()) return r;
  if (r.is_atom(atoms::ignore)) return tuple(atoms::ok, atoms::undefined);
  if (r.is_tuple(2) && r[0].is_atom(atoms::error)) return r;
  return tuple(atoms::error, r);
}

bool started_ok(const term& r) { return r[0].is_atom(atoms::ok); }

struct child {
  child_spec spec;
  term args;                // the A of {M,F,A} (undefined once saved for a temporary child, as OTP)
  term pid;                 // a pid, or undefined
  bool restarting = false;  // a restart failed and is retried; pid is the old pid (or undefined)

  bool has_pid() const { return pid.is_pid() && !restarting; }
  term mfargs() const {
    const term mfa = spec.start_mfa();
    return tuple(mfa[0], mfa[1], args);
  }
};

using sup_init = otp::supervisor::init_result;
using sup_behaviour = otp::supervisor::behaviour;

// The supervisor process's callbacks and state.
class sup_server final : public gs::behaviour {
 public:
  sup_server(std::shared_ptr<sup_behaviour> module, term args, std::optional<atom> name)
      : module_(std::move(module)), init_args_(std::move(args)), reg_name_(name) {}

  gs::init_result init(const term&) override;
  gs::result handle_call(const term& request, const term& from, const term& state) override;
  gs::result handle_cast(const term& request, const term& state) override;
  gs::result handle_info(const term& info, const term& state) override;
  void terminate(const term& reason, const term& state) override;
  gs::code_change_result code_change(const term& old_vsn, const term& state, const term& extra) override;
  std::string module_name() const override { return module_->module_name(); }

 private:
  bool simple() const { return flags_.restart_strategy == strategy::simple_one_for_one; }
  term state_term() const { return tuple(atoms::state, sup_name_, to_term(flags_.restart_strategy)); }

  // Specs from init's answer, checked as check_startspec; throws spec_error (start_spec errors).
  std::vector<child> checked_children(const sup_init& r) const;
  flags checked_flags(const sup_init& r) const;

  // Starting.
  term do_start_child(child& c, bool progress);
  term start_children(std::size_t from);  // nil, or {failed_to_start_child, Id, R}

  // Stopping.
  term unlink_flush(const term& pid, const term& default_reason);
  std::optional<term> take_pending_exit(const term& pid);
  term shutdown_child(const term& pid, const shutdown_spec& how, bool permanent);
  void do_terminate(child& c);
  void terminate_children(std::size_t from);
  void terminate_dynamic_children();

  // Restarting.
  bool restart_exited(const term& pid, const term& reason);
  bool do_restart(const term& reason, child c, std::ptrdiff_t index);
  bool restart(child c, std::ptrdiff_t index);
  bool restart_multiple(const child& dead, std::size_t from);
  void del_child(const child& c, std::ptrdiff_t index);
  bool auto_shutdown_allows_running(const child& c) const;
  void try_again(const term& id) { gs::cast(self(), tuple(sup_atoms().try_again_restart, id)); }

  // Lookup.
  std::ptrdiff_t index_of_id(const term& id) const;
  std::ptrdiff_t index_of_pid(const term& pid) const;
  std::optional<child> find_child(const term& id_or_pid) const;
  child dynamic_child(const term& pid, const term& args, bool is_restarting) const;

  // API.
  term handle_start_child(const term& spec_term);
  term which_children_term() const;
  term count_children_term() const;
  term update_childspecs(const sup_init& r);

  void report(std::string_view context, const term& reason, const child& c) const {
    report_error(sup_name_, context, reason, c.pid, c.spec, c.mfargs());
  }

  std::shared_ptr<sup_behaviour> module_;
  term init_args_;
  std::optional<atom> reg_name_;
  term sup_name_;
  flags flags_;
  restart_intensity restarts_;
  std::vector<child> children_;                                       // start order; [0] is the template when simple
  std::unordered_map<term, term, term_hash> dynamics_;                // simple: pid -> args
  std::unordered_map<term, term, term_hash> restarting_;              // simple: old pid -> args, restart pending
  std::unordered_map<term, std::int64_t, term_hash> restart_counts_;  // id -> restarts after an exit
  term parent_;
  // Children's {'EXIT', Pid, Reason} taken out of the mailbox ahead of time, in arrival order (see
  // handle_info): keeps the mailbox short for the selective receives of restarts.
  std::deque<std::pair<term, term>> pending_exits_;
};

flags sup_server::checked_flags(const sup_init& r) const {
  if (r.tag == sup_init::kind::ok_terms) return flags::from_term(r.flags_term);
  r.sup_flags.validate();
  return r.sup_flags;
}

std::vector<child> sup_server::checked_children(const sup_init& r) const {
  std::vector<child> out;
  auto add = [&](child_spec spec) {
    for (const child& c : out)
      if (c.spec.id == spec.id) throw spec_error(tuple(sup_atoms().duplicate_child_name, spec.id));
    child c;
    c.args = spec.start_mfa()[2];
    c.pid = atoms::undefined;
    c.spec = std::move(spec);
    out.push_back(std::move(c));
  };
  if (r.tag == sup_init::kind::ok_terms) {
    if (!r.specs_term.is_proper_list()) throw spec_error(tuple(sup_atoms().invalid_child_spec, r.specs_term));
    for (const term& s : r.specs_term.elements()) add(child_spec::from_term(s, flags_.auto_shutdown));
  } else {
    for (const child_spec& s : r.children) {
      s.validate(flags_.auto_shutdown);
      add(s);
    }
  }
  return out;
}

term specs_as_term(const sup_init& r) {
  if (r.tag == sup_init::kind::ok_terms) return r.specs_term;
  std::vector<term> items;
  for (const child_spec& s : r.children) items.push_back(s.to_term());
  return term::make_list(std::move(items));
}

gs::init_result sup_server::init(const term& parent) {
  trap_exit(true);
  parent_ = parent.is_pid() ? parent : self();
  sup_name_ = reg_name_ ? tuple(sup_atoms().local, *reg_name_) : tuple(self(), atom(module_->module_name()));
  const sup_init r = module_->init(init_args_);
  switch (r.tag) {
    case sup_init::kind::ignore: return gs::init_result::ignore();
    case sup_init::kind::bad_return:
      return gs::init_result::stop(
          tuple(sup_atoms().bad_return, tuple(atom(module_->module_name()), sup_atoms().init, r.bad_value)));
    case sup_init::kind::ok:
    case sup_init::kind::ok_terms: break;
  }
  try {
    flags_ = checked_flags(r);
  } catch (const spec_error& e) {
    return gs::init_result::stop(tuple(sup_atoms().supervisor_data, e.reason()));
  }
  restarts_.set_limits(flags_.intensity, flags_.period);
  if (simple()) {
    const term specs = specs_as_term(r);
    const std::size_t count =
        r.tag == sup_init::kind::ok_terms ? (specs.is_proper_list() ? specs.size() : 0) : r.children.size();
    if (count != 1) return gs::init_result::stop(tuple(sup_atoms().bad_start_spec, specs));
  }
  try {
    children_ = checked_children(r);
  } catch (const spec_error& e) {
    return gs::init_result::stop(tuple(sup_atoms().start_spec, e.reason()));
  }
  if (!simple()) {
    const term failure = start_children(0);
    if (!failure.is_nil()) {
      terminate_children(0);
      return gs::init_result::stop(tuple(atoms::shutdown, failure));
    }
  }
  return gs::init_result::ok(state_term());
}

// --- starting -------------------------------------------------------------------------------------

term sup_server::do_start_child(child& c, bool progress) {
  term r = start_result(c.spec, c.args);
  if (started_ok(r) && r[1].is_pid() && progress) report_progress(sup_name_, r[1], c.spec, c.mfargs());
  return r;
}

// start_children/2 on children_[from..]: starts each in order; a temporary child that answered
// ignore is removed. Returns nil, or {failed_to_start_child, Id, Reason} (children after it untouched).
term sup_server::start_children(std::size_t from) {
  for (std::size_t i = from; i < children_.size();) {
    child& c = children_[i];
    const term r = do_start_child(c, true);
    if (started_ok(r)) {
      if (r[1].is_atom(atoms::undefined) && c.spec.restart == restart_type::temporary) {
        children_.erase(children_.begin() + static_cast<std::ptrdiff_t>(i));
        continue;
      }
      c.pid = r[1];
      c.restarting = false;
    } else {
      report("start_error", r[1], c);
      return tuple(sup_atoms().failed_to_start_child, c.spec.id, r[1]);
    }
    ++i;
  }
  return term();
}

// --- stopping ------------------------------------------------------------------------------------

bool shutdown_reason_ok(const term& reason, bool permanent, bool brutal) {
  if (brutal && reason.is_atom(atoms::killed)) return true;
  if (reason.is_atom(atoms::shutdown)) return true;
  if (permanent) return false;
  return reason.is_atom(atoms::normal) || (reason.is_tuple(2) && reason[0].is_atom(atoms::shutdown));
}

// unlink(Pid), then the pending {'EXIT', Pid, Reason}'s reason if there is one, else `default_reason`.
term sup_server::unlink_flush(const term& pid, const term& default_reason) {
  unlink(pid);
  if (auto early = take_pending_exit(pid)) return *early;
  auto m = receive([&](const term& x) { return x.is_tuple(3) && x[0].is_atom(atoms::exit_) && x[1] == pid; },
                   milliseconds(0));
  return m ? (*m)[2] : default_reason;
}

std::optional<term> sup_server::take_pending_exit(const term& pid) {
  for (auto it = pending_exits_.begin(); it != pending_exits_.end(); ++it) {
    if (it->first == pid) {
      term reason = std::move(it->second);
      pending_exits_.erase(it);
      return reason;
    }
  }
  return std::nullopt;
}

// supervisor:shutdown/1: nil when the child stopped as it should, else the reason.
term sup_server::shutdown_child(const term& pid, const shutdown_spec& how, bool permanent) {
  const term mon = monitor(pid);
  auto is_down = [&](const term& x) { return x.is_tuple(5) && x[0].is_atom(atoms::down) && x[1] == mon; };
  std::optional<term> down;
  if (how.tag == shutdown_spec::kind::brutal_kill) {
    exit(pid, atoms::kill);
    down = receive(is_down, infinity);
  } else {
    exit(pid, atoms::shutdown);
    down = receive(is_down, how.tag == shutdown_spec::kind::infinity ? infinity : milliseconds(how.ms));
    if (!down) {
      exit(pid, atoms::kill);
      down = receive(is_down, infinity);
    }
  }
  const term reason = unlink_flush(pid, (*down)[4]);
  if (shutdown_reason_ok(reason, permanent, how.tag == shutdown_spec::kind::brutal_kill)) return term();
  return reason;
}

void sup_server::do_terminate(child& c) {
  if (!c.has_pid()) return;
  const bool permanent = c.spec.restart == restart_type::permanent;
  const term failure = shutdown_child(c.pid, c.spec.effective_shutdown(), permanent);
  if (!failure.is_nil() && !(failure.is_atom(atoms::normal) && !permanent)) report("shutdown_error", failure, c);
}

// terminate_children/2 on children_[from..]: in reverse start order; temporary ones are removed,
// the others kept with pid undefined.
void sup_server::terminate_children(std::size_t from) {
  for (std::size_t i = children_.size(); i > from; --i) {
    child& c = children_[i - 1];
    do_terminate(c);
    if (c.spec.restart == restart_type::temporary) {
      children_.erase(children_.begin() + static_cast<std::ptrdiff_t>(i - 1));
    } else {
      c.pid = atoms::undefined;
      c.restarting = false;
    }
  }
}

// terminate_dynamic_children/1: every child signalled at once, one timer, the rest killed.
void sup_server::terminate_dynamic_children() {
  const child& tmpl = children_.front();
  const bool permanent = tmpl.spec.restart == restart_type::permanent;
  const shutdown_spec how = tmpl.spec.effective_shutdown();
  const bool brutal = how.tag == shutdown_spec::kind::brutal_kill;
  std::map<term, std::vector<term>> errors;           // reason -> pids
  std::unordered_map<term, term, term_hash> waiting;  // monitor ref -> pid
  for (const auto& [pid, args] : dynamics_) {
    const term mon = monitor(pid);
    unlink(pid);
    std::optional<term> exited = take_pending_exit(pid);
    if (!exited) {
      auto m =
          receive([&pid = pid](const term& x) { return x.is_tuple(3) && x[0].is_atom(atoms::exit_) && x[1] == pid; },
                  milliseconds(0));
      if (m) exited = (*m)[2];
    }
    if (exited) {
      receive([&](const term& x) { return x.is_tuple(5) && x[0].is_atom(atoms::down) && x[1] == mon; }, infinity);
      const term reason = *exited;
      if (!(reason.is_atom(atoms::normal) && !permanent)) errors[reason].push_back(pid);
      continue;
    }
    waiting.emplace(mon, pid);
  }
  for (const auto& [mon, pid] : waiting) exit(pid, brutal ? term(atoms::kill) : term(atoms::shutdown));
  term timer;
  if (how.tag == shutdown_spec::kind::timeout && !waiting.empty())
    timer = start_timer(milliseconds(how.ms), self(), atoms::kill);
  while (!waiting.empty()) {
    const term m = *receive(
        [&](const term& x) {
          return (x.is_tuple(5) && x[0].is_atom(atoms::down) && waiting.count(x[1]) != 0) ||
                 (!timer.is_nil() && x.is_tuple(3) && x[0].is_atom(atoms::timeout) && x[1] == timer);
        },
        infinity);
    if (m.is_tuple(3)) {  // the timer fired
      for (const auto& [mon, pid] : waiting) exit(pid, atoms::kill);
      timer = term();
      continue;
    }
    auto it = waiting.find(m[1]);
    const term pid = it->second;
    waiting.erase(it);
    const term& reason = m[4];
    if (!shutdown_reason_ok(reason, permanent, brutal)) errors[reason].push_back(pid);
  }
  if (!timer.is_nil()) {
    cancel_timer(timer);
    receive([&](const term& x) { return x.is_tuple(3) && x[0].is_atom(atoms::timeout) && x[1] == timer; },
            milliseconds(0));
  }
  for (const auto& [reason, pids] : errors)
    report_error(sup_name_, "shutdown_error", reason, term(), tmpl.spec, tmpl.mfargs(), pids.size());
  dynamics_.clear();
  restarting_.clear();
}

void sup_server::terminate(const term&, const term&) {
  if (children_.empty()) return;
  if (simple()) {
    terminate_dynamic_children();
  } else {
    terminate_children(0);
  }
}

// --- restarting ----------------------------------------------------------------------------------

child sup_server::dynamic_child(const term& pid, const term& args, bool is_restarting) const {
  child c = children_.front();
  c.pid = pid;
  c.args = c.spec.restart == restart_type::temporary ? term(atoms::undefined) : args;
  c.restarting = is_restarting;
  return c;
}

std::ptrdiff_t sup_server::index_of_id(const term& id) const {
  for (std::size_t i = 0; i < children_.size(); ++i)
    if (children_[i].spec.id == id) return static_cast<std::ptrdiff_t>(i);
  return -1;
}

std::ptrdiff_t sup_server::index_of_pid(const term& pid) const {
  for (std::size_t i = 0; i < children_.size(); ++i)
    if (children_[i].pid == pid) return static_cast<std::ptrdiff_t>(i);
  return -1;
}

// restart_child/3 on an 'EXIT': false when the supervisor must stop (intensity or auto_shutdown).
bool sup_server::restart_exited(const term& pid, const term& reason) {
  if (simple()) {
    auto it = dynamics_.find(pid);
    if (it == dynamics_.end()) return true;
    return do_restart(reason, dynamic_child(pid, it->second, false), -1);
  }
  const std::ptrdiff_t i = index_of_pid(pid);
  if (i < 0 || children_[static_cast<std::size_t>(i)].restarting) return true;
  return do_restart(reason, children_[static_cast<std::size_t>(i)], i);
}

bool sup_server::do_restart(const term& reason, child c, std::ptrdiff_t index) {
  const restart_type type = c.spec.restart;
  if (type == restart_type::permanent) {
    report("child_terminated", reason, c);
    return restart(std::move(c), index);
  }
  if (is_quiet(reason)) {
    del_child(c, index);
    return auto_shutdown_allows_running(c);
  }
  report("child_terminated", reason, c);
  if (type == restart_type::transient) return restart(std::move(c), index);
  del_child(c, index);
  return auto_shutdown_allows_running(c);
}

void sup_server::del_child(const child& c, std::ptrdiff_t index) {
  if (simple()) {
    if (c.restarting) {
      restarting_.erase(c.pid);
    } else {
      dynamics_.erase(c.pid);
    }
    return;
  }
  if (index < 0) return;
  if (c.spec.restart == restart_type::temporary) {
    children_.erase(children_.begin() + index);
  } else {
    child& stored = children_[static_cast<std::size_t>(index)];
    stored.pid = atoms::undefined;
    stored.restarting = false;
  }
}

bool sup_server::auto_shutdown_allows_running(const child& c) const {
  if (flags_.auto_shutdown == auto_shutdown::never || !c.spec.significant) return true;
  if (flags_.auto_shutdown == auto_shutdown::any_significant) return false;
  if (simple()) return !(dynamics_.empty() && restarting_.empty());
  return std::any_of(children_.begin(), children_.end(),
                     [](const child& x) { return x.spec.significant && !x.pid.is_atom(atoms::undefined); });
}

// restart/2: counts the attempt, then restarts by strategy; a failed start is retried later
// through a try_again_restart cast to self.
bool sup_server::restart(child c, std::ptrdiff_t index) {
  if (!restarts_.add_restart(restart_intensity::now_seconds())) {
    intensity_exhaustion_count.fetch_add(1, std::memory_order_relaxed);
    report("shutdown", sup_atoms().reached_max_restart_intensity, c);
    del_child(c, index);
    return false;
  }
  if (!simple()) ++restart_counts_[c.spec.id];
  switch (flags_.restart_strategy) {
    case strategy::simple_one_for_one: {
      const term old_pid = c.pid;
      const term args = c.restarting ? restarting_[old_pid] : dynamics_[old_pid];
      if (c.restarting) {
        restarting_.erase(old_pid);
      } else {
        dynamics_.erase(old_pid);
      }
      c.args = args;
      const term r = start_result(c.spec, args);
      if (started_ok(r)) {
        if (r[1].is_pid()) dynamics_[r[1]] = args;
        return true;
      }
      restarting_[old_pid] = args;
      report("start_error", r[1], c);
      try_again(tuple(sup_atoms().restarting, old_pid));
      return true;
    }
    case strategy::one_for_one: {
      child& stored = children_[static_cast<std::size_t>(index)];
      const term r = do_start_child(stored, true);
      if (started_ok(r)) {
        stored.pid = r[1];
        stored.restarting = false;
        return true;
      }
      stored.pid = c.pid;
      stored.restarting = true;
      report("start_error", r[1], c);
      try_again(c.spec.id);
      return true;
    }
    case strategy::rest_for_one: return restart_multiple(c, static_cast<std::size_t>(index));
    case strategy::one_for_all: return restart_multiple(c, 0);
  }
  return true;
}

bool sup_server::restart_multiple(const child& dead, std::size_t from) {
  const std::ptrdiff_t dead_index = index_of_id(dead.spec.id);
  if (dead_index >= 0) {
    children_[static_cast<std::size_t>(dead_index)].pid = atoms::undefined;
    children_[static_cast<std::size_t>(dead_index)].restarting = false;
  }
  // Only children at or after `from` are terminated (and temporary ones removed), so `from` stays put.
  terminate_children(from);
  const term failure = start_children(from);
  if (failure.is_nil()) return true;
  const term& failed_id = failure[1];
  const std::ptrdiff_t f = index_of_id(failed_id);
  if (f >= 0) {
    child& failed = children_[static_cast<std::size_t>(f)];
    failed.pid = failed_id == dead.spec.id ? dead.pid : term(atoms::undefined);
    failed.restarting = true;
  }
  try_again(failed_id);
  return true;
}

// --- messages -------------------------------------------------------------------------------------

gs::result sup_server::handle_info(const term& info, const term& state) {
  if (info.is_tuple(3) && info[0].is_atom(atoms::exit_)) {
    // Take every other child's EXIT already queued, then handle them in arrival order. Signals from
    // different processes have no order, so this is the order OTP could have seen too; it keeps the
    // mailbox short, which the restarts' selective receives (start_link's ack) scan.
    pending_exits_.emplace_back(info[1], info[2]);
    const term parent = parent_;
    while (auto more = receive(
               [&parent](const term& x) { return x.is_tuple(3) && x[0].is_atom(atoms::exit_) && x[1] != parent; },
               milliseconds(0)))
      pending_exits_.emplace_back((*more)[1], (*more)[2]);
    while (!pending_exits_.empty()) {
      auto [pid, reason] = std::move(pending_exits_.front());
      pending_exits_.pop_front();
      if (!restart_exited(pid, reason)) return gs::result::stop(atoms::shutdown, state);
    }
    return gs::result::noreply(state);
  }
  log::report(log::level::error, "supervisor_report",
              {{"supervisor", sup_name_.to_string()}, {"unexpected_message", to_string(info, report_limits)}});
  return gs::result::noreply(state);
}

gs::result sup_server::handle_cast(const term& request, const term& state) {
  if (!(request.is_tuple(2) && request[0].is_atom(sup_atoms().try_again_restart))) return gs::result::noreply(state);
  const term& id = request[1];
  if (simple()) {
    if (!(id.is_tuple(2) && id[0].is_atom(sup_atoms().restarting))) return gs::result::noreply(state);
    auto it = restarting_.find(id[1]);
    if (it == restarting_.end()) return gs::result::noreply(state);
    if (restart(dynamic_child(id[1], it->second, true), -1)) return gs::result::noreply(state);
    return gs::result::stop(atoms::shutdown, state);
  }
  const std::ptrdiff_t i = index_of_id(id);
  if (i < 0 || !children_[static_cast<std::size_t>(i)].restarting) return gs::result::noreply(state);
  if (restart(children_[static_cast<std::size_t>(i)], i)) return gs::result::noreply(state);
  return gs::result::stop(atoms::shutdown, state);
}

std::optional<child> sup_server::find_child(const term& id_or_pid) const {
  if (simple()) {
    if (id_or_pid.is_pid()) {
      if (auto it = dynamics_.find(id_or_pid); it != dynamics_.end())
        return dynamic_child(it->first, it->second, false);
      if (auto it = restarting_.find(id_or_pid); it != restarting_.end())
        return dynamic_child(it->first, it->second, true);
      if (is_process_alive(id_or_pid)) return std::nullopt;
      return children_.front();
    }
    if (children_.front().spec.id == id_or_pid) return children_.front();
    return std::nullopt;
  }
  const std::ptrdiff_t i = id_or_pid.is_pid() ? index_of_pid(id_or_pid) : index_of_id(id_or_pid);
  if (i < 0) return std::nullopt;
  return children_[static_cast<std::size_t>(i)];
}

term sup_server::handle_start_child(const term& spec_term) {
  child_spec spec;
  try {
    if (spec_term.is_tuple(2) && spec_term[0].is_atom(sup_atoms().cxx_spec)) {
      auto deposited = deposited_specs().take(spec_term[1]);
      if (!deposited) return tuple(atoms::error, tuple(sup_atoms().invalid_child_spec, spec_term));
      spec = std::move(*deposited);
      spec.validate(flags_.auto_shutdown);
    } else {
      spec = child_spec::from_term(spec_term, flags_.auto_shutdown);
    }
  } catch (const spec_error& e) {
    return tuple(atoms::error, e.reason());
  }
  const std::ptrdiff_t existing = index_of_id(spec.id);
  if (existing >= 0) {
    const child& old = children_[static_cast<std::size_t>(existing)];
    if (old.pid.is_pid()) return tuple(atoms::error, tuple(atoms::already_started, old.pid));
    return tuple(atoms::error, sup_atoms().already_present);
  }
  child c;
  c.args = spec.start_mfa()[2];
  c.pid = atoms::undefined;
  c.spec = std::move(spec);
  const term r = do_start_child(c, true);
  if (!started_ok(r)) {
    // {error, {Reason, ChildRec}}: ChildRec shaped as OTP's #child{} record.
    const term rec =
        tuple(atom("child"), atoms::undefined, c.spec.id, c.mfargs(), to_term(c.spec.restart), c.spec.significant,
              c.spec.effective_shutdown().to_term(), to_term(c.spec.type), c.spec.effective_modules());
    return tuple(atoms::error, tuple(r[1], rec));
  }
  if (r[1].is_atom(atoms::undefined) && c.spec.restart == restart_type::temporary) return r;
  c.pid = r[1];
  if (c.spec.restart == restart_type::temporary) c.args = atoms::undefined;
  children_.push_back(std::move(c));
  return r;
}

term sup_server::which_children_term() const {
  std::vector<term> items;
  if (simple()) {
    const child& t = children_.front();
    const term type = to_term(t.spec.type);
    const term mods = t.spec.effective_modules();
    for (const auto& [pid, args] : dynamics_) items.push_back(tuple(atoms::undefined, pid, type, mods));
    for (std::size_t i = 0; i < restarting_.size(); ++i)
      items.push_back(tuple(atoms::undefined, sup_atoms().restarting, type, mods));
    return term::make_list(std::move(items));
  }
  for (auto it = children_.rbegin(); it != children_.rend(); ++it)
    items.push_back(tuple(it->spec.id, it->restarting ? term(sup_atoms().restarting) : it->pid, to_term(it->spec.type),
                          it->spec.effective_modules()));
  return term::make_list(std::move(items));
}

term sup_server::count_children_term() const {
  std::int64_t specs = 0, active = 0, supervisors = 0, workers = 0;
  if (simple()) {
    const auto size = static_cast<std::int64_t>(dynamics_.size() + restarting_.size());
    specs = 1;
    active = size - static_cast<std::int64_t>(restarting_.size());
    (children_.front().spec.type == child_type::supervisor ? supervisors : workers) = size;
  } else {
    for (const child& c : children_) {
      ++specs;
      if (c.has_pid() && is_process_alive(c.pid)) ++active;
      ++(c.spec.type == child_type::supervisor ? supervisors : workers);
    }
  }
  return list(tuple(sup_atoms().specs, specs), tuple(sup_atoms().active, active),
              tuple(sup_atoms().supervisors, supervisors), tuple(sup_atoms().workers, workers));
}

gs::result sup_server::handle_call(const term& request, const term&, const term& state) {
  auto reply = [&](term value) { return gs::result::reply(std::move(value), state); };
  const term error_simple = tuple(atoms::error, sup_atoms().simple_one_for_one);
  const term error_not_found = tuple(atoms::error, sup_atoms().not_found);
  if (request.is_atom(sup_atoms().which_children)) return reply(which_children_term());
  if (request.is_atom(sup_atoms().count_children)) return reply(count_children_term());
  if (request.is_atom(atom("restart_counts"))) {
    std::vector<term> counts;
    if (!simple())
      for (const child& c : children_) {
        auto it = restart_counts_.find(c.spec.id);
        counts.push_back(tuple(c.spec.id, it == restart_counts_.end() ? std::int64_t{0} : it->second));
      }
    return reply(term::make_list(std::move(counts)));
  }
  if (!request.is_tuple(2)) return reply(tuple(atoms::error, tuple(atom("unknown_request"), request)));
  const term& tag = request[0];
  const term& arg = request[1];

  if (tag.is_atom(sup_atoms().start_child)) {
    if (!simple()) return reply(handle_start_child(arg));
    child tmpl = children_.front();
    const term args = term::make_list(
        [&] {
          std::vector<term> all(tmpl.args.elements().begin(), tmpl.args.elements().end());
          if (arg.is_proper_list()) all.insert(all.end(), arg.elements().begin(), arg.elements().end());
          return all;
        }(),
        arg.is_proper_list() ? term() : arg);
    const term r = start_result(tmpl.spec, args);
    if (started_ok(r)) {
      if (r[1].is_pid()) dynamics_[r[1]] = args;
      return reply(r);
    }
    return reply(r);
  }

  if (tag.is_atom(sup_atoms().terminate_child)) {
    if (simple() && !arg.is_pid()) return reply(error_simple);
    std::optional<child> c = find_child(arg);
    if (!c) return reply(error_not_found);
    const std::ptrdiff_t index = simple() ? -1 : index_of_id(c->spec.id);
    if (simple()) {
      if (c->pid.is_pid() && !c->restarting) {
        child stopping = *c;
        do_terminate(stopping);
      }
      if (c->pid.is_pid()) del_child(*c, -1);
      return reply(atoms::ok);
    }
    do_terminate(children_[static_cast<std::size_t>(index)]);
    del_child(*c, index);
    return reply(atoms::ok);
  }

  if (tag.is_atom(sup_atoms().restart_child)) {
    if (simple()) return reply(error_simple);
    const std::ptrdiff_t i = arg.is_pid() ? index_of_pid(arg) : index_of_id(arg);
    if (i < 0) return reply(error_not_found);
    child& c = children_[static_cast<std::size_t>(i)];
    if (c.restarting) return reply(tuple(atoms::error, sup_atoms().restarting));
    if (c.pid.is_pid()) return reply(tuple(atoms::error, sup_atoms().running));
    const term r = do_start_child(c, true);
    if (started_ok(r)) {
      c.pid = r[1];
      return reply(r);
    }
    return reply(r);
  }

  if (tag.is_atom(sup_atoms().delete_child)) {
    if (simple()) return reply(error_simple);
    const std::ptrdiff_t i = arg.is_pid() ? index_of_pid(arg) : index_of_id(arg);
    if (i < 0) return reply(error_not_found);
    const child& c = children_[static_cast<std::size_t>(i)];
    if (c.restarting) return reply(tuple(atoms::error, sup_atoms().restarting));
    if (c.pid.is_pid()) return reply(tuple(atoms::error, sup_atoms().running));
    children_.erase(children_.begin() + i);
    return reply(atoms::ok);
  }

  if (tag.is_atom(sup_atoms().get_childspec)) {
    std::optional<child> c = find_child(arg);
    if (!c) return reply(error_not_found);
    child_spec shown = c->spec;
    const term mfa = shown.start_mfa();
    shown.start = tuple(mfa[0], mfa[1], c->args);
    return reply(tuple(atoms::ok, shown.to_term()));
  }

  return reply(tuple(atoms::error, tuple(atom("unknown_request"), request)));
}

// --- code_change ---------------------------------------------------------------------------------

term sup_server::update_childspecs(const sup_init& r) {
  flags new_flags;
  try {
    new_flags = checked_flags(r);
  } catch (const spec_error& e) {
    if (e.reason().is_tuple(2) && e.reason()[0].is_atom(atom("invalid_type")))
      return tuple(atoms::error, tuple(sup_atoms().bad_flags, e.reason()[1]));
    return tuple(atoms::error, e.reason());
  }
  const flags old_flags = flags_;
  flags_ = new_flags;
  std::vector<child> fresh;
  try {
    fresh = checked_children(r);
  } catch (const spec_error& e) {
    flags_ = old_flags;
    return tuple(atoms::error, e.reason());
  }
  if (simple()) {
    if (fresh.size() != 1) {
      flags_ = old_flags;
      return tuple(atoms::error, tuple(sup_atoms().bad_start_spec, specs_as_term(r)));
    }
    children_ = std::move(fresh);
  } else {
    // New specs in their order (keeping the pids of ids that exist), then the old ids that vanished.
    std::vector<child> kept;
    for (child& old : children_) {
      auto it = std::find_if(fresh.begin(), fresh.end(), [&](const child& c) { return c.spec.id == old.spec.id; });
      if (it == fresh.end()) {
        kept.push_back(std::move(old));
      } else {
        it->pid = old.pid;
        it->restarting = old.restarting;
      }
    }
    for (child& k : kept) fresh.push_back(std::move(k));
    children_ = std::move(fresh);
  }
  restarts_.set_limits(flags_.intensity, flags_.period);
  return atoms::ok;
}

gs::code_change_result sup_server::code_change(const term&, const term& state, const term&) {
  sup_init r;
  try {
    r = module_->init(init_args_);
  } catch (const otp::detail::forced_exit&) {
    throw;
  } catch (const exit_exception& e) {
    return gs::code_change_result::failure(e.reason());
  } catch (const std::exception& e) {
    return gs::code_change_result::failure(binary(e.what()));
  }
  if (r.tag == sup_init::kind::ignore) return gs::code_change_result::success(state);
  if (r.tag == sup_init::kind::bad_return) return gs::code_change_result::failure(r.bad_value);
  const term outcome = update_childspecs(r);
  if (outcome.is_atom(atoms::ok)) return gs::code_change_result::success(state_term());
  return gs::code_change_result::failure(outcome[1]);
}

term sup_call(const term& sup, term request) { return gs::call(sup, std::move(request), infinity); }

}  // namespace

// --- API ------------------------------------------------------------------------------------------

term start_link(std::shared_ptr<behaviour> callbacks, term args, std::optional<atom> name) {
  if (!callbacks) throw badarg("supervisor:start_link: no callbacks");
  auto server = std::make_shared<sup_server>(std::move(callbacks), std::move(args), name);
  const term parent = in_process() ? self() : term();
  return gs::start_link(std::move(server), parent, gs::start_options{.name = name});
}

term start(std::shared_ptr<behaviour> callbacks, term args, std::optional<atom> name) {
  if (!callbacks) throw badarg("supervisor:start: no callbacks");
  auto server = std::make_shared<sup_server>(std::move(callbacks), std::move(args), name);
  return gs::start(std::move(server), term(), gs::start_options{.name = name});
}

start_function supervisor_starter(std::shared_ptr<behaviour> callbacks, std::optional<atom> name) {
  return [callbacks = std::move(callbacks), name](const term& args) { return start_link(callbacks, args, name); };
}

term start_child(const term& sup, const child_spec& spec) {
  const term key = make_ref();
  deposited_specs().put(key, spec);
  const term request = tuple(sup_atoms().start_child, tuple(sup_atoms().cxx_spec, key));
  try {
    const term r = sup_call(sup, request);
    deposited_specs().erase(key);  // gone already unless the supervisor never looked at it
    return r;
  } catch (...) {
    deposited_specs().erase(key);
    throw;
  }
}

term start_child(const term& sup, const term& spec_or_extra_args) {
  return sup_call(sup, tuple(sup_atoms().start_child, spec_or_extra_args));
}
term terminate_child(const term& sup, const term& id_or_pid) {
  return sup_call(sup, tuple(sup_atoms().terminate_child, id_or_pid));
}
term restart_child(const term& sup, const term& id) { return sup_call(sup, tuple(sup_atoms().restart_child, id)); }
term delete_child(const term& sup, const term& id) { return sup_call(sup, tuple(sup_atoms().delete_child, id)); }
term which_children(const term& sup) { return sup_call(sup, sup_atoms().which_children); }
term count_children(const term& sup) { return sup_call(sup, sup_atoms().count_children); }
term restart_counts(const term& sup) { return sup_call(sup, atom("restart_counts")); }
std::uint64_t intensity_exhaustions() { return intensity_exhaustion_count.load(std::memory_order_relaxed); }
term get_childspec(const term& sup, const term& id_or_pid) {
  return sup_call(sup, tuple(sup_atoms().get_childspec, id_or_pid));
}

term check_childspecs(const term& specs, auto_shutdown mode) {
  if (!specs.is_proper_list()) return tuple(atoms::error, tuple(atoms::badarg, specs));
  std::vector<term> ids;
  try {
    for (const term& s : specs.elements()) {
      const child_spec spec = child_spec::from_term(s, mode);
      if (std::find(ids.begin(), ids.end(), spec.id) != ids.end())
        return tuple(atoms::error, tuple(sup_atoms().duplicate_child_name, spec.id));
      ids.push_back(spec.id);
    }
  } catch (const spec_error& e) {
    return tuple(atoms::error, e.reason());
  }
  return atoms::ok;
}

}  // namespace otp::supervisor
