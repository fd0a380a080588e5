// A module's plain process: loop(State) of the version it runs, again and again, switching to the
// current version only when loop returns next::in_current_version (Erlang's ?MODULE:loop(State)).
#include "code/module_bodies.hpp"

namespace otp::detail {
namespace {

class module_process final : public process_body {
 public:
  module_process(module_slot& slot, term args) : slot_(slot), state_(std::move(args)) {}

  slice_end run(process_control_block& self) override {
    self.code_module().store(&slot_, std::memory_order_relaxed);
    for (;;) {
      code_pin pin(slot_);
      if (pin.version() == nullptr) throw_undef(slot_.name, atom("loop"), 1);
      running_ = pin.version();
      struct leaving {
        module_version*& running;
        ~leaving() { running = nullptr; }
      } leave{running_};
      const module::next step = run_module_code([&] { return running_->loop()(state_); });
      if (!step.continues()) return slice_end::exit;
      state_ = step.state();
    }
  }

  // Asked by the process itself (process_info), while it runs `running_`.
  std::string module_name() const override { return std::string(slot_.name.text()); }
  std::string module_vsn() const override { return running_ != nullptr ? running_->vsn() : std::string(); }
  std::size_t memory_estimate() const override { return sizeof(*this); }

 private:
  module_slot& slot_;
  term state_;
  module_version* running_ = nullptr;
};

}  // namespace

std::unique_ptr<process_body> make_module_process(module_slot& slot, term args) {
  return std::make_unique<module_process>(slot, std::move(args));
}

}  // namespace otp::detail
