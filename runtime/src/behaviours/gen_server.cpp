// The generic part of gen_server: the process loop (gen_server.erl's loop/decode_msg/handle_msg),
// start with its init handshake (proc_lib:start/init_ack), call, cast, reply and stop.
#include "otp/gen_server.hpp"

#include <mutex>
#include <typeinfo>
#include <unordered_map>

#include "behaviours/gen_call.hpp"
#include "behaviours/system_functions.hpp"
#include "otp/log.hpp"
#include "otp/runtime.hpp"
#include "otp/term_text.hpp"
#include "processes/process_control_block.hpp"
#include "processes/runtime_state.hpp"

namespace otp::gen_server {

using detail::process_control_block;
using detail::slice_end;

result behaviour::handle_call(const term& request, const term&, const term& state) {
  return result::stop(tuple(atom("bad_call"), request), state);
}
result behaviour::handle_cast(const term& request, const term& state) {
  return result::stop(tuple(atom("bad_cast"), request), state);
}
result behaviour::handle_info(const term& info, const term& state) {
  log::report(log::level::warning, "gen_server",
              {{"label", "{gen_server,no_handle_info}"},
               {"module", module_name()},
               {"message", to_string(info, report_limits)}});
  return result::noreply(state);
}
result behaviour::handle_continue(const term& continuation, const term& state) {
  return result::stop(tuple(atom("bad_continue"), continuation), state);
}
void behaviour::terminate(const term&, const term&) {}
code_change_result behaviour::code_change(const term&, const term& state, const term&) {
  return code_change_result::success(state);
}
std::string behaviour::module_name() const { return detail::demangled_name(typeid(*this)); }

namespace {

const atom ack_tag("ack");

bool is_quiet_reason(const term& reason) {
  return reason.is_atom(atoms::normal) || reason.is_atom(atoms::shutdown) ||
         (reason.is_tuple(2) && reason[0].is_atom(atoms::shutdown));
}

const atom in_event("in");
const atom out_event("out");
const atom noreply_event("noreply");
const atom continue_event("continue");

// gen_server's print_event: the trace line of one debug event.
std::string print_event(const term& name, const term& event) {
  auto text = [](const term& t) { return to_string(t, report_limits); };
  const std::string prefix = "*DBG* " + text(name);
  if (event.is_tuple(2) && event[0].is_atom(in_event)) {
    const term& m = event[1];
    if (m.is_tuple(3) && m[0].is_atom(atoms::gen_call) && m[1].is_tuple(2))
      return prefix + " got call " + text(m[2]) + " from " + text(m[1][0]);
    if (m.is_tuple(2) && m[0].is_atom(atoms::gen_cast)) return prefix + " got cast " + text(m[1]);
    return prefix + " got " + text(m);
  }
  if (event.is_tuple(4) && event[0].is_atom(out_event) && event[2].is_tuple(2))
    return prefix + " sent " + text(event[1]) + " to " + text(event[2][0]) + ", new state " + text(event[3]);
  if (event.is_tuple(2) && event[0].is_atom(noreply_event)) return prefix + " new state " + text(event[1]);
  return prefix + " dbg  " + text(event);
}

term result_as_term(const result& r) {
  switch (r.tag) {
    case result::kind::reply: return tuple(atom("reply"), r.reply_value, r.state);
    case result::kind::noreply: return tuple(atom("noreply"), r.state);
    case result::kind::stop: return tuple(atoms::stop, r.reason, r.state);
    case result::kind::stop_reply: return tuple(atoms::stop, r.reason, r.reply_value, r.state);
  }
  return term();
}

// The gen_server process: init, then one message per step.
class server_body final : public detail::process_body {
 public:
  server_body(std::shared_ptr<behaviour> callbacks, term args, term starter, term parent, std::optional<atom> name)
      : callbacks_(std::move(callbacks)),
        args_(std::move(args)),
        starter_(std::move(starter)),
        parent_(std::move(parent)),
        name_(name) {}

