// otp::release script_runner — runs a relup's low-level script on this node, transactionally.
//
// OTP's low-level appup instructions, as release_handler_1 runs them:
//   - before anything runs, every `load`/`remove` whose pre-purge is soft_purge is checked: a
//     process still running old code of that module fails the script with {old_processes, M}
//     and nothing changes (release_handler_1's check_old_processes);
//   - load_object_code opens every new module version without making it current (a missing file
//     or one that does not load fails here, before the point of no return, and changes nothing);
//   - suspend finds each module's processes through the supervision trees (a `dynamic` child is
//     asked which module it runs) and suspends them in one batch; a process that died meanwhile is
//     skipped, as OTP does, but one that does not answer in time fails the script (OTP skips it);
//   - load makes the prepared version current (the old one stays old until purged); code_change
//     calls each suspended process's code_change (OldVsn on up, {down, Vsn} on down);
//   - rolling_update (otp-cpp's, docs/appup.md "Rolling updates"): for each module in turn, the new
//     version becomes current while the old one is held, then each process found through the
//     supervision trees is migrated by its own code_change (one system message: the others keep
//     serving, on the old version until their turn); the holds end, and the old code is soft-purged,
//     once the whole script has succeeded;
//   - resume, purge, remove do what they say; stop / start terminate and restart the supervised
//     children of the modules (top supervisors excluded); apply calls `inputs.apply` (the release
//     handler's application start/stop), refused when none is given.
//
// Going beyond OTP (docs/release-handler.md): when any step fails, every process that had a
// code_change request gets its old state back (once its code_change has returned: a code_change
// that timed out is given twice the timeout more, then killed with its process, which its
// supervisor restarts on the old version), every process a rolling_update migrated goes back to the
// old version, in the reverse order of their moves, with its old state (or, if it handled messages
// since, its state turned back by the downgrade's code_change), every module this run loaded gets its
// old version back
// (the new one is purged), stopped children are restarted, every suspended process is resumed, and
// the node keeps running the old release — no restart. Processes are only ever suspended, never
// restarted, so no message sent to them is lost or reordered. sync_nodes and the emulator restarts
// are refused.
//
// The reason of a failure names the step, the module, the process and the cause, e.g.
// {code_change_failed, Pid, Module, OldVsn, Reason} or {suspend_failed, Pid, Module, timeout}.
//
// Thread-safety: call from one place at a time (the release handler); any thread or process
// (prepared_script: from inside a process).
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "otp/relup.hpp"
#include "otp/term.hpp"

namespace otp::release {

// One instruction done, for progress reports and for tests that observe the order of things.
struct script_step {
  const appup::low_instruction* instruction = nullptr;
  std::vector<term> processes;  // suspend: those suspended; code_change: those migrated
};

struct script_inputs {
  // Where the new version of a module is (load_object_code); nullopt when the release lacks it.
  std::function<std::optional<std::filesystem::path>(atom module)> module_file;
  // The top supervisors whose trees are searched for each module's processes.
  std::vector<term> roots;
  std::chrono::milliseconds timeout{5000};  // each batch of sys requests, unless the suspend sets one
  // Runs an {apply, {M, F, A}} instruction: returns normally for success, throws
  // otp::exit_exception (or any exception) for failure. Unset: apply is refused.
  std::function<void(const appup::apply&)> apply;
  // Called after each instruction.
  std::function<void(const script_step&)> on_step;
  // How many processes of a rolling_update are asked at once (each still pauses only for its own
  // code_change; more in flight means a shorter total time).
  std::size_t rolling_window = 256;
};

struct script_outcome {
  bool ok = true;
  term reason;  // on failure, e.g. {code_change_failed, Pid, Module, OldVsn, Reason}
  bool rolled_back = false;
  std::size_t modules_changed = 0;
  std::size_t processes_migrated = 0;
  // The longest pause of any process: for OTP's order, from its suspend request to its resume's
  // answer; for a rolling update, the time it spent on its code_change request.
  std::chrono::microseconds longest_suspension{0};
  // The modules migrated by rolling_update, in order.
  std::vector<atom> rolled_modules{};
  // Modules loaded by the run with their post-purge method, for the release handler's
  // make_permanent (brutal) or later soft purges (soft).
  std::vector<std::pair<atom, appup::purge_method>> unpurged;
};

script_outcome run_script(const appup::relup_script& script, const script_inputs& inputs);

// The same run in two phases, for an install coordinated across nodes: `prepare` does everything
// before the point of no return (the soft_purge checks, load_object_code, applies) and changes
// nothing a process could see; `commit` runs the rest, transactionally as run_script. A prepared
// script that is not committed is aborted (its prepared module versions are discarded) by `abort`
// or its destructor. Move-only; use it from one process (the release handler).
class prepared_script {
 public:
  static prepared_script prepare(appup::relup_script script, script_inputs inputs);
  prepared_script(prepared_script&&) noexcept;
  prepared_script& operator=(prepared_script&&) noexcept;
  ~prepared_script();

  // False when the preparation failed; `failure` then says why (nothing was changed).
  bool ok() const;
  const script_outcome& failure() const;
  script_outcome commit();
  void abort();

 private:
  struct state;
  explicit prepared_script(std::unique_ptr<state> s);
  std::unique_ptr<state> state_;
};

}  // namespace otp::release
