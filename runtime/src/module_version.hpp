// module_version — one loaded version of a module, the slot naming a module's current version, and
// the pin by which a process runs a version (private to the runtime).
//
// Ownership: the code server's table owns every module_version (current and old). Destroying one
// destroys the objects its code made, then closes its library. A slot exists once per module name
// for the life of the OS process; its `current` is written only by the code server.
//
// Safety of removal (hazard pointers): a process publishes the version it is about to run in its
// control block (code_in_use), then checks that the version is still the slot's current one. The
// code server only removes a version that is no longer current, after scanning every process's
// code_in_use (seq_cst on both sides), so no process can be inside code that gets unmapped.
#pragma once

#include <atomic>
#include <boost/dll/shared_library.hpp>
#include <filesystem>
#include <memory>
#include <string>

#include "otp/atom.hpp"
#include "otp/gen_server.hpp"
#include "otp/module.hpp"
#include "process_control_block.hpp"

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

 private:
  atom name_;
  std::string vsn_;
  module::kind kind_;
  std::filesystem::path file_;
  std::filesystem::path copy_;
  module::next (*loop_)(const term&);
  boost::dll::shared_library library_;  // declared before server_: closed after it is destroyed
  std::shared_ptr<gen_server::behaviour> server_;
};

struct module_slot {
  explicit module_slot(atom n) : name(n) {}
  const atom name;
  std::atomic<module_version*> current{nullptr};
  std::atomic<module::kind> kind{module::kind::gen_server};  // the current version's (0 before any load)
};

// The slot of `name`, created on first use; never freed.
module_slot& slot_of(atom name);

// While it lives, the calling process runs the slot's current version (or none: `version()` is
// null when the module has no current code). Restores what the process ran before.
class code_pin {
 public:
  explicit code_pin(module_slot& slot);
  ~code_pin();
  code_pin(const code_pin&) = delete;
  code_pin& operator=(const code_pin&) = delete;

  module_version* version() const noexcept { return version_; }

 private:
  process_control_block* process_;
  const void* previous_;
  module_version* version_;
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
