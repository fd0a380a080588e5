#include "processes/process_control_block.hpp"

#include <cxxabi.h>

#include <algorithm>
#include <typeinfo>

#include "dist/router.hpp"
#include "otp/log.hpp"
#include "otp/term_text.hpp"
#include "processes/message_counters.hpp"
#include "processes/registry.hpp"
#include "processes/runtime_state.hpp"
#include "terms/small_object_cache.hpp"

namespace otp::detail {

envelope* new_envelope() { return new (allocate_small(sizeof(envelope))) envelope(); }

void recycle(envelope* e) noexcept {
  e->~envelope();
  free_small(e, sizeof(envelope));
}

envelope* make_message_envelope(term&& message) {
  envelope* e = new_envelope();
  e->payload = std::move(message);
  return e;
}

envelope* make_envelope(signal_kind kind, term from, term payload, term ref) {
  envelope* e = new_envelope();
  e->kind = kind;
  e->from = std::move(from);
  e->payload = std::move(payload);
  e->ref = std::move(ref);
  return e;
}

bool send_signal(const pid_parts& pid, envelope* e) {
  if (e->kind <= signal_kind::alias_message) count_message_sent();  // message, call, alias_message
  if (pid.node != 0) return dist::forward_signal(pid, e);           // another node's process
  runtime_state* s = runtime_state_or_null();
  process_control_block* woken = nullptr;
  const bool delivered = s != nullptr && s->table.visit(pid, [&](process_control_block& p) {
    if (p.deliver(e)) woken = &p;
  });
  if (!delivered) {
    recycle(e);
    return false;
  }
  // Scheduled after the slot lock is released: a woken process is ours to queue (nobody else can
  // run or free it until it is in a run queue), and the scheduler's lock is not taken under ours.
  if (woken != nullptr) s->pool.schedule(woken);
  return true;
}

bool send_signal_without_waking(const pid_parts& pid, envelope* e) {
  runtime_state* s = runtime_state_or_null();
  const bool delivered = pid.node == 0 && s != nullptr &&
                         s->table.visit(pid, [&](process_control_block& p) { p.deliver_without_waking(e); });
  if (!delivered) recycle(e);
  return delivered;
}

process_control_block::process_control_block(std::unique_ptr<process_body> body) : body_(std::move(body)) {}

process_control_block::~process_control_block() = default;

void process_control_block::set_pid(pid_parts pid) {
  pid_ = pid;
  pid_term_ = term::make_pid(pid);
}

bool process_control_block::deliver(envelope* e) noexcept {
  inbox_.push(e);
  run_state s = state_.load(std::memory_order_acquire);
  for (;;) {
    if (s == run_state::waiting) {
      if (state_.compare_exchange_weak(s, run_state::queued, std::memory_order_acq_rel)) return true;
    } else if (s == run_state::running) {
      if (state_.compare_exchange_weak(s, run_state::notified, std::memory_order_acq_rel)) return false;
    } else {
      return false;
    }
  }
}

// --- running ----------------------------------------------------------------------------------

std::string demangled_name(const std::type_info& type) {
  int status = 0;
  char* demangled = abi::__cxa_demangle(type.name(), nullptr, nullptr, &status);
  std::string name = status == 0 && demangled != nullptr ? demangled : type.name();
  std::free(demangled);
  return name;
}

term exit_reason_of_current_exception() {
  try {
    throw;
  } catch (const forced_exit& e) {
    return e.reason;
  } catch (const exit_exception& e) {
    return e.reason();
  } catch (const std::exception& e) {
    return exit_reason_of(e);
  } catch (...) {
    return tuple(atoms::exception, binary("unknown"), binary(""));
  }
}

}  // namespace otp::detail

namespace otp {
term exit_reason_of(const std::exception& e) {
  return tuple(atoms::exception, binary(detail::demangled_name(typeid(e))), binary(e.what()));
}
}  // namespace otp

