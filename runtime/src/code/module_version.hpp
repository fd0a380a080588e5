// module_version — one loaded version of a module, the slot naming a module's current version, and
// the pin by which a process runs a version (private to the runtime).
//
// Ownership: the code server's table owns every module_version (current and old). Destroying one
// destroys the objects its code made, then closes its library. A slot exists once per module name
// for the life of the OS process; its `current` is written only by the code server.
//
// Safety of removal (hazard pointers): a process publishes the version it is about to run in its
// control block (code_in_use), then checks that the slot still names it (as current, or as held).
// The code server only removes a version that is neither current nor held, after scanning every
// process's code_in_use (seq_cst on both sides), so no process can be inside code that gets
// unmapped.
//
// Rolling upgrades (otp/rolling_upgrade.hpp): while a slot `held` a version, a process whose state
// belongs to a version older than the current one (its control block's code_seq is below the
// current version's seq) keeps running the held version; a process moves to the current version
// when its code_change there succeeds (code_seq := current seq). Every install gives the version a
// seq higher than any before it in the slot; a process records the seq of the version whose state
// it holds at init and at each code_change.
#pragma once

#include <atomic>
#include <boost/dll/shared_library.hpp>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "otp/atom.hpp"
#include "otp/gen_server.hpp"
#include "otp/module.hpp"
#include "processes/process_control_block.hpp"

namespace otp::detail {

class process_control_block;

class module_version {
 public:
  module_version(atom name, const module::descriptor& d, std::filesystem::path file, std::filesystem::path copy,
                 boost::dll::shared_library library, std::shared_ptr<gen_server::behaviour> server);
  ~module_version();
  module_version(const module_version&) = delete;
  module_version& operator=(const module_version&) = delete;

  atom name() const noexcept { return name_; }
  const std::string& vsn() const noexcept { return vsn_; }
  module::kind kind() const noexcept { return kind_; }
  const std::filesystem::path& file() const noexcept { return file_; }
  const std::filesystem::path& copy() const noexcept { return copy_; }
  // gen_server modules: the callbacks of this version.
  gen_server::behaviour& server() const noexcept { return *server_; }
  // process modules: this version's loop.
  module::next (*loop() const noexcept)(const term&) { return loop_; }
  // The order of installs in the slot (0 before the first install); set by the code server before
  // the version is published, read by the processes through the slot's atomics.
  std::uint64_t seq() const noexcept { return seq_; }
  void set_seq(std::uint64_t seq) noexcept { seq_ = seq; }

 private:
  atom name_;
  std::string vsn_;
  module::kind kind_;
  std::filesystem::path file_;
  std::filesystem::path copy_;
  module::next (*loop_)(const term&);
  std::uint64_t seq_ = 0;
  boost::dll::shared_library library_;  // declared before server_: closed after it is destroyed
  std::shared_ptr<gen_server::behaviour> server_;
};

struct module_slot {
  explicit module_slot(atom n) : name(n) {}
  const atom name;
  std::atomic<module_version*> current{nullptr};
  std::atomic<module::kind> kind{module::kind::gen_server};  // the current version's (0 before any load)
  // During a rolling upgrade: the version processes not yet migrated keep running; else null.
  // Stored before `current` when a rolling upgrade begins, cleared after it when it ends.
  std::atomic<module_version*> held{nullptr};
  // During a rolling upgrade: a process's code_change runs in the held version (a dynamic module's
  // downgrade: the newer code knows both states) rather than in the current one.
  std::atomic<bool> code_change_in_held{false};
  // The seq of the last install (written by the code server only).
  std::uint64_t installs = 0;
};

// The slot of `name`, created on first use; never freed.
module_slot& slot_of(atom name);

// While it lives, the calling process runs a version of the slot (or none: `version()` is null when
// the module has no current code). Restores what the process ran before. `follow` picks the
// version the process runs (the held one while it is not migrated, else the current one);
// `current` and `held` pick that version whatever the process's code_seq (`held` falls back to
// current when nothing is held). `current_seq()` is the seq of the current version seen.
enum class pin_choice : std::uint8_t { follow, current, held };
class code_pin {
 public:
  explicit code_pin(module_slot& slot, pin_choice choice = pin_choice::follow);
  ~code_pin();
  code_pin(const code_pin&) = delete;
  code_pin& operator=(const code_pin&) = delete;

  module_version* version() const noexcept { return version_; }
  std::uint64_t current_seq() const noexcept { return current_seq_; }
  // True when the pinned version is the held one of a rolling upgrade.
  bool on_held() const noexcept { return on_held_; }

 private:
  process_control_block* process_;
  const void* previous_;
  module_version* version_;
  std::uint64_t current_seq_ = 0;
  bool on_held_ = false;
};

// Erlang's undef for a module without current code: {undef, [{Module, Function, Arity, []}]}.
[[noreturn]] void throw_undef(atom module, atom function, int arity);

// Runs module code; whatever it throws leaves as an exit_exception made here, in runtime code, with
// the reason Erlang would give, so no exception object of module code (its vtable, its destructor)
// outlives the pin around this call.
template <class Fn>
auto run_module_code(Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const forced_exit&) {
    throw;
  } catch (const exit_exception& e) {
    throw exit_exception(e.reason());
  } catch (const std::exception& e) {
    throw exit_exception(exit_reason_of(e));
  } catch (...) {
    throw exit_exception(exit_reason_of_current_exception());
  }
}

}  // namespace otp::detail
