// otp rolling upgrades — a module's gen_servers moved to a new version one at a time.
//
// In OTP's order every process of a changed module is suspended, the code loaded, every process
// migrated and every process resumed, so each waits for all the others. In a rolling upgrade the
// new version becomes current at once while the version it replaces is *held*: every process of
// the module that existed before keeps running the held version, with its state, until its own
// code_change has run; only then does it run the new version. Each process pauses for exactly one
// system message (its own code_change) and serves on its old version before and on the new one
// after. Processes started during the upgrade start on the new version.
//
//   1. code::begin_rolling(prepared)   the prepared version (code::prepare_load) becomes current,
//                                      the one it replaces is held (old code is purged first);
//   2. sys::rolling_change_code_all    each process's code_change, one system message each; the
//                                      reply carries its state from before, to undo it;
//   3. code::finish_rolling(module)    ends the hold: the old version is ordinary old code, which a
//                                      soft purge removes now that no process runs it.
// To undo it instead: sys::rolling_revert_all puts each migrated process back on the held version
// (one system message each, in the order given) with its state from before the migration if it
// handled nothing since, else with the state it has now turned back by code_change (old vsn and
// extra given, in the version code::set_rolling_code_change_in_held names), so that no message it
// handled since is lost; then code::abort_rolling(module) makes the held version current again and
// the rolled one old (purge it).
//
// In between, two processes of the module may run different versions: a message from a migrated
// process to one not yet migrated is handled by the old code, as between two modules of
// different versions.
//
// Which version code_change runs in: the new (current) one, except when `code_change_in_held` is
// set at begin_rolling — a dynamic module's downgrade, where the newer code (the held one) turns
// its state back. Either way a process that changed runs the current version afterwards.
//
// Ownership and thread-safety: the code server owns both versions; only one rolling upgrade per
// module at a time (begin_rolling refuses a second). The sys functions may be called from any
// process (outside one they run in a temporary process), like otp/sys.hpp's.
#pragma once

#include <chrono>
#include <vector>

#include "otp/code.hpp"
#include "otp/process.hpp"
#include "otp/sys.hpp"
#include "otp/term.hpp"

namespace otp::code {

// Makes a prepared version of a loaded gen_server module current while holding the one it
// replaces. Fails (changing nothing) when the module is not loaded, is not a gen_server module,
// is already being rolled, or its old code cannot be purged.
load_result begin_rolling(const term& prepared_handle, bool code_change_in_held = false);
// Ends the hold; the held version stays as old code until purged.
void finish_rolling(atom module);
// Where the module's processes run code_change from now on in this rolling upgrade: in the held
// version or in the current one (begin_rolling's choice, changed for a rollback's way back).
void set_rolling_code_change_in_held(atom module, bool in_held);
// The held version becomes current again, the rolled one old. False when no rolling upgrade of
// the module is under way.
bool abort_rolling(atom module);

}  // namespace otp::code

namespace otp::sys {

// What a rolling batch gives back per process, in the order of the processes.
struct rolling_batch {
  // ok, or {error, Reason}: its code_change failed ({error, R} as change_code), it did not answer
  // in time (timeout), was not there (noproc) or died (its reason).
  std::vector<term> results;
  // The state each process had before its code_change, and the one it returned (meaningful where
  // the result is ok).
  std::vector<term> old_states;
  std::vector<term> new_states;
  // How long each process spent on the request, measured inside it: the whole time it handled
  // nothing else (zero where no answer came).
  std::vector<std::chrono::microseconds> pauses;
  bool all_ok() const;
};

// code_change(OldVsn, State, Extra) in each process, as one system message each, whether or not it
// is suspended. At most `window` requests are in flight at once, so the processes migrate a few
// at a time and the rest keep serving; a window with a failure ends the batch (later processes are
// not asked: their result is {error, not_asked}). `timeout` bounds each window.
rolling_batch rolling_change_code_all(const std::vector<term>& processes, atom module, const term& old_vsn,
                                      const term& extra, milliseconds timeout = default_timeout,
                                      std::size_t window = 256);

// Puts each process back on the held version, one after the other, in the order given: with
// old_states[k] if its state is still new_states[k], else with its state turned back by
// code_change(back_vsn, State, extra). ok or {error, Reason} per process (its state is then
// unchanged and it stays on the new version). A process busy in a late code_change answers once
// that has returned, within `timeout` each.
std::vector<term> rolling_revert_all(const std::vector<term>& processes, const std::vector<term>& old_states,
                                     const std::vector<term>& new_states, const term& back_vsn, const term& extra,
                                     milliseconds timeout = default_timeout);

}  // namespace otp::sys
