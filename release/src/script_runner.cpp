#include "otp/script_runner.hpp"

#include <algorithm>
#include <map>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <variant>

#include "otp/code.hpp"
#include "otp/process.hpp"
#include "otp/rolling_upgrade.hpp"
#include "otp/runtime.hpp"
#include "otp/supervision_walk.hpp"
#include "otp/supervisor.hpp"
#include "otp/sys.hpp"

namespace otp::release {
namespace {

namespace fs = std::filesystem;

// A failed step: the reason the caller gets.
struct step_failed {
  term reason;
};

// One run of a script, in two phases: prepare (up to the point of no return), then commit.
class runner {
 public:
  runner(appup::relup_script script, script_inputs inputs) : script_(std::move(script)), in_(std::move(inputs)) {}
  runner(const runner&) = delete;
  runner& operator=(const runner&) = delete;
  ~runner() { discard_prepared(); }

  // Everything before the point of no return: nothing a process could see changes.
  // (Failures are undone after their catch block: code that may wait for a message — and so let
  // its fiber's thread run other processes — must not run while an exception is being handled.)
  script_outcome prepare() {
    script_outcome outcome;
    std::optional<term> failure;
    try {
      check_old_processes(script_);
      while (next_ < script_.instructions.size() && before_point_of_no_return(script_.instructions[next_]))
        run_one(script_.instructions[next_++]);
    } catch (const step_failed& f) {
      failure = f.reason;
    } catch (const std::exception& e) {  // a sys or code call that failed outright
      failure = exit_reason_of(e);
    }
    if (failure) {
      discard_prepared();
      outcome.ok = false;
      outcome.reason = *failure;
    }
    return outcome;
  }

  script_outcome commit() {
    script_outcome outcome;
    std::optional<term> failure;
    try {
      while (next_ < script_.instructions.size()) run_one(script_.instructions[next_++]);
    } catch (const step_failed& f) {
      failure = f.reason;
    } catch (const std::exception& e) {
      failure = exit_reason_of(e);
    }
    if (failure) {
      outcome.ok = false;
      outcome.reason = *failure;
      if (past_point_of_no_return_) {
        roll_back();
        outcome.rolled_back = true;
      }
      discard_prepared();
      return outcome;
    }
    outcome.modules_changed = loaded_.size() + rolled_.size();
    outcome.processes_migrated = migrated_.size();
    outcome.longest_suspension = longest_suspension_;
    for (const loaded_module& l : loaded_) outcome.unpurged.emplace_back(l.module, l.post_purge);
    // The rolled modules' holds end only now, so that a failure anywhere before could still put
    // every process back on its old version; the old code goes as soon as nobody runs it.
    for (const rolled_module& r : rolled_) {
      code::finish_rolling(r.module);
      outcome.rolled_modules.push_back(r.module);
      if (!code::soft_purge(r.module)) outcome.unpurged.emplace_back(r.module, r.post_purge);
    }
    return outcome;
  }

  void discard_prepared() {
    for (auto& [index, p] : prepared_)
      if (!p.loaded) code::discard_prepared(p.handle);
    prepared_.clear();
  }

 private:
  struct prepared_module {
    term handle;
    std::string vsn;
    fs::path file;
    bool loaded = false;
  };
  struct loaded_module {
    atom module;
    std::optional<fs::path> old_file;  // nullopt: it was not loaded before
    term old_vsn;                      // the vsn it had before (undefined when none)
    appup::purge_method post_purge = appup::purge_method::brutal_purge;
  };
  // A module of a rolling_update: its processes as they moved, to move them back.
  struct rolled_module {
    atom module;
    appup::purge_method post_purge = appup::purge_method::brutal_purge;
    term back_vsn;                 // OldVsn of the code_change that takes a process back
    term extra;                    // and its Extra (the update's)
    bool back_in_held = false;     // whether that code_change runs in the held version
    std::vector<term> migrated;    // in the order they moved
    std::vector<term> old_states;  // each one's state before its code_change ...
    std::vector<term> new_states;  // ... and the one it returned
    std::vector<term> unanswered;  // asked, but gave no answer in time: may move later
  };
  struct stopped_child {
    term supervisor;
    term id;
  };

