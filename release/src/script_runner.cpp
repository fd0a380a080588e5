#include "otp/script_runner.hpp"

#include <algorithm>
#include <map>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <unordered_map>
#include <variant>

#include "otp/code.hpp"
#include "otp/process.hpp"
#include "otp/runtime.hpp"
#include "otp/supervision_walk.hpp"
#include "otp/sys.hpp"

namespace otp::release {
namespace {

namespace fs = std::filesystem;

// A failed step: the reason the caller gets.
struct step_failed {
  term reason;
};

// The vsn in a module file's name (<m>-<vsn>.so), or undefined.
term vsn_in_file_name(atom module, const fs::path& file) {
  const std::string stem = file.stem().string();
  const std::string prefix = std::string(module.text()) + "-";
  if (stem.size() > prefix.size() && stem.compare(0, prefix.size(), prefix) == 0)
    return binary(stem.substr(prefix.size()));
  return atom("undefined");
}

class runner {
 public:
  explicit runner(const script_inputs& inputs) : in_(inputs) {}

  script_outcome run(const appup::relup_script& script) {
    script_outcome outcome;
    try {
      for (const appup::low_instruction& i : script.instructions)
        std::visit([&](const auto& instruction) { step(instruction); }, i);
    } catch (const step_failed& failure) {
      outcome.ok = false;
      outcome.reason = failure.reason;
      if (past_point_of_no_return_) {
        roll_back();
        outcome.rolled_back = true;
      }
      return outcome;
    }
    outcome.modules_changed = loaded_.size();
    outcome.processes_migrated = migrated_.size();
    return outcome;
  }

 private:
  struct loaded_module {
    atom module;
    std::optional<fs::path> old_file;  // nullopt: it was not loaded before
    term old_vsn;                      // the vsn it had before (undefined when none)
  };

  void step(const appup::load_object_code& i) {
    for (atom m : i.modules) {
      std::optional<fs::path> file = in_.module_file ? in_.module_file(m) : std::nullopt;
      std::error_code ec;
      if (!file || !fs::is_regular_file(*file, ec))
        throw step_failed{tuple(atom("no_such_file"), m, binary(file ? file->string() : std::string()))};
      files_[m.index()] = *file;
    }
  }

  void step(const appup::point_of_no_return&) { past_point_of_no_return_ = true; }

  void step(const appup::suspend& i) {
    const auto walk = walk_supervision_trees(in_.roots);
    for (const appup::suspend_entry& e : i.modules) {
      const std::vector<term> pids = processes_using_module(walk, e.module);
      const sys::batch b = sys::suspend_all(pids, in_.timeout);
      std::vector<term> held, failed;
      for (std::size_t k = 0; k < pids.size(); ++k)
        (b.results[k].is_atom(atom("ok")) ? held : failed).push_back(pids[k]);
      if (!failed.empty()) sys::resume_all(failed, in_.timeout);  // as OTP: catch sys:resume, skip it
      suspended_.emplace_back(e.module, std::move(held));
    }
  }

  void step(const appup::load& i) {
    auto it = files_.find(i.module.index());
    if (it == files_.end()) throw step_failed{tuple(atom("no_object_code"), i.module)};
    const auto before = code::which(i.module);
    loaded_module record{i.module, std::nullopt, atom("undefined")};
    if (before && before->current) {
      record.old_file = before->current->file;
      record.old_vsn = binary(before->current->vsn);
    }
    const code::load_result r = code::load(it->second);
    if (!r) throw step_failed{tuple(atom("load_failed"), i.module, r.to_term()[1], binary(r.message))};
    loaded_.push_back(std::move(record));
  }

  void step(const appup::code_change& i) {
    for (const appup::code_change_entry& e : i.modules) {
      const std::vector<term>& pids = suspended_of(e.module);
      term old_vsn;
      if (i.mode == appup::change_mode::up) {
        auto v =
            std::find_if(loaded_.begin(), loaded_.end(), [&](const loaded_module& l) { return l.module == e.module; });
        old_vsn = v != loaded_.end() ? v->old_vsn : term(atom("undefined"));
      } else {
        auto f = files_.find(e.module.index());
        old_vsn =
            tuple(atom("down"), f != files_.end() ? vsn_in_file_name(e.module, f->second) : term(atom("undefined")));
      }
      for (const term& pid : pids) saved_states_.emplace(pid, sys::get_state(pid, in_.timeout));
      const sys::batch b = sys::change_code_all(pids, e.module, old_vsn, e.extra, in_.timeout);
      for (std::size_t k = 0; k < pids.size(); ++k) {
        if (b.results[k].is_atom(atom("ok"))) {
          migrated_.push_back(pids[k]);
          continue;
        }
        const term why = b.results[k].is_tuple(2) ? b.results[k][1] : b.results[k];
        throw step_failed{tuple(atom("code_change_failed"), pids[k], e.module, old_vsn, why)};
      }
    }
  }

  void step(const appup::resume& i) {
    for (atom m : i.modules) {
      sys::resume_all(suspended_of(m), in_.timeout);
      std::erase_if(suspended_, [&](const auto& s) { return s.first == m; });
    }
  }

  void step(const appup::purge& i) {
    for (atom m : i.modules) code::purge(m);
  }

  void step(const appup::remove& i) {
    code::purge(i.module);
    code::delete_module(i.module);
  }

  template <class Other>
  void step(const Other&) {
    throw step_failed{tuple(atom("unsupported_instruction"), binary(typeid(Other).name()))};
  }

  const std::vector<term>& suspended_of(atom m) const {
    static const std::vector<term> none;
    for (const auto& [module, pids] : suspended_)
      if (module == m) return pids;
    return none;
  }

  // Everything back as it was: old states, old versions, everyone resumed.
  void roll_back() {
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
    for (const term& pid : migrated_) {
      auto saved = saved_states_.find(pid);
      if (saved != saved_states_.end()) sys::replace_state(pid, [state = saved->second](const term&) { return state; });
    }
    for (const auto& [module, pids] : suspended_) sys::resume_all(pids, in_.timeout);
    suspended_.clear();
  }

  const script_inputs& in_;
  bool past_point_of_no_return_ = false;
  std::map<std::uint32_t, fs::path> files_;  // by module atom index
  std::vector<std::pair<atom, std::vector<term>>> suspended_;
  std::vector<loaded_module> loaded_;
  std::unordered_map<term, term, term_hash> saved_states_;  // pid -> state before its code_change
  std::vector<term> migrated_;
};

}  // namespace

script_outcome run_script(const appup::relup_script& script, const script_inputs& inputs) {
  if (!in_process()) return runtime::current().run([&] { return run_script(script, inputs); });
  return runner(inputs).run(script);
}

}  // namespace otp::release
