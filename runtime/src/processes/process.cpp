// The process BIFs of otp/process.hpp, on top of process_control_block.
#include "otp/process.hpp"

#include <atomic>

#include "dist/router.hpp"
#include "otp/node_table.hpp"
#include "otp/runtime.hpp"
#include "otp/term_text.hpp"
#include "processes/process_control_block.hpp"
#include "processes/registry.hpp"
#include "processes/runtime_state.hpp"
#include "processes/worker_fiber.hpp"

namespace otp {

using detail::envelope;
using detail::make_envelope;
using detail::make_message_envelope;
using detail::process_control_block;
using detail::send_signal;
using detail::signal_kind;

exit_exception::exit_exception(term reason) : reason_(std::move(reason)) {}

const char* exit_exception::what() const noexcept {
  if (text_.empty()) text_ = "exit: " + to_string(reason_, report_limits);
  return text_.c_str();
}

not_in_process::not_in_process() : std::logic_error("this function must be called from inside an otp process") {}

namespace detail {

process_control_block* current_process() noexcept {
  thread_context* context = current_thread_context();
  if (context == nullptr || context->running == nullptr) return nullptr;
  return context->running->current_job();
}

}  // namespace detail

namespace {

process_control_block& me() {
  process_control_block* p = detail::current_process();
  if (p == nullptr) throw not_in_process();
  return *p;
}

class function_body final : public detail::process_body {
 public:
  explicit function_body(std::function<void()> fn) : fn_(std::move(fn)) {}
  detail::slice_end run(process_control_block&) override {
    fn_();
    return detail::slice_end::exit;
  }
  std::size_t memory_estimate() const override { return sizeof(*this); }

