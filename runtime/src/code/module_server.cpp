// A module's gen_server: every callback goes to the module's current version (Erlang's
// Mod:handle_call), pinned while it runs — or, during a rolling upgrade of the module, to the held
// old version until the process's own code_change has moved it (module_version.hpp).
#include <string>
#include <type_traits>

#include "code/module_bodies.hpp"

namespace otp::detail {
namespace {

class module_server final : public gen_server::behaviour {
 public:
  explicit module_server(module_slot& slot) : slot_(slot) {}

  gen_server::init_result init(const term& args) override {
    process_control_block* self = current_process();
    self->code_module().store(&slot_, std::memory_order_relaxed);
    code_pin pin(slot_, pin_choice::current);  // a new process starts on the current version
    if (pin.version() == nullptr) throw_undef(slot_.name, atom("init"), 1);
    self->code_seq().store(pin.version()->seq(), std::memory_order_relaxed);
    return run_module_code([&] { return pin.version()->server().init(args); });
  }
  gen_server::result handle_call(const term& request, const term& from, const term& state) override {
    return run("handle_call", 3, [&](gen_server::behaviour& b) { return b.handle_call(request, from, state); });
  }
  gen_server::result handle_cast(const term& request, const term& state) override {
    return run("handle_cast", 2, [&](gen_server::behaviour& b) { return b.handle_cast(request, state); });
  }
  gen_server::result handle_info(const term& info, const term& state) override {
    return run("handle_info", 2, [&](gen_server::behaviour& b) { return b.handle_info(info, state); });
  }
  gen_server::result handle_continue(const term& continuation, const term& state) override {
    return run("handle_continue", 2, [&](gen_server::behaviour& b) { return b.handle_continue(continuation, state); });
  }
  void terminate(const term& reason, const term& state) override {
    code_pin pin(slot_);
    if (pin.version() == nullptr) return;  // OTP skips terminate when the module has no terminate/2
    run_module_code([&] { pin.version()->server().terminate(reason, state); });
  }
  // Runs in the current version, except during a rolling upgrade whose code_change belongs to the
  // held (newer) version; on success the process holds the current version's state from now on.
  gen_server::code_change_result code_change(const term& old_vsn, const term& state, const term& extra) override {
    const bool in_held = slot_.code_change_in_held.load(std::memory_order_relaxed);
    code_pin pin(slot_, in_held ? pin_choice::held : pin_choice::current);
    if (pin.version() == nullptr) throw_undef(slot_.name, atom("code_change"), 3);
    gen_server::code_change_result r =
        run_module_code([&] { return pin.version()->server().code_change(old_vsn, state, extra); });
    if (r.ok) current_process()->code_seq().store(pin.current_seq(), std::memory_order_relaxed);
    return r;
  }
  std::string module_name() const override { return std::string(slot_.name.text()); }
  std::string module_vsn() const override {
    code_pin pin(slot_);
    return pin.version() != nullptr ? pin.version()->vsn() : std::string();
  }

 private:
  template <class Callback>
  // `function` names the callback only for the undef error, so no atom is made on the hot path.
  std::invoke_result_t<Callback, gen_server::behaviour&> run(const char* function, int arity, Callback&& callback) {
    code_pin pin(slot_);
    if (pin.version() == nullptr) throw_undef(slot_.name, atom(function), arity);
    return run_module_code([&] { return callback(pin.version()->server()); });
  }

  module_slot& slot_;
};

}  // namespace

std::shared_ptr<gen_server::behaviour> make_module_server(module_slot& slot) {
  return std::make_shared<module_server>(slot);
}

}  // namespace otp::detail