  static bool before_point_of_no_return(const appup::low_instruction& i) {
    return std::holds_alternative<appup::load_object_code>(i) || std::holds_alternative<appup::apply>(i);
  }

  void run_one(const appup::low_instruction& i) {
    step_processes_.clear();
    std::visit([&](const auto& instruction) { step(instruction); }, i);
    if (in_.on_step) in_.on_step(script_step{&i, step_processes_});
  }

  // release_handler_1's check_old_processes: a soft_purge pre-purge needs no process on old code.
  static void check_old_processes(const appup::relup_script& script) {
    for (const appup::low_instruction& i : script.instructions) {
      std::optional<atom> module;
      if (const auto* l = std::get_if<appup::load>(&i); l && l->pre_purge == appup::purge_method::soft_purge)
        module = l->module;
      if (const auto* rolling = std::get_if<appup::rolling_update>(&i)) {
        for (const appup::rolling_module& m : rolling->modules) {
          if (m.pre_purge != appup::purge_method::soft_purge) continue;
          for (const code::process_on_code& p : code::processes_using(m.module))
            if (p.old) throw step_failed{tuple(atom("old_processes"), m.module, p.pid)};
        }
      } else if (const auto* r = std::get_if<appup::remove>(&i); r && r->pre_purge == appup::purge_method::soft_purge)
        module = r->module;
      if (!module) continue;
      for (const code::process_on_code& p : code::processes_using(*module))
        if (p.old) throw step_failed{tuple(atom("old_processes"), *module, p.pid)};
    }
  }

  void step(const appup::load_object_code& i) {
    for (atom m : i.modules) {
      const std::optional<fs::path> file = in_.module_file ? in_.module_file(m) : std::nullopt;
      std::error_code ec;
      if (!file || !fs::is_regular_file(*file, ec))
        throw step_failed{tuple(atom("no_such_file"), m, binary(file ? file->string() : std::string()))};
      code::prepared_load p = code::prepare_load(m, *file);
      if (!p) throw step_failed{tuple(atom("load_failed"), m, p.result.reason, binary(p.result.message))};
      auto [it, fresh] = prepared_.try_emplace(m.index(), prepared_module{p.handle, p.vsn, *file});
      if (!fresh) {  // the same module named twice: keep the last, as OTP overwrites its record
        code::discard_prepared(it->second.handle);
        it->second = prepared_module{p.handle, p.vsn, *file};
      }
    }
  }

  void step(const appup::point_of_no_return&) { past_point_of_no_return_ = true; }

  void step(const appup::suspend& i) {
    const auto walk = walk_supervision_trees(in_.roots);
    for (const appup::suspend_entry& e : i.modules) {
      const std::vector<term> pids = processes_using_module(walk, e.module);
      const sys::batch b = sys::suspend_all(pids, timeout_of(e.timeout));
      std::vector<term> held, unanswered;
      std::optional<std::size_t> failed;
      for (std::size_t k = 0; k < pids.size(); ++k) {
        if (b.results[k].is_atom(atoms::ok)) {
          held.push_back(pids[k]);
          suspended_at_.emplace(pids[k], b.sent_at[k]);
        } else if (is_process_alive(pids[k])) {  // one that died meanwhile is skipped, as OTP does
          unanswered.push_back(pids[k]);
          if (!failed) failed = k;
        }
      }
      // As OTP's `catch sys:resume`: the late suspend request is followed by a resume, sent now
      // and not awaited.
      if (!unanswered.empty()) sys::resume_all(unanswered, milliseconds(0));
      suspended_.emplace_back(e.module, held);
      step_processes_.insert(step_processes_.end(), held.begin(), held.end());
      if (failed) {
        const term& why = b.results[*failed];
        throw step_failed{tuple(atom("suspend_failed"), pids[*failed], e.module, why.is_tuple(2) ? why[1] : why)};
      }
    }
  }

  void step(const appup::load& i) {
    auto it = prepared_.find(i.module.index());
    if (it == prepared_.end()) throw step_failed{tuple(atom("no_object_code"), i.module)};
    const auto before = code::which(i.module);
    loaded_module record{i.module, std::nullopt, atoms::undefined, i.post_purge};
    if (before && before->current) {
      record.old_file = before->current->file;
      record.old_vsn = binary(before->current->vsn);
    }
    const code::load_result r = code::finish_load(it->second.handle);
    it->second.loaded = true;
    if (!r) throw step_failed{tuple(atom("load_failed"), i.module, r.reason, binary(r.message))};
    loaded_.push_back(std::move(record));
  }