 private:
  std::function<void()> fn_;
};

bool is_local(const term& pid) { return pid.as_pid().node == node_table::local_index; }

// {Name, Node} naming this node, or a bare atom: the local name; nullopt otherwise.
std::optional<atom> local_name(const term& destination) {
  if (destination.is_atom()) return destination.as_atom();
  if (destination.is_tuple(2) && destination[0].is_atom() && destination[1].is_atom() &&
      destination[1].as_atom() == node_table::local_identity().name)
    return destination[0].as_atom();
  return std::nullopt;
}

// {Name, Node} naming another node.
bool is_remote_name(const term& destination) {
  return destination.is_tuple(2) && destination[0].is_atom() && destination[1].is_atom() &&
         !(destination[1].as_atom() == node_table::local_identity().name);
}

std::atomic<std::uint64_t> foreign_ref_counter{0};

}  // namespace

term self() { return me().pid_term(); }

bool in_process() noexcept { return detail::current_process() != nullptr; }

namespace {
// Starts a process; with `monitor_ref`, the caller monitors it from before it can run, so the
// 'DOWN' always carries the real reason (spawn_monitor is atomic in OTP).
term spawn_process(std::unique_ptr<detail::process_body> body, spawn_options options,
                   const term* monitor_ref = nullptr) {
  auto& s = detail::the_runtime_state();
  if (s.stopping.load(std::memory_order_relaxed)) throw std::runtime_error("spawn: the runtime is stopping");
  process_control_block* parent = (options.link || monitor_ref != nullptr) ? &me() : nullptr;
  auto* p = new process_control_block(std::move(body));
  p->set_trap_exit(options.trap_exit);
  try {
    s.table.insert(p);
  } catch (...) {
    delete p;
    throw;
  }
  if (options.link) {
    parent->add_link(p->pid_term());
    p->add_link(parent->pid_term());
  }
  if (monitor_ref != nullptr) {
    parent->add_monitor(*monitor_ref, p->pid_term(), false);
    p->add_watcher(*monitor_ref, parent->pid_term(), p->pid_term());
  }
  s.pool.process_started();
  term pid = p->pid_term();
  s.pool.schedule(p);  // a new process starts in state `queued`; from here `p` may be gone
  return pid;
}
}  // namespace

term detail::spawn_body(std::unique_ptr<process_body> body, bool link_to_caller) {
  return spawn_process(std::move(body), spawn_options{.link = link_to_caller, .trap_exit = false});
}

term detail::spawn_body(std::unique_ptr<process_body> body, spawn_options options) {
  return spawn_process(std::move(body), options);
}

term detail::spawn_for_remote(std::function<void()> body, const term& remote_parent, bool link, const term* monitor_ref,
                              const std::function<void(const term& pid)>& before_start) {
  auto& s = detail::the_runtime_state();
  if (s.stopping.load(std::memory_order_relaxed)) throw std::runtime_error("spawn: the runtime is stopping");
  auto* p = new process_control_block(std::make_unique<function_body>(std::move(body)));
  try {
    s.table.insert(p);
  } catch (...) {
    delete p;
    throw;
  }
  const term pid = p->pid_term();
  if (link) p->add_link(remote_parent);
  if (monitor_ref != nullptr) p->add_watcher(*monitor_ref, remote_parent, pid);
  before_start(pid);
  s.pool.process_started();
  s.pool.schedule(p);
  return pid;
}

term spawn(std::function<void()> body, spawn_options options) {
  return spawn_process(std::make_unique<function_body>(std::move(body)), options);
}

term spawn_link(std::function<void()> body) { return spawn(std::move(body), spawn_options{.link = true}); }

term spawn_monitor(std::function<void()> body) {
  const term ref = me().new_ref();
  const term child = spawn_process(std::make_unique<function_body>(std::move(body)), {}, &ref);
  return tuple(child, ref);
}

void send(const term& destination, term message) {
  // A send costs a reduction, as in Erlang: a process that only sends still yields its thread,
  // so its receivers run while the messages are hot and mailboxes stay short.
  if (process_control_block* p = detail::current_process()) p->count_reduction();
  if (destination.is_pid()) {
    // A pid of another node goes to distribution (dropped when it cannot reach the node).
    send_signal(destination.as_pid(), make_message_envelope(std::move(message)));
    return;
  }
  if (auto name = local_name(destination)) {
    auto pid = detail::the_registry().find(*name);
    if (pid) {
      send_signal(pid->as_pid(), make_message_envelope(std::move(message)));
    } else if (destination.is_atom()) {
      throw badarg("send: no process is registered as " + destination.to_string());
    }
    return;
  }
  if (is_remote_name(destination)) {
    process_control_block* p = detail::current_process();
    detail::dist::send_to_name(p != nullptr ? p->pid_term() : term(), destination[0].as_atom(),
                               destination[1].as_atom(), std::move(message));
    return;
  }
  throw badarg("send: not a pid, a name or {Name, Node}: " + destination.to_string());
}

term receive() { return me().receive_next(); }

std::optional<term> receive(const std::function<bool(const term&)>& matches, milliseconds timeout) {
  return me().receive(matches, timeout);
}

std::optional<term> receive_for(milliseconds timeout) { return me().receive(nullptr, timeout); }

term make_ref() {
  if (process_control_block* p = detail::current_process()) return p->new_ref();
  const std::uint64_t n = foreign_ref_counter.fetch_add(1, std::memory_order_relaxed) + 1;
  const std::uint32_t ids[3] = {static_cast<std::uint32_t>(n), 0, static_cast<std::uint32_t>(n >> 32)};
  return term::make_reference(node_table::local_index, ids);
}

void link(const term& pid) {
  process_control_block& p = me();
  if (!pid.is_pid()) throw badarg("link: not a pid: " + pid.to_string());
  if (pid == p.pid_term()) return;
  p.add_link(pid);
  if (!send_signal(pid.as_pid(), make_envelope(signal_kind::link, p.pid_term(), term()))) {
    // Linking to a dead process (or one on a node that cannot be reached): the exit signal, as if
    // it had just arrived.
    const term reason = is_local(pid) ? term(atoms::noproc) : term(atoms::noconnection);
    p.remove_link(pid);
    if (!p.traps_exits()) throw detail::forced_exit{reason};
    p.messages().push(tuple(atoms::exit_, pid, reason));
  }
}

void unlink(const term& pid) {
  process_control_block& p = me();
  if (!pid.is_pid()) throw badarg("unlink: not a pid: " + pid.to_string());
  p.remove_link(pid);
  send_signal(pid.as_pid(), make_envelope(signal_kind::unlink, p.pid_term(), term()));
}

term monitor(const term& pid_or_name) {
  process_control_block& p = me();
  const term ref = p.new_ref();
  term target = pid_or_name;
  term object = pid_or_name;
  if (auto name = local_name(pid_or_name)) {
    object = tuple(*name, node_table::local_identity().name);
    auto pid = detail::the_registry().find(*name);
    target = pid ? *pid : term();
  } else if (is_remote_name(pid_or_name)) {
    p.add_monitor(ref, pid_or_name, false);
    if (!detail::dist::monitor_name(p.pid_term(), pid_or_name[0].as_atom(), pid_or_name[1].as_atom(), ref)) {
      p.remove_monitor(ref);
      p.messages().push(tuple(atoms::down, ref, atoms::process, pid_or_name, atoms::noconnection));
    }
    return ref;
  } else if (!pid_or_name.is_pid()) {
    throw badarg("monitor: not a pid, a name or {Name, Node}: " + pid_or_name.to_string());
  }
  p.add_monitor(ref, target.is_nil() ? object : target, false);
  const bool delivered =
      target.is_pid() && send_signal(target.as_pid(), make_envelope(signal_kind::monitor, p.pid_term(), object, ref));
  if (!delivered) {
    const bool remote = target.is_pid() && !is_local(target);
    p.remove_monitor(ref);
    p.messages().push(tuple(atoms::down, ref, atoms::process, object, remote ? atoms::noconnection : atoms::noproc));
  }
  return ref;
}

bool demonitor(const term& ref, bool flush) {
  process_control_block& p = me();
  if (!ref.is_reference()) throw badarg("demonitor: not a reference: " + ref.to_string());
  p.drain_inbox();
  const std::optional<term> target = p.remove_monitor(ref);
  if (target && target->is_pid())
    send_signal(target->as_pid(), make_envelope(signal_kind::demonitor, p.pid_term(), term(), ref));
  else if (target && is_remote_name(*target))
    detail::dist::demonitor_name(p.pid_term(), (*target)[0].as_atom(), (*target)[1].as_atom(), ref);
  if (flush) {
    auto& queue = p.messages();
    for (std::size_t i = 0; i < queue.size();) {
      const term& m = queue.at(i);
      if (m.is_tuple(5) && m[0].is_atom(atoms::down) && m[1] == ref)
        queue.take(i);
      else
        ++i;
    }
  }
  return target.has_value();
}

void exit(term reason) {
  me();
  throw exit_exception(std::move(reason));
}

void exit(const term& pid, term reason) {
  if (!pid.is_pid()) throw badarg("exit/2: not a pid: " + pid.to_string());
  process_control_block* p = detail::current_process();
  const term from = p != nullptr ? p->pid_term() : term(atoms::undefined);
  send_signal(pid.as_pid(), make_envelope(signal_kind::exit, from, std::move(reason)));
  // A signal to oneself takes effect before exit/2 returns.
  if (p != nullptr && pid == p->pid_term()) p->drain_inbox();
}

bool trap_exit(bool on) { return me().set_trap_exit(on); }

void register_name(atom name, const term& pid) {
  if (name == atoms::undefined) throw badarg("register: 'undefined' cannot be registered");
  if (!pid.is_pid() || !is_local(pid)) throw badarg("register: not a local pid: " + pid.to_string());
  bool ok = false;
  const bool alive = detail::the_runtime_state().table.visit(pid.as_pid(), [&](process_control_block& p) {
    if (p.has_registered_name()) return;
    if (!detail::the_registry().add(name, pid)) return;
    p.set_registered_name(name);
    ok = true;
  });
  if (!alive) throw badarg("register: process " + pid.to_string() + " is not alive");
  if (!ok)
    throw badarg("register: " + term(name).to_string() + " is already registered, or " + pid.to_string() +
                 " already has a name");
}

void unregister_name(atom name) {
  auto pid = detail::the_registry().find(name);
  if (!pid || !detail::the_registry().remove(name))
    throw badarg("unregister: " + term(name).to_string() + " is not registered");
  detail::the_runtime_state().table.visit(pid->as_pid(), [&](process_control_block& p) {
    if (p.registered_name() == name) p.set_registered_name(atoms::undefined);
  });
}

term whereis(atom name) {
  auto pid = detail::the_registry().find(name);
  return pid ? *pid : term(atoms::undefined);
}

namespace {
term start_message_timer(milliseconds time, const term& destination, term message, bool wrap) {
  if (time < milliseconds(0)) throw badarg("timer: negative time");
  if (!destination.is_pid() && !destination.is_atom()) throw badarg("timer: destination must be a pid or an atom");
  const term ref = make_ref();
  if (wrap) message = tuple(atoms::timeout, ref, std::move(message));
  detail::the_runtime_state().timers.start_message_timer(detail::timer_service::clock::now() + time, ref, destination,
                                                         std::move(message));
  return ref;
}
}  // namespace

term send_after(milliseconds time, const term& destination, term message) {
  return start_message_timer(time, destination, std::move(message), false);
}

term start_timer(milliseconds time, const term& destination, term message) {
  return start_message_timer(time, destination, std::move(message), true);
}

std::optional<milliseconds> cancel_timer(const term& timer_ref) {
  if (!timer_ref.is_reference()) throw badarg("cancel_timer: not a reference: " + timer_ref.to_string());
  return detail::the_runtime_state().timers.cancel_message_timer(timer_ref);
}

bool is_process_alive(const term& pid) {
  if (!pid.is_pid()) throw badarg("is_process_alive: not a pid: " + pid.to_string());
  return detail::the_runtime_state().table.visit(pid.as_pid(), [](process_control_block&) {});
}

std::vector<term> processes() { return detail::the_runtime_state().table.pids(); }

std::optional<process_info_result> process_info(const term& pid) {
  if (!pid.is_pid()) throw badarg("process_info: not a pid: " + pid.to_string());
  if (!in_process()) return runtime::current().run([&] { return process_info(pid); });
  if (!is_local(pid)) throw badarg("process_info: " + pid.to_string() + " is a process of another node");
  process_control_block& p = me();
  const bool is_self = pid == p.pid_term();
  const term ref = p.new_ref();
  // A process answers from its inbox; one that dies first answers {Ref, undefined} on its way out.
  if (!send_signal(pid.as_pid(), make_envelope(signal_kind::info_request, p.pid_term(), term(), ref)))
    return std::nullopt;
  const term answer = *p.receive([&](const term& m) { return m.is_tuple(2) && m[0] == ref; }, infinity);
  if (answer[1].is_atom(atoms::undefined)) return std::nullopt;
  const term& info = answer[1];
  auto get = [&](const char* key) { return *info.find(atom(key)); };
  process_info_result r;
  r.status = get("status").as_atom();
  r.message_queue_len = static_cast<std::size_t>(get("message_queue_len").as_int());
  r.messages_received = static_cast<std::uint64_t>(get("messages_received").as_int());
  r.module = std::string(get("module").as_binary());
  r.vsn = std::string(get("vsn").as_binary());
  r.memory = static_cast<std::size_t>(get("memory").as_int());
  r.registered_name = get("registered_name");
  for (const term& l : get("links").elements()) r.links.push_back(l);
  r.monitors = static_cast<std::size_t>(get("monitors").as_int());
  r.monitored_by = static_cast<std::size_t>(get("monitored_by").as_int());
  r.trap_exit = get("trap_exit").is_atom(atoms::true_);
  if (is_self) r.status = atoms::running;
  return r;
}

}  // namespace otp