  slice_end run(process_control_block& self) override {
    if (!started_) {
      started_ = true;
      if (!initialise(self)) return slice_end::exit;
    }
    const unsigned budget = detail::the_runtime_state().pool.messages_per_slice();
    for (unsigned handled = 0; handled < budget; ++handled) {
      if (next_.tag == action::kind::continue_with) {
        action pending = std::exchange(next_, action{});
        dispatch_unasked(self, tuple(continue_event, pending.argument),
                         [&] { return callbacks_->handle_continue(pending.argument, state_); });
        if (exit_reason_) return slice_end::exit;
        continue;
      }
      self.drain_inbox();
      std::optional<term> message = take_message(self);
      if (!message) {
        // A suspended server runs no timeout; resume re-arms it in full, as sys's suspend_loop does.
        if (next_.tag == action::kind::timeout && !suspended_) {
          if (next_.time == milliseconds(0) ||
              (timeout_sequence_ != 0 && self.receive_timer_fired(timeout_sequence_))) {
            next_ = action{};
            timeout_sequence_ = 0;
            dispatch_unasked(self, tuple(in_event, atoms::timeout),
                             [&] { return callbacks_->handle_info(term(atoms::timeout), state_); });
            if (exit_reason_) return slice_end::exit;
            continue;
          }
          if (timeout_sequence_ == 0) timeout_sequence_ = self.arm_receive_timer(next_.time);
        }
        return slice_end::wait;
      }
      handle_message(self, *message);
      if (exit_reason_) return slice_end::exit;
    }
    return slice_end::yield;
  }

  // Set once the server has stopped (terminate ran): the reason the process exits with.
  term exit_reason() const override { return exit_reason_ ? *exit_reason_ : term(atoms::normal); }

  // Asked at each process_info: a module's server answers with the version it dispatches to now.
  std::string module_name() const override { return callbacks_->module_name(); }
  std::string module_vsn() const override { return callbacks_->module_vsn(); }
  std::size_t memory_estimate() const override { return sizeof(*this); }
  bool suspended() const override { return suspended_; }

 private:
  // proc_lib:init_ack to whoever waits in start().
  void acknowledge(const term& answer) {
    if (!starter_.is_nil()) send(starter_, tuple(ack_tag, self(), answer));
  }

  bool initialise(process_control_block& self) {
    if (parent_.is_nil()) parent_ = self.pid_term();  // gen_server:start makes the server its own parent
    if (name_) {
      try {
        register_name(*name_, self.pid_term());
      } catch (const badarg&) {
        acknowledge(tuple(atoms::error, tuple(atoms::already_started, whereis(*name_))));
        return false;  // exits normal
      }
    }
    init_result r;
    try {
      r = callbacks_->init(args_);
    } catch (...) {
      const term reason = detail::exit_reason_of_current_exception();
      if (name_) unregister_name(*name_);
      acknowledge(tuple(atoms::error, reason));
      throw exit_exception(reason);
    }
    args_ = term();
    switch (r.tag) {
      case init_result::kind::ok:
        state_ = std::move(r.state);
        next_ = std::move(r.next);
        acknowledge(tuple(atoms::ok, self.pid_term()));
        return true;
      case init_result::kind::ignore:
        if (name_) unregister_name(*name_);
        acknowledge(atoms::ignore);
        return false;
      case init_result::kind::stop:
        if (name_) unregister_name(*name_);
        acknowledge(tuple(atoms::error, r.reason));
        throw exit_exception(r.reason);
    }
    return false;
  }

  // The next message to handle; while suspended only system messages and the parent's EXIT.
  std::optional<term> take_message(process_control_block& self) {
    auto& queue = self.messages();
    if (!suspended_) {
      if (queue.empty()) return std::nullopt;
      return queue.take(0);
    }
    for (std::size_t i = 0; i < queue.size(); ++i) {
      const term& m = queue.at(i);
      if ((m.is_tuple(3) && m[0].is_atom(atoms::system)) || is_parent_exit(m)) return queue.take(i);
    }
    return std::nullopt;
  }

  bool is_parent_exit(const term& m) const { return m.is_tuple(3) && m[0].is_atom(atoms::exit_) && m[1] == parent_; }

  // The one test on the message path that debugging costs when it is off.
  void handle_message(process_control_block& self, const term& message) {
    if (debug_) [[unlikely]]
      handle_message_as<true>(self, message);
    else
      handle_message_as<false>(self, message);
  }

