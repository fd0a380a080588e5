// process_control_block — one process's state inside the runtime (private).
//
// Owned by the runtime from spawn until the scheduler frees it after its exit. Its inbox is the
// only part other threads touch (push, then `notify`); everything else — the received-message
// queue, links, monitors, aliases, trap_exit — belongs to the process and is touched only by the
// code running it, on whichever scheduler thread that is.
//
// A process runs on a worker fiber taken from its scheduler's pool. When its body returns
// (a reactive body such as gen_server has handled what was queued) the fiber goes back to the
// pool, so an idle process holds no stack. When it must wait in the middle of user code (receive,
// a call) it keeps the fiber until it is woken.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <typeinfo>
#include <unordered_set>
#include <utility>
#include <vector>

#include "otp/process.hpp"
#include "otp/term.hpp"
#include "processes/mailbox.hpp"
#include "processes/message_queue.hpp"
#include "processes/monitor_set.hpp"

namespace otp::detail {

class process_control_block;
class worker_fiber;

// How a run of a process on a scheduler thread ended.
enum class slice_end : std::uint8_t {
  wait,   // nothing to do until a signal arrives
  yield,  // still has work; goes to the back of the run queue
  exit,   // the process has ended
};

// What a process runs. The runtime calls `run` on a fiber; a reactive body returns `wait` when it
// has drained its messages, a blocking body (a plain function) only returns when the process ends.
class process_body {
 public:
  virtual ~process_body() = default;
  virtual slice_end run(process_control_block& self) = 0;
  virtual std::string module_name() const { return {}; }
  virtual std::string module_vsn() const { return {}; }
  virtual std::size_t memory_estimate() const { return 0; }
  // When run returned slice_end::exit: the reason the process exits with.
  virtual term exit_reason() const { return term(atoms::normal); }
  // Whether `sys:suspend` holds this process (for process_info).
  virtual bool suspended() const { return false; }
};

enum class run_state : std::uint32_t {
  waiting,   // idle, in no run queue: a signal must schedule it
  queued,    // in a run queue
  running,   // on a scheduler thread
  notified,  // running, and a signal arrived since it last looked
};

class process_control_block {
 public:
  explicit process_control_block(std::unique_ptr<process_body> body);
  ~process_control_block();
  process_control_block(const process_control_block&) = delete;
  process_control_block& operator=(const process_control_block&) = delete;

  pid_parts pid() const noexcept { return pid_; }
  const term& pid_term() const noexcept { return pid_term_; }
  void set_pid(pid_parts pid);

  // --- any thread ---------------------------------------------------------------------------
  // Queues a signal. Returns true when the process was idle and is now marked queued: the caller
  // must then hand it to the scheduler (after leaving the process-table slot lock). Call only
  // inside process_table::visit (the slot lock keeps the process alive), or from the process itself.
  [[nodiscard]] bool deliver(envelope* e) noexcept;
  // Queues a signal that needs no action before the process next runs (a remote demonitor):
  // an idle process is not woken for it. Same calling rules as deliver.
  void deliver_without_waking(envelope* e) noexcept { inbox_.push(e); }
  std::atomic<run_state>& state() noexcept { return state_; }

  // --- the process's own code ----------------------------------------------------------------
  // Runs the body: called by the worker fiber. Returns slice_end::exit once the process has ended
  // and announced its death.
  slice_end execute();

  // Moves signals from the inbox into the message queue, acting on links, monitors and exit
  // signals. Throws forced_exit when an exit signal ends the process.
  void drain_inbox();
  message_queue& messages() noexcept { return messages_; }
  // The first queued message matching `matches`, waiting up to `timeout` (blocking the fiber).
  std::optional<term> receive(const std::function<bool(const term&)>& matches, milliseconds timeout);
  // The oldest queued message, waiting for one as long as it takes (receive's common case, without
  // a pattern or a timer).
  term receive_next();

  // Leaves the thread until a signal arrives (slice_end::wait) or until the scheduler has run the
  // others (slice_end::yield). Keeps this process's fiber.
  void wait_for_signal();
  // The body returned slice_end::wait: the process now waits for a signal.
  void mark_waiting() noexcept { waiting_ = true; }
  void yield_thread();
  // Counts one unit of work; yields the thread once the fairness budget is spent.
  void count_reduction();

  // Receive timers: arm one for this wait and learn whether it fired.
  std::uint64_t arm_receive_timer(milliseconds timeout);
  void cancel_receive_timer();
  bool receive_timer_fired(std::uint64_t sequence) const noexcept { return fired_timeout_ == sequence; }

  term new_ref();
  bool traps_exits() const noexcept { return trap_exit_; }
  bool set_trap_exit(bool on) noexcept { return std::exchange(trap_exit_, on); }

  void add_link(const term& pid);
  void remove_link(const term& pid);

  // Monitors held by this process: ref -> what it monitors. `alias` makes ref an active alias too.
  void add_monitor(const term& ref, const term& target, bool alias);
  // Removes the monitor (held in the map or in the call window); returns what it monitored, or
  // nullopt when it was not active.
  std::optional<term> remove_monitor(const term& ref);