  void step(const appup::code_change& i) {
    for (const appup::code_change_entry& e : i.modules) {
      const std::vector<term>& pids = suspended_of(e.module);
      term old_vsn;
      if (i.mode == appup::change_mode::up) {
        auto v =
            std::find_if(loaded_.begin(), loaded_.end(), [&](const loaded_module& l) { return l.module == e.module; });
        old_vsn = v != loaded_.end() ? v->old_vsn : term(atoms::undefined);
      } else {  // {down, Vsn}: the vsn of the version being returned to
        auto p = prepared_.find(e.module.index());
        old_vsn = tuple(atom("down"), p != prepared_.end() ? term(binary(p->second.vsn)) : term(atoms::undefined));
      }
      for (const term& pid : pids) saved_states_.emplace(pid, sys::get_state(pid, in_.timeout));
      const sys::batch b = sys::change_code_all(pids, e.module, old_vsn, e.extra, in_.timeout);
      std::optional<std::size_t> failed;
      for (std::size_t k = 0; k < pids.size(); ++k) {
        if (b.results[k].is_atom(atoms::ok)) {
          migrated_.push_back(pids[k]);
          step_processes_.push_back(pids[k]);
        } else if (!failed) {
          failed = k;
        }
      }
      if (failed) {
        const term& r = b.results[*failed];
        throw step_failed{
            tuple(atom("code_change_failed"), pids[*failed], e.module, old_vsn, r.is_tuple(2) ? r[1] : r)};
      }
    }
  }

  void step(const appup::resume& i) {
    for (atom m : i.modules) {
      const std::vector<term>& pids = suspended_of(m);
      const sys::batch b = sys::resume_all(pids, in_.timeout);
      for (std::size_t k = 0; k < pids.size(); ++k) {
        auto at = suspended_at_.find(pids[k]);
        if (at != suspended_at_.end() && b.answered_at[k] != std::chrono::steady_clock::time_point::max())
          longest_suspension_ =
              std::max(longest_suspension_,
                       std::chrono::duration_cast<std::chrono::microseconds>(b.answered_at[k] - at->second));
      }
      std::erase_if(suspended_, [&](const auto& s) { return s.first == m; });
    }
  }

  // Each module in turn: its new version becomes current while the old one is held, then each of
  // its processes moves with one code_change of its own (a window of them at a time), the others
  // serving on whichever version they run (otp/rolling_upgrade.hpp).
  void step(const appup::rolling_update& i) {
    const auto walk = walk_supervision_trees(in_.roots);
    for (const appup::rolling_module& m : i.modules) {
      auto it = prepared_.find(m.module.index());
      if (it == prepared_.end()) throw step_failed{tuple(atom("no_object_code"), m.module)};
      const auto before = code::which(m.module);
      const term old_vsn = before && before->current ? term(binary(before->current->vsn)) : term(atoms::undefined);
      const std::vector<term> pids = processes_using_module(walk, m.module);
      // A dynamic module's downgrade runs the newer code's code_change, which is the held one.
      const bool in_held = i.mode == appup::change_mode::down && m.type == appup::mod_type::dynamic;
      const code::load_result began = code::begin_rolling(it->second.handle, in_held);
      it->second.loaded = true;
      if (!began) throw step_failed{tuple(atom("load_failed"), m.module, began.reason, binary(began.message))};
      const bool up = i.mode == appup::change_mode::up;
      const term from = up ? old_vsn : tuple(atom("down"), binary(it->second.vsn));
      // The way back: down to the held version with the newer code's code_change (the current one
      // for a dynamic module, the held one for a static one); after a downgrade, up again with the
      // held (newer) version's.
      rolled_.push_back(rolled_module{m.module,
                                      m.post_purge,
                                      up ? tuple(atom("down"), old_vsn) : binary(it->second.vsn),
                                      m.change.extra,
                                      !up || m.type == appup::mod_type::static_,
                                      {},
                                      {},
                                      {},
                                      {}});
      if (!m.change.advanced) continue;  // soft: each process moves to the new code when the hold ends
      const sys::rolling_batch b =
          sys::rolling_change_code_all(pids, m.module, from, m.change.extra, timeout_of(m.timeout), in_.rolling_window);
      rolled_module& r = rolled_.back();
      std::optional<std::size_t> failed;
      for (std::size_t k = 0; k < pids.size(); ++k) {
        const term& result = b.results[k];
        if (result.is_atom(atoms::ok)) {
          r.migrated.push_back(pids[k]);
          r.old_states.push_back(b.old_states[k]);
          r.new_states.push_back(b.new_states[k]);
          migrated_.push_back(pids[k]);
          step_processes_.push_back(pids[k]);
          longest_suspension_ = std::max(longest_suspension_, b.pauses[k]);
          continue;
        }
        if (result == tuple(atoms::error, atom("not_asked"))) continue;
        if (result == tuple(atoms::error, atoms::timeout)) r.unanswered.push_back(pids[k]);
        if (!is_process_alive(pids[k])) continue;  // one that died meanwhile is skipped, as suspend does
        if (!failed) failed = k;
      }
      if (failed) {
        const term& why = b.results[*failed];
        throw step_failed{
            tuple(atom("code_change_failed"), pids[*failed], m.module, from, why.is_tuple(2) ? why[1] : why)};
      }
    }
  }