  template <bool debugged>
  void handle_message_as(process_control_block& self, const term& message) {
    // Any message cancels a pending timeout; a system message re-arms it afterwards.
    const action pending = next_;
    if (next_.tag == action::kind::timeout) {
      self.cancel_receive_timer();
      timeout_sequence_ = 0;
      next_ = action{};
    }
    if (message.is_tuple(3) && message[0].is_atom(atoms::gen_call)) {
      const term& from = message[1];
      if constexpr (debugged) record(tuple(in_event, message));
      dispatch<debugged>(
          self, [&] { return callbacks_->handle_call(message[2], from, state_); }, from);
    } else if (message.is_tuple(2) && message[0].is_atom(atoms::gen_cast)) {
      if constexpr (debugged) record(tuple(in_event, message));
      dispatch<debugged>(
          self, [&] { return callbacks_->handle_cast(message[1], state_); }, term());
    } else if (message.is_tuple(3) && message[0].is_atom(atoms::system)) {
      handle_system(self, message[1], message[2]);
      if (pending.tag == action::kind::timeout) next_ = pending;
    } else if (is_parent_exit(message) && self.traps_exits()) {
      stop_with(message[2]);
    } else {
      if constexpr (debugged) record(tuple(in_event, message));
      dispatch<debugged>(
          self, [&] { return callbacks_->handle_info(message, state_); }, term());
    }
  }

  // A callback no message asked for (a timeout, a continuation): `event` is what the log shows.
  template <class Callback>
  void dispatch_unasked(process_control_block& self, const term& event, Callback&& callback) {
    if (debug_) [[unlikely]] {
      record(event);
      dispatch<true>(self, callback, term());
    } else {
      dispatch<false>(self, callback, term());
    }
  }

  void record(const term& event) {
    if (debug_) debug_->record(event, server_name());
  }

  term server_name() const { return name_ ? term(*name_) : self(); }

  // Runs a callback and acts on its result. `from` is the caller for handle_call, nil otherwise.
  template <bool debugged, class Callback>
  void dispatch(process_control_block&, Callback&& callback, const term& from) {
    result r;
    // Each kind caught where it is, so finding the exit reason throws nothing more.
    try {
      r = callback();
    } catch (const detail::forced_exit&) {
      throw;
    } catch (const exit_exception& e) {
      return stop_with(e.reason());
    } catch (const std::exception& e) {
      return stop_with(detail::exit_reason_of(e));
    } catch (...) {
      return stop_with(detail::exit_reason_of_current_exception());
    }
    const bool is_call = !from.is_nil();
    switch (r.tag) {
      case result::kind::reply:
        if (!is_call) return stop_with(tuple(atoms::bad_return_value, result_as_term(r)));
        if constexpr (debugged) record(tuple(out_event, r.reply_value, from, r.state));
        detail::gen_reply(from, std::move(r.reply_value));
        break;
      case result::kind::noreply:
        if constexpr (debugged) record(tuple(noreply_event, r.state));
        break;
      case result::kind::stop: state_ = std::move(r.state); return stop_with(r.reason);
      case result::kind::stop_reply:
        if (!is_call) return stop_with(tuple(atoms::bad_return_value, result_as_term(r)));
        if constexpr (debugged) record(tuple(out_event, r.reply_value, from, r.state));
        state_ = std::move(r.state);
        return stop_with(r.reason, [&] { detail::gen_reply(from, std::move(r.reply_value)); });
    }
    state_ = std::move(r.state);
    next_ = std::move(r.next);
    if (next_.tag == action::kind::hibernate) next_ = action{};  // an idle server holds no stack already
  }

  // terminate(Reason, State); the process then exits with Reason (or with what terminate raised):
  // run() returns slice_end::exit as soon as it sees exit_reason_ set.
  void stop_with(const term& reason, const std::function<void()>& after = nullptr) {
    term final_reason = reason;
    try {
      callbacks_->terminate(reason, state_);
    } catch (const detail::forced_exit&) {
      throw;
    } catch (...) {
      final_reason = detail::exit_reason_of_current_exception();
    }
    if (after) after();
    if (!is_quiet_reason(final_reason) && log::enabled(log::level::error))
      log::report(log::level::error, "crash_report",
                  {{"label", "{gen_server,terminate}"},
                   {"name", name_ ? term(*name_).to_string() : self().to_string()},
                   {"reason", to_string(final_reason, report_limits)},
                   {"state", to_string(state_, report_limits)}});
    exit_reason_ = final_reason;
  }