  // The call window of a batch of calls (gen_call_many): `count` consecutive refs are reserved, and
  // the monitor of the i-th is kept in a vector by i rather than in the map, so a batch of N calls
  // adds no hash map work. One window at a time; close it when the batch is over.
  void open_call_window(std::size_t count);
  // Monitors `target` under the window's i-th ref, and returns that ref.
  term add_window_monitor(std::size_t index, const term& target);
  void close_call_window() noexcept { window_.reset(); }
  bool is_active_alias(const term& ref) const noexcept;
  // Records that `watcher` monitors this process under `ref` (before the process first runs).
  void add_watcher(const term& ref, const term& watcher, const term& object);
  // A reply to a call: drops the monitor the caller took with it; false when there was none.
  bool release_call_monitor(const term& ref, const term& caller);

  // Written by register/unregister under the process-table slot lock, read by the process itself.
  atom registered_name() const noexcept { return atom::from_index(registered_name_.load(std::memory_order_acquire)); }
  void set_registered_name(atom name) noexcept { registered_name_.store(name.index(), std::memory_order_release); }
  bool has_registered_name() const noexcept { return !(registered_name() == atoms::undefined); }

  std::size_t memory() const noexcept;

  // Hot code (code_pin.hpp): the module version this process executes now (a hazard pointer the
  // code server reads before it removes a version), and the module whose processes it belongs to.
  // Written by the process, read by the code server under the process-table slot lock.
  std::atomic<const void*>& code_in_use() noexcept { return code_in_use_; }
  std::atomic<const void*>& code_module() noexcept { return code_module_; }
  // The seq of the module version whose state the process holds (module_version.hpp): written by
  // the process at init and code_change, read by the code server (which processes a rolling
  // upgrade still holds on old code).
  std::atomic<std::uint64_t>& code_seq() noexcept { return code_seq_; }

  // The fiber kept while waiting mid-way (owned by the scheduler code).
  worker_fiber*& parked_fiber() noexcept { return parked_fiber_; }

 private:
  void handle_signal(envelope_ptr e);
  [[noreturn]] void kill_for_queue_size(std::size_t limit);
  void answer_info_request(const term& requester, const term& ref);
  void handle_exit_signal(const term& from, const term& reason, bool linked);
  void announce_death(const term& reason);

  pid_parts pid_{};
  term pid_term_;
  std::atomic<run_state> state_{run_state::queued};
  inbox inbox_;
  message_queue messages_;
  std::unique_ptr<process_body> body_;
  worker_fiber* parked_fiber_ = nullptr;

  // A set: a supervisor links to every child, and each child's exit must find its link at once.
  std::unordered_set<term, term_hash> links_;
  monitor_set monitors_;
  struct call_window {
    std::uint32_t first_id = 0;
    std::vector<term> refs;     // nil once the monitor ended
    std::vector<term> targets;  // what refs[i] monitors
  };
  std::unique_ptr<call_window> window_;
  struct watcher_entry {
    term ref;
    term watcher;
    term object;            // how the watcher named us: our pid, or {Name, Node}
    bool for_call = false;  // taken by gen_call; a reply to that call ends it
  };
  std::vector<watcher_entry> monitored_by_;
  std::uint64_t receive_sequence_ = 0;
  std::uint64_t fired_timeout_ = 0;
  std::uint64_t armed_timer_ = 0;  // id of the receive timer armed now, 0 when none
  std::chrono::steady_clock::time_point armed_deadline_;
  std::uint32_t ref_counter_ = 0;
  std::uint32_t reductions_ = 0;
  std::atomic<std::uint32_t> registered_name_{atoms::undefined.index()};
  std::atomic<const void*> code_in_use_{nullptr};
  std::atomic<const void*> code_module_{nullptr};
  std::atomic<std::uint64_t> code_seq_{0};
  bool trap_exit_ = false;
  bool waiting_ = false;  // it was waiting for a message when the current drain began (process_info)
};

// The process running on this thread, or nullptr.
process_control_block* current_process() noexcept;

// Spawns a process running `body`; with `link_to_caller`, linked to the calling process.
term spawn_body(std::unique_ptr<process_body> body, bool link_to_caller);
term spawn_body(std::unique_ptr<process_body> body, spawn_options options);
// Spawns a process for another node's spawn request: linked to `remote_parent` (with `link`) and
// watched by it under `monitor_ref` (when given) from before it can run; `before_start(pid)` runs
// before the process is scheduled, so what it sends (the spawn reply) precedes any signal of the
// process. Throws std::runtime_error when the runtime is stopping or the table is full.
term spawn_for_remote(std::function<void()> body, const term& remote_parent, bool link, const term* monitor_ref,
                      const std::function<void(const term& pid)>& before_start);

// The exit reason for the exception being handled: R for exit_exception(R) or an exit signal's
// forced_exit, else
// {exception, <<"type">>, <<"what()">>}. Call only inside a catch block.
term exit_reason_of_current_exception();
using otp::exit_reason_of;
std::string demangled_name(const std::type_info& type);

// Sends a signal to a local pid; false when the pid is dead (the envelope is then deleted).
bool send_signal(const pid_parts& pid, envelope* e);
// As send_signal for a local pid, without waking an idle process (deliver_without_waking).
bool send_signal_without_waking(const pid_parts& pid, envelope* e);
envelope* make_envelope(signal_kind kind, term from, term payload, term ref = term());
// A plain message's envelope (the hot path of a send).
envelope* make_message_envelope(term&& message);

}  // namespace otp::detail
