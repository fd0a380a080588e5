#include "code/module_version.hpp"

#include <mutex>
#include <unordered_map>

#include "processes/process_control_block.hpp"

namespace otp::detail {

module_version::module_version(atom name, const module::descriptor& d, std::filesystem::path file,
                               std::filesystem::path copy, boost::dll::shared_library library,
                               std::shared_ptr<gen_server::behaviour> server)
    : name_(name),
      vsn_(d.vsn),
      kind_(d.behaviour),
      file_(std::move(file)),
      copy_(std::move(copy)),
      loop_(d.loop),
      library_(std::move(library)),
      server_(std::move(server)) {}

module_version::~module_version() {
  server_.reset();
  library_.unload();
}

module_slot& slot_of(atom name) {
  static std::mutex mutex;
  static auto* slots = new std::unordered_map<std::uint32_t, std::unique_ptr<module_slot>>();  // lives until exit
  std::lock_guard lock(mutex);
  auto& slot = (*slots)[name.index()];
  if (!slot) slot = std::make_unique<module_slot>(name);
  return *slot;
}

code_pin::code_pin(module_slot& slot, pin_choice choice)
    : process_(current_process()), previous_(nullptr), version_(nullptr) {
  if (process_ == nullptr) throw not_in_process();
  previous_ = process_->code_in_use().load(std::memory_order_relaxed);
  const std::uint64_t own_seq = process_->code_seq().load(std::memory_order_relaxed);
  for (;;) {
    module_version* current = slot.current.load(std::memory_order_seq_cst);
    module_version* held = slot.held.load(std::memory_order_seq_cst);
    const bool use_held = held != nullptr && current != nullptr &&
                          (choice == pin_choice::held || (choice == pin_choice::follow && own_seq < current->seq()));
    module_version* v = use_held ? held : current;
    process_->code_in_use().store(v, std::memory_order_seq_cst);
    if (slot.current.load(std::memory_order_seq_cst) == current && slot.held.load(std::memory_order_seq_cst) == held) {
      version_ = v;
      current_seq_ = current != nullptr ? current->seq() : 0;
      on_held_ = use_held;
      return;
    }
  }
}

code_pin::~code_pin() { process_->code_in_use().store(previous_, std::memory_order_release); }

void throw_undef(atom module, atom function, int arity) {
  throw exit_exception(tuple(atom("undef"), list(tuple(module, function, arity, term()))));
}

}  // namespace otp::detail