  void handle_system(process_control_block&, const term& from, const term& request) {
    detail::system_request_handler handler{
        .suspended = suspended_,
        .get_state = [&] { return state_; },
        .set_state = [&](term s) { state_ = std::move(s); },
        .code_change =
            [&](const term& old_vsn, const term& extra) {
              const code_change_result r = callbacks_->code_change(old_vsn, state_, extra);
              if (r.ok) state_ = r.value;
              return r.ok ? term(atoms::ok) : tuple(atoms::error, r.value);
            },
        .status =
            [&] {
              const term logged = debug_ ? debug_->logged_events() : term();
              return detail::status_misc(server_name(), suspended_, parent_, logged, state_);
            },
        .module = atoms::gen_server,
        .parent = parent_,
        .debug = debug_,
        .print_event = print_event,
        .name = server_name(),
    };
    const detail::system_outcome outcome = detail::handle_system_request(handler, from, request);
    if (outcome.terminate) stop_with(outcome.reason);
  }

  std::shared_ptr<behaviour> callbacks_;
  term args_;
  term starter_;
  term parent_;
  std::optional<atom> name_;
  term state_;
  action next_;
  std::uint64_t timeout_sequence_ = 0;
  std::optional<term> exit_reason_;
  bool started_ = false;
  bool suspended_ = false;
  std::unique_ptr<detail::debug_options> debug_;  // null while no sys debug option is on
};

}  // namespace

term start_link(std::shared_ptr<behaviour> callbacks, term args, start_options options) {
  options.link = true;
  return start(std::move(callbacks), std::move(args), std::move(options));
}

term start(std::shared_ptr<behaviour> callbacks, term args, start_options options) {
  if (!callbacks) throw badarg("gen_server:start: no callbacks");
  if (!in_process()) {
    if (options.link) throw not_in_process();
    return runtime::current().run([&] { return start(std::move(callbacks), std::move(args), options); });
  }
  if (options.timeout < milliseconds(0)) throw badarg("gen_server:start: negative timeout");
  const term starter = self();
  const term child = detail::spawn_body(std::make_unique<server_body>(std::move(callbacks), std::move(args), starter,
                                                                      options.link ? starter : term(), options.name),
                                        options.link);
  auto ack = receive(
      [&](const term& m) {
        return (m.is_tuple(3) && m[0].is_atom(ack_tag) && m[1] == child) ||
               (options.link && m.is_tuple(3) && m[0].is_atom(atoms::exit_) && m[1] == child);
      },
      options.timeout);
  if (!ack) {
    if (options.link) unlink(child);
    exit(child, atoms::kill);
    return tuple(atoms::error, atoms::timeout);
  }
  if ((*ack)[0].is_atom(atoms::exit_)) return tuple(atoms::error, (*ack)[2]);
  return (*ack)[2];
}

term call(const term& server, term request) {
  if (!in_process()) return runtime::current().run([&] { return call(server, request); });
  return detail::gen_call(
      server, [&](const term& from) { return tuple(atoms::gen_call, from, request); }, default_call_timeout,
      [&] { return tuple(atoms::gen_server, atoms::call, list(server, request)); });
}

term call(const term& server, term request, milliseconds timeout) {
  if (!in_process()) return runtime::current().run([&] { return call(server, request, timeout); });
  return detail::gen_call(
      server, [&](const term& from) { return tuple(atoms::gen_call, from, request); }, timeout,
      [&] {
        const term timeout_term = timeout == infinity ? term(atoms::infinity) : term(timeout.count());
        return tuple(atoms::gen_server, atoms::call, list(server, request, timeout_term));
      });
}

void cast(const term& server, term request) {
  try {
    send(server, tuple(atoms::gen_cast, std::move(request)));
  } catch (const badarg&) {
    // gen_server:cast never fails, even to a name nobody holds.
  }
}

void reply(const term& from, term reply_value) { detail::gen_reply(from, std::move(reply_value)); }

void stop(const term& server, term reason, milliseconds timeout) {
  if (!in_process()) return runtime::current().run([&] { stop(server, reason, timeout); });
  detail::stop_process(server, std::move(reason), timeout);
}

}  // namespace otp::gen_server