  void step(const appup::purge& i) {
    for (atom m : i.modules) code::purge(m);
  }

  void step(const appup::remove& i) {
    code::purge(i.module);
    code::delete_module(i.module);
  }

  // release_handler_1: terminate_child for each supervised child of the modules (roots excluded).
  void step(const appup::stop& i) {
    const auto walk = walk_supervision_trees(in_.roots);
    for (atom m : i.modules)
      for (const supervised_process& p : walk) {
        if (p.supervisor.is_nil() || std::find(p.modules.begin(), p.modules.end(), m) == p.modules.end()) continue;
        const term r = supervisor::terminate_child(p.supervisor, p.id);
        if (!r.is_atom(atoms::ok)) throw step_failed{tuple(atom("stop_failed"), p.pid, m, r)};
        stopped_.push_back({p.supervisor, p.id});
        step_processes_.push_back(p.pid);
      }
  }

  void step(const appup::start&) {
    for (const stopped_child& c : stopped_) {
      const term r = supervisor::restart_child(c.supervisor, c.id);
      if (!(r.is_tuple() && r.size() >= 2 && r[0].is_atom(atoms::ok)))
        throw step_failed{tuple(atom("start_failed"), c.supervisor, c.id, r)};
    }
    stopped_.clear();
  }

  void step(const appup::apply& i) {
    const term mfa = tuple(i.module, i.function, static_cast<std::int64_t>(i.args.size()));
    if (!in_.apply) throw step_failed{tuple(atom("unsupported_apply"), mfa)};
    try {
      in_.apply(i);
    } catch (const std::exception& e) {
      throw step_failed{tuple(atom("apply_failed"), mfa, exit_reason_of(e))};
    }
  }

  template <class Other>
  void step(const Other& i) {
    throw step_failed{
        tuple(atom("unsupported_instruction"), atom(std::string(appup::name_of(appup::low_instruction(i)))))};
  }

  std::chrono::milliseconds timeout_of(const appup::timeout_spec& t) const {
    if (t.k == appup::timeout_spec::kind::milliseconds) return std::chrono::milliseconds(t.ms);
    if (t.k == appup::timeout_spec::kind::infinity) return infinity;
    return in_.timeout;
  }

  const std::vector<term>& suspended_of(atom m) const {
    static const std::vector<term> none;
    for (const auto& [module, pids] : suspended_)
      if (module == m) return pids;
    return none;
  }

