// otp::code — the code server: hot-loadable modules with two versions (docs/code.md).
//
// A module has at most two versions loaded: current and old. Loading makes current old; new
// dispatches (gen_server callbacks, spawns, a plain process's in_current_version switch) go to
// current. These functions follow Erlang's `code` module:
//   load_file / load_abs   refuse with not_purged while old code exists (they never purge);
//   load                   purges first, then loads (c:l/1, nl/1 and the release handler);
//   soft_purge             removes old code only when no process runs it;
//   purge                  kills the processes running old code, then removes it;
//   delete_module          current becomes old (no current left).
// A process "runs" a version while it executes that version's code: a plain process for the whole
// time it loops in it, a gen_server while one of its callbacks runs (Erlang's check_process_code).
//
// Loading copies the file to a private unique path and opens it RTLD_LOCAL | RTLD_NOW, so a file
// rebuilt at the same path loads as new code; removing a version closes the library, and it leaves
// /proc/self/maps (all_loaded reports a version whose library stays mapped as pinned). A failed load
// (missing file, not a module, no descriptor, another runtime ABI, a name that does not match the
// file, an on_load or initialisation that throws) changes nothing and says which file and why.
//
// Operations are serialised by the code server process (registered as `code_server`, started on
// first use). Thread-safety: every function may be called from any thread or process.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "otp/gen_server.hpp"
#include "otp/process.hpp"
#include "otp/term.hpp"

namespace otp::code {

// The outcome of a load: the module's name, or why nothing was loaded.
struct load_result {
  std::optional<atom> module;  // set on success
  // On failure one of: nofile, badfile (not a module, no descriptor, wrong name), abi_mismatch,
  // on_load_failure, not_purged, purge_failed.
  atom reason = atoms::undefined;
  std::string message;  // on failure: "<file>: <cause>"

  explicit operator bool() const noexcept { return module.has_value(); }
  // {module, Name} or {error, Reason}, as Erlang's code functions answer.
  term to_term() const;
};

// code:load_abs: loads the module file at `file` (its name comes from the file's descriptor).
load_result load_abs(const std::filesystem::path& file);
// code:load_file: finds `module` in the code path and loads it.
load_result load_file(atom module);
// c:l/1: purge, then load_file. With `file`, loads that file after the purge (release handler, nl).
load_result load(atom module);
load_result load(const std::filesystem::path& file);
// code:load_binary for nl/1: writes `bytes` to `file` (replacing it with a rename), then purges
// and loads it.
load_result load_binary(atom module, const std::filesystem::path& file, const std::string& bytes);

// erlang:prepare_loading / finish_loading, for the release handler: prepare_load opens a module
// file with every check of a load (on_load runs) but makes nothing current, so a script can find a
// bad file before its point of no return; finish_load then purges the old code and makes the
// prepared version current; discard_prepared closes a prepared version never finished. A prepared
// version belongs to the code server until finished or discarded.
struct prepared_load {
  term handle;      // for finish_load / discard_prepared; undefined when the file did not load
  std::string vsn;  // the prepared version's vsn
  load_result result;
  explicit operator bool() const noexcept { return static_cast<bool>(result); }
};
prepared_load prepare_load(atom module, const std::filesystem::path& file);
load_result finish_load(const term& handle);
void discard_prepared(const term& handle);

// The directories load_file searches, in order. In each it looks for <module>.so, then for
// <module>-<vsn>.so, taking the highest vsn when several are there.
void set_path(std::vector<std::filesystem::path> directories);
void add_path(const std::filesystem::path& directory);  // appended
std::vector<std::filesystem::path> get_path();
// The file load_file would load for `module`, or nullopt.
std::optional<std::filesystem::path> find_in_path(atom module);

bool soft_purge(atom module);
// True only when a process was killed (as Erlang's code:purge).
bool purge(atom module);
// False when old code still exists or the module is not loaded.
bool delete_module(atom module);
bool is_loaded(atom module);
// erlang:check_old_code/1.
bool check_old_code(atom module);

struct version_info {
  std::string vsn;
  std::filesystem::path file;         // the file it was loaded from
  std::filesystem::path loaded_copy;  // the private copy actually opened (already unlinked)
};

struct module_info {
  atom name;
  std::string behaviour;  // gen_server or process
  std::optional<version_info> current;
  std::optional<version_info> old;
};
std::vector<module_info> all_loaded();
std::optional<module_info> which(atom module);

// A process using `module`, and which version it runs now.
struct process_on_code {
  term pid;
  std::string vsn;
  bool old = false;
};
// gen_servers of the module and plain processes looping in it.
std::vector<process_on_code> processes_using(atom module);

// Starting a module's processes. A module not loaded yet is loaded from the code path first.
// gen_server modules: gen_server:start(_link) with the module's current version as callbacks;
// {error, {undef, Module}} when it cannot be loaded or is not a gen_server module.
term start_server(atom module, term args, gen_server::start_options options = {});
// Plain process modules: spawn(Module, loop, [Args]); throws badarg when it cannot be loaded.
term spawn(atom module, term args, spawn_options options = {});
// What a supervisor calls: {ok, Pid} for either kind (linked to the caller), or {error, Reason}.
term start_link(atom module, term args);

}  // namespace otp::code