namespace otp::detail {

slice_end process_control_block::execute() {
  term reason = term(atoms::normal);
  try {
    const slice_end end = body_->run(*this);
    if (end == slice_end::wait) mark_waiting();
    if (end != slice_end::exit) return end;
    reason = body_->exit_reason();
  } catch (const forced_exit& e) {
    reason = e.reason;
  } catch (const exit_exception& e) {
    reason = e.reason();
  } catch (...) {
    reason = exit_reason_of_current_exception();
    if (log::enabled(log::level::error))
      log::report(log::level::error, "crash_report",
                  {{"pid", pid_term_.to_string()}, {"exit_reason", to_string(reason, report_limits)}});
  }
  announce_death(reason);
  return slice_end::exit;
}

void process_control_block::wait_for_signal() {
  reductions_ = 0;
  waiting_ = true;
  current_thread_context()->running->park(slice_end::wait);
}

void process_control_block::yield_thread() {
  reductions_ = 0;
  current_thread_context()->running->park(slice_end::yield);
}

void process_control_block::count_reduction() {
  if (++reductions_ >= the_runtime_state().pool.messages_per_slice()) yield_thread();
}

// --- signals ----------------------------------------------------------------------------------

void process_control_block::drain_inbox() {
  while (envelope* raw = inbox_.pop()) handle_signal(envelope_ptr(raw));
  waiting_ = false;
  const std::size_t limit = the_runtime_state().max_message_queue_bytes;
  if (limit != 0 && messages_.bytes() > limit) kill_for_queue_size(limit);
}

void process_control_block::kill_for_queue_size(std::size_t limit) {
  // As Erlang's max_heap_size with kill => true: an error report, then the process is killed.
  log::report(log::level::error, "error_report",
              {{"context", "maximum message queue size reached"},
               {"pid", pid_term_.to_string()},
               {"registered_name", has_registered_name() ? term(registered_name()).to_string() : "[]"},
               {"message_queue_len", std::to_string(messages_.size())},
               {"message_queue_bytes", std::to_string(messages_.bytes())},
               {"max_message_queue_bytes", std::to_string(limit)},
               {"kill", "true"}});
  throw forced_exit{term(atoms::killed)};
}

void process_control_block::handle_signal(envelope_ptr e) {
  switch (e->kind) {
    case signal_kind::message:
      if (e->call_done) remove_monitor(e->ref);
      messages_.push(std::move(e));
      return;
    case signal_kind::alias_message:
      if (!is_active_alias(e->ref)) return;
      if (e->call_done) remove_monitor(e->ref);
      messages_.push(std::move(e));
      return;
    case signal_kind::call:
      monitored_by_.push_back(watcher_entry{e->ref, e->from, pid_term_, true});
      messages_.push(std::move(e));
      return;
    case signal_kind::exit: handle_exit_signal(e->from, e->payload, e->linked); return;
    case signal_kind::link: add_link(e->from); return;
    case signal_kind::unlink: remove_link(e->from); return;
    case signal_kind::monitor: monitored_by_.push_back(watcher_entry{e->ref, e->from, e->payload, false}); return;
    case signal_kind::demonitor:
      std::erase_if(monitored_by_, [&](const watcher_entry& m) { return m.ref == e->ref; });
      return;
    case signal_kind::down:
      if (remove_monitor(e->ref)) messages_.push(std::move(e));  // the payload is the 'DOWN' message
      return;
    case signal_kind::receive_timeout: fired_timeout_ = e->sequence; return;
    case signal_kind::info_request: answer_info_request(e->from, e->ref); return;
  }
}

void process_control_block::answer_info_request(const term& requester, const term& ref) {
  const atom status = body_->suspended() ? atoms::suspended : waiting_ ? atoms::waiting : atoms::running;
  std::vector<term> links(links_.begin(), links_.end());
  term info = map({
      {atoms::status, status},
      {atom("message_queue_len"), static_cast<std::int64_t>(messages_.size())},
      {atom("messages_received"), static_cast<std::int64_t>(messages_.pushed())},
      {atoms::module, binary(body_->module_name())},
      {atom("vsn"), binary(body_->module_vsn())},
      {atom("memory"), static_cast<std::int64_t>(memory())},
      {atom("registered_name"), has_registered_name() ? term(registered_name()) : term()},
      {atom("links"), term::make_list(std::move(links))},
      {atom("monitors"), static_cast<std::int64_t>(monitors_.size())},
      {atom("monitored_by"), static_cast<std::int64_t>(monitored_by_.size())},
      {atom("trap_exit"), trap_exit_},
  });
  send_signal(requester.as_pid(), make_envelope(signal_kind::message, term(), tuple(ref, std::move(info))));
}

void process_control_block::handle_exit_signal(const term& from, const term& reason, bool linked) {
  if (linked) {
    if (links_.erase(from) == 0) return;  // a link we removed (unlink) before its exit signal arrived
  }
  if (!linked && reason == term(atoms::kill)) throw forced_exit{term(atoms::killed)};
  if (trap_exit_) {
    messages_.push(tuple(atoms::exit_, from, reason));
    return;
  }
  if (reason == term(atoms::normal)) {
    if (!linked && from == pid_term_) throw forced_exit{reason};
    return;
  }
  throw forced_exit{reason};
}

void process_control_block::announce_death(const term& reason) {
  cancel_receive_timer();
  runtime_state& s = the_runtime_state();
  s.table.remove(this);  // from here on nobody can signal us; our name is stable
  if (has_registered_name()) the_registry().remove_if(registered_name(), pid_term_);

  auto send_down = [&](const term& ref, const term& watcher, const term& object) {
    envelope* e =
        make_envelope(signal_kind::down, pid_term_, tuple(atoms::down, ref, atoms::process, object, reason), ref);
    send_signal(watcher.as_pid(), e);
  };
  auto send_exit = [&](const term& to) {
    envelope* e = make_envelope(signal_kind::exit, pid_term_, reason);
    e->linked = true;
    send_signal(to.as_pid(), e);
  };

  // Signals that arrived before we left the table still count: links and monitors made (and
  // undone) in that time get their exit signal or 'DOWN', process_info gets an answer.
  while (envelope* raw = inbox_.pop()) {
    envelope_ptr e(raw);
    switch (e->kind) {
      case signal_kind::link: add_link(e->from); break;
      case signal_kind::unlink: remove_link(e->from); break;
      case signal_kind::monitor: monitored_by_.push_back(watcher_entry{e->ref, e->from, e->payload, false}); break;
      case signal_kind::call: monitored_by_.push_back(watcher_entry{e->ref, e->from, pid_term_, true}); break;
      case signal_kind::demonitor:
        std::erase_if(monitored_by_, [&](const watcher_entry& m) { return m.ref == e->ref; });
        break;
      case signal_kind::info_request:
        send_signal(e->from.as_pid(), make_envelope(signal_kind::message, term(), tuple(e->ref, atoms::undefined)));
        break;
      default: break;
    }
  }
  for (const term& linked : links_) send_exit(linked);
  for (const watcher_entry& m : monitored_by_) send_down(m.ref, m.watcher, m.object);
  monitors_.drain([&](const term& ref, const term& target) {
    if (target.is_pid())
      send_signal(target.as_pid(), make_envelope(signal_kind::demonitor, pid_term_, term(), ref));
    else if (target.is_tuple(2))  // {Name, Node} of another node
      dist::demonitor_name(pid_term_, target[0].as_atom(), target[1].as_atom(), ref);
  });
  if (window_)
    for (std::size_t i = 0; i < window_->refs.size(); ++i)
      if (!window_->refs[i].is_nil())
        send_signal(window_->targets[i].as_pid(),
                    make_envelope(signal_kind::demonitor, pid_term_, term(), window_->refs[i]));
  window_.reset();
  links_.clear();
  monitored_by_.clear();
}

// --- receive ----------------------------------------------------------------------------------

std::uint64_t process_control_block::arm_receive_timer(milliseconds timeout) {
  cancel_receive_timer();
  const std::uint64_t sequence = ++receive_sequence_;
  const auto h =
      the_runtime_state().timers.start_receive_timeout(timer_service::clock::now() + timeout, pid_, sequence);
  armed_timer_ = h.id;
  armed_deadline_ = h.deadline;
  return sequence;
}

void process_control_block::cancel_receive_timer() {
  if (armed_timer_ != 0) {
    the_runtime_state().timers.cancel_receive_timeout({armed_deadline_, armed_timer_});
    armed_timer_ = 0;
  }
}

std::optional<term> process_control_block::receive(const std::function<bool(const term&)>& matches,
                                                   milliseconds timeout) {
  if (timeout < milliseconds(0)) throw badarg("receive: negative timeout");
  count_reduction();
  struct timer_guard {
    process_control_block& self;
    ~timer_guard() { self.cancel_receive_timer(); }
  } guard{*this};
  std::size_t scanned = 0;
  std::uint64_t sequence = 0;
  for (;;) {
    drain_inbox();
    for (; scanned < messages_.size(); ++scanned)
      if (!matches || matches(messages_.at(scanned))) return messages_.take(scanned);
    if (timeout == milliseconds(0)) return std::nullopt;
    if (sequence != 0 && receive_timer_fired(sequence)) return std::nullopt;
    if (sequence == 0 && timeout != infinity) sequence = arm_receive_timer(timeout);
    wait_for_signal();
  }
}

term process_control_block::receive_next() {
  count_reduction();
  for (;;) {
    drain_inbox();
    if (!messages_.empty()) return messages_.take(0);
    wait_for_signal();
  }
}

// --- links, monitors, refs --------------------------------------------------------------------

void process_control_block::add_watcher(const term& ref, const term& watcher, const term& object) {
  monitored_by_.push_back(watcher_entry{ref, watcher, object, false});
}

bool process_control_block::release_call_monitor(const term& ref, const term& caller) {
  auto it = std::find_if(monitored_by_.begin(), monitored_by_.end(),
                         [&](const watcher_entry& m) { return m.for_call && m.ref == ref && m.watcher == caller; });
  if (it == monitored_by_.end()) return false;
  monitored_by_.erase(it);
  return true;
}

void process_control_block::add_link(const term& pid) { links_.insert(pid); }

void process_control_block::remove_link(const term& pid) { links_.erase(pid); }

void process_control_block::add_monitor(const term& ref, const term& target, bool alias) {
  monitors_.add(ref, target, alias);
}

void process_control_block::open_call_window(std::size_t count) {
  window_ = std::make_unique<call_window>();
  window_->first_id = ref_counter_ + 1;
  ref_counter_ += static_cast<std::uint32_t>(count);
  window_->refs.resize(count);
  window_->targets.resize(count);
}

term process_control_block::add_window_monitor(std::size_t index, const term& target) {
  const std::uint32_t ids[3] = {window_->first_id + static_cast<std::uint32_t>(index), pid_.id, pid_.serial};
  window_->refs[index] = term::make_reference(0, ids);
  window_->targets[index] = target;
  return window_->refs[index];
}

std::optional<term> process_control_block::remove_monitor(const term& ref) {
  if (window_ && ref.is_reference()) {
    const std::size_t i = static_cast<std::uint32_t>(ref.reference_ids()[0] - window_->first_id);
    if (i < window_->refs.size() && window_->refs[i] == ref) {
      window_->refs[i] = term();
      return std::move(window_->targets[i]);
    }
  }
  return monitors_.remove(ref);
}

bool process_control_block::is_active_alias(const term& ref) const noexcept { return monitors_.is_active_alias(ref); }

term process_control_block::new_ref() {
  const std::uint32_t ids[3] = {++ref_counter_, pid_.id, pid_.serial};
  return term::make_reference(0, ids);
}

std::size_t process_control_block::memory() const noexcept {
  return sizeof(*this) + messages_.bytes() + links_.size() * (sizeof(term) + 2 * sizeof(void*)) + monitors_.memory() +
         monitored_by_.capacity() * sizeof(monitored_by_[0]) + body_->memory_estimate();
}

}  // namespace otp::detail