  // Everything back as it was: old states (each after its process's code_change has returned, so
  // nobody runs the new code when it is purged), old versions, stopped children, everyone resumed.
  void roll_back() {
    // Rolled modules, last first: each migrated process back to its old state on the held version,
    // in the reverse order of their moves, then the held version current again and the rolled one
    // purged. A process that never answered its code_change in time is killed with the rolled code
    // and restarted by its supervisor on the old version.
    for (auto r = rolled_.rbegin(); r != rolled_.rend(); ++r) {
      const std::vector<term> pids(r->migrated.rbegin(), r->migrated.rend());
      const std::vector<term> before(r->old_states.rbegin(), r->old_states.rend());
      const std::vector<term> after(r->new_states.rbegin(), r->new_states.rend());
      code::set_rolling_code_change_in_held(r->module, r->back_in_held);
      const std::vector<term> back =
          sys::rolling_revert_all(pids, before, after, r->back_vsn, r->extra, 2 * in_.timeout);
      for (std::size_t k = 0; k < pids.size(); ++k)  // could not be taken back: its state is the new code's
        if (!back[k].is_atom(atoms::ok)) r->unanswered.push_back(pids[k]);
      code::abort_rolling(r->module);
      // Killed once the old version is current again, so that its supervisor restarts it there.
      for (const term& pid : r->unanswered) otp::exit(pid, atoms::kill);
      code::purge(r->module);
    }
    rolled_.clear();
    for (const auto& [pid, state] : saved_states_) {
      try {
        sys::replace_state(
            pid, [state = state](const term&) { return state; }, 2 * in_.timeout);
      } catch (const std::exception&) {
        // Gone, or still in its code_change after twice the timeout: the purge below kills it and
        // its supervisor restarts it on the old version.
      }
    }
    for (auto it = loaded_.rbegin(); it != loaded_.rend(); ++it) {
      if (it->old_file) {
        code::load(*it->old_file);  // purge first: the failed version becomes old ...
        code::purge(it->module);    // ... and goes
      } else {
        code::purge(it->module);
        code::delete_module(it->module);
        code::purge(it->module);
      }
    }
    for (const stopped_child& c : stopped_) supervisor::restart_child(c.supervisor, c.id);
    for (const auto& [module, pids] : suspended_) sys::resume_all(pids, in_.timeout);
    suspended_.clear();
  }

  const appup::relup_script script_;
  const script_inputs in_;
  std::size_t next_ = 0;  // the next instruction to run
  bool past_point_of_no_return_ = false;
  std::map<std::uint32_t, prepared_module> prepared_;  // by module atom index
  std::vector<std::pair<atom, std::vector<term>>> suspended_;
  std::vector<loaded_module> loaded_;
  std::vector<rolled_module> rolled_;
  std::vector<stopped_child> stopped_;
  std::unordered_map<term, term, term_hash> saved_states_;  // pid -> state before its code_change
  std::vector<term> migrated_;
  // When each suspended process's suspend request left, and the longest time from there to its
  // resume's answer so far.
  std::unordered_map<term, std::chrono::steady_clock::time_point, term_hash> suspended_at_;
  std::chrono::microseconds longest_suspension_{0};
  std::vector<term> step_processes_;
};

}  // namespace

script_outcome run_script(const appup::relup_script& script, const script_inputs& inputs) {
  if (!in_process()) return runtime::current().run([&] { return run_script(script, inputs); });
  prepared_script p = prepared_script::prepare(script, inputs);
  return p.ok() ? p.commit() : p.failure();
}

struct prepared_script::state {
  state(appup::relup_script script, script_inputs inputs) : run(std::move(script), std::move(inputs)) {}
  runner run;
  script_outcome failure;
  bool finished = false;
};

prepared_script::prepared_script(std::unique_ptr<state> s) : state_(std::move(s)) {}
prepared_script::prepared_script(prepared_script&&) noexcept = default;
prepared_script& prepared_script::operator=(prepared_script&&) noexcept = default;
prepared_script::~prepared_script() = default;  // the runner discards what it prepared

prepared_script prepared_script::prepare(appup::relup_script script, script_inputs inputs) {
  auto s = std::make_unique<state>(std::move(script), std::move(inputs));
  s->failure = s->run.prepare();
  s->finished = !s->failure.ok;
  return prepared_script(std::move(s));
}

bool prepared_script::ok() const { return state_ && state_->failure.ok; }
const script_outcome& prepared_script::failure() const { return state_->failure; }

script_outcome prepared_script::commit() {
  if (!state_ || state_->finished) throw std::logic_error("prepared_script::commit: not prepared, or already done");
  state_->finished = true;
  return state_->run.commit();
}

void prepared_script::abort() {
  if (!state_) return;
  state_->finished = true;
  state_->run.discard_prepared();
}

}  // namespace otp::release
