// otp::release script_runner — runs a relup's low-level script on this node, transactionally.
//
// The instructions of otp-reference §5.3, as release_handler_1 runs them: load_object_code checks
// that each new module file is there (before the point of no return, so a missing file changes
// nothing); suspend finds the processes of each module through the supervision trees (a process
// that does not answer is resumed and skipped) and suspends them in one batch; load loads the new
// version with purge first; code_change calls each suspended process's code_change (OldVsn on up,
// {down, Vsn} on down); resume, purge and remove do what they say.
//
// Going beyond OTP (DESIGN D6): if a load or a code_change fails, every process already migrated
// gets its old state back, every module loaded by this run gets its old version back (the new one
// is purged), every suspended process is resumed, and the node keeps running the old release — no
// restart. stop, start, apply, sync_nodes and the emulator restarts are refused for now.
// Thread-safety: call from one place at a time (the release handler); any thread or process.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <vector>

#include "otp/relup.hpp"
#include "otp/term.hpp"

namespace otp::release {

struct script_inputs {
  // Where the new version of a module is (load_object_code); nullopt when the release lacks it.
  std::function<std::optional<std::filesystem::path>(atom module)> module_file;
  // The top supervisors whose trees are searched for each module's processes.
  std::vector<term> roots;
  std::chrono::milliseconds timeout{5000};  // each batch of sys requests
};

struct script_outcome {
  bool ok = true;
  term reason;  // on failure, e.g. {code_change_failed, Pid, Module, OldVsn, Reason}
  bool rolled_back = false;
  std::size_t modules_changed = 0;
  std::size_t processes_migrated = 0;
};

script_outcome run_script(const appup::relup_script& script, const script_inputs& inputs);

}  // namespace otp::release
