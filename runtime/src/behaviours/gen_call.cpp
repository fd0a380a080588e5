#include "behaviours/gen_call.hpp"

#include <algorithm>
#include <chrono>
#include <optional>

#include "dist/router.hpp"
#include "otp/node_table.hpp"
#include "processes/process_control_block.hpp"

namespace otp::detail {
namespace {

[[noreturn]] void fail(term reason, const std::function<term()>& location) {
  throw exit_exception(tuple(std::move(reason), location()));
}

}  // namespace

term gen_call(const term& server, const std::function<term(const term& from)>& make_message, milliseconds timeout,
              const std::function<term()>& location) {
  process_control_block* me = current_process();
  if (me == nullptr) throw not_in_process();
  if (timeout < milliseconds(0)) throw badarg("call: negative timeout");

  term target = server;
  atom node = node_table::local_identity().name;
  bool remote_name = false;  // {Name, Node} of another node: monitored and sent by name
  if (server.is_atom() || (server.is_tuple(2) && server[0].is_atom() && server[1].is_atom())) {
    if (!server.is_atom()) node = server[1].as_atom();
    remote_name = !(node == node_table::local_identity().name);
    if (!remote_name) {
      target = whereis(server.is_atom() ? server.as_atom() : server[0].as_atom());
      if (target.is_atom()) fail(atoms::noproc, location);
    }
  } else if (!server.is_pid()) {
    throw badarg("call: not a pid, a name or {Name, Node}: " + server.to_string());
  } else if (server.as_pid().node != node_table::local_index) {
    node = node_table::identity(server.as_pid().node).name;
  }
  const bool remote = remote_name || target.as_pid().node != node_table::local_index;
  if (!remote && target == me->pid_term()) fail(atoms::calling_self, location);

  const bool plain_tag = timeout == infinity && !remote;
  // monitor(process, Server, [{alias, demonitor}]) and the send, in one signal: the server
  // records the monitor as it takes the message, and drops it again when it replies. To another
  // node the signal becomes MONITOR_P and SEND (or REG_SEND), in that order.
  const term ref = me->new_ref();
  term alias_head[] = {term(atoms::alias)};
  const term tag = plain_tag ? ref : term::make_list_from(alias_head, ref);
  me->add_monitor(ref, target, !plain_tag);
  const term message = make_message(tuple(me->pid_term(), tag));
  const bool sent = remote_name
                        ? dist::call_name(me->pid_term(), server[0].as_atom(), node, ref, message)
                        : send_signal(target.as_pid(), make_envelope(signal_kind::call, me->pid_term(), message, ref));
  if (!sent) {
    me->remove_monitor(ref);
    fail(remote ? tuple(atoms::nodedown, node) : term(atoms::noproc), location);
  }

  const auto answer = me->receive(
      [&](const term& m) {
        return m.is_tuple() &&
               ((m.size() == 2 && m[0] == tag) || (m.size() == 5 && m[0].is_atom(atoms::down) && m[1] == ref));
      },
      timeout);
  if (!answer) {
    // As gen.erl: a reply that got in before the alias went away is still the answer.
    demonitor(ref, true);
    auto late = me->receive([&](const term& m) { return m.is_tuple(2) && m[0] == tag; }, milliseconds(0));
    if (late) return (*late)[1];
    fail(atoms::timeout, location);
  }
  if (answer->size() == 2) {
    demonitor(ref, true);
    return (*answer)[1];
  }
  const term& reason = (*answer)[4];
  if (reason.is_atom(atoms::noconnection)) fail(tuple(atoms::nodedown, node), location);
  fail(reason, location);
}

call_batch gen_call_many(const std::vector<term>& servers, const std::function<term(const term& from)>& make_message,
                         milliseconds timeout) {
  using clock = std::chrono::steady_clock;
  process_control_block* me = current_process();
  if (me == nullptr) throw not_in_process();
  if (timeout < milliseconds(0)) throw badarg("call: negative timeout");
  const std::size_t n = servers.size();
  call_batch batch{std::vector<term>(n), std::vector<clock::time_point>(n), std::vector<clock::time_point>(n)};
  // The monitors live in the process's call window: consecutive refs, found by index (no hash map).
  me->open_call_window(n);
  std::vector<term> refs(n);  // the refs still awaiting an answer; nil otherwise
  std::uint32_t first_id = 0;
  std::size_t pending = 0;
  for (std::size_t i = 0; i < n; ++i) {
    batch.sent_at[i] = clock::now();
    batch.answered_at[i] = batch.sent_at[i];
    const term target = servers[i].is_atom() ? whereis(servers[i].as_atom()) : servers[i];
    if (!target.is_pid() || target.as_pid().node != node_table::local_index || target == me->pid_term()) {
      batch.results[i] = tuple(atoms::error, target.is_pid() ? term(atoms::badarg) : term(atoms::noproc));
      continue;
    }
    const term ref = me->add_window_monitor(i, target);
    first_id = ref.reference_ids()[0] - static_cast<std::uint32_t>(i);
    envelope* request = make_envelope(signal_kind::call, me->pid_term(), make_message(tuple(me->pid_term(), ref)), ref);
    if (!send_signal(target.as_pid(), request)) {
      me->remove_monitor(ref);
      batch.results[i] = tuple(atoms::error, atoms::noproc);
      continue;
    }
    refs[i] = ref;
    ++pending;
  }
  auto index_of = [&](const term& ref) -> std::optional<std::size_t> {
    if (!ref.is_reference()) return std::nullopt;
    const std::size_t i = static_cast<std::uint32_t>(ref.reference_ids()[0] - first_id);
    if (i >= n || !(refs[i] == ref)) return std::nullopt;
    return i;
  };
  const auto deadline = timeout == infinity ? clock::time_point::max() : clock::now() + timeout;
  while (pending > 0) {
    const milliseconds left =
        deadline == clock::time_point::max()
            ? infinity
            : std::max(milliseconds(0), std::chrono::duration_cast<milliseconds>(deadline - clock::now()));
    std::size_t index = 0;
    const auto answer = me->receive(
        [&](const term& m) {
          if (!m.is_tuple()) return false;
          std::optional<std::size_t> i;
          if (m.size() == 2)
            i = index_of(m[0]);
          else if (m.size() == 5 && m[0].is_atom(atoms::down))
            i = index_of(m[1]);
          if (i) index = *i;
          return i.has_value();
        },
        left);
    if (!answer) break;
    batch.answered_at[index] = clock::now();
    --pending;
    if (answer->size() == 2) {
      // The reply normally ended the monitor on both sides (call_done); otherwise end it here.
      if (const auto target = me->remove_monitor(refs[index]))
        send_signal(target->as_pid(), make_envelope(signal_kind::demonitor, me->pid_term(), term(), refs[index]));
      batch.results[index] = tuple(atoms::ok, (*answer)[1]);
    } else {
      batch.results[index] = tuple(atoms::error, (*answer)[4]);
    }
    refs[index] = term();
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (refs[i].is_nil()) continue;
    demonitor(refs[i], true);
    batch.results[i] = tuple(atoms::error, atoms::timeout);
    batch.answered_at[i] = clock::time_point::max();
  }
  me->close_call_window();
  return batch;
}

void gen_reply(const term& from, term reply_value) {
  if (!from.is_tuple(2) || !from[0].is_pid()) throw badarg("reply: From must be {Pid, Tag}: " + from.to_string());
  const term& caller = from[0];
  const term& tag = from[1];
  const bool to_alias = tag.is_list() && !tag.is_nil() && tag.head().is_atom(atoms::alias);
  const term ref = to_alias ? tag.tail() : tag;
  if (caller.as_pid().node != node_table::local_index) {
    // A caller on another node: a plain SEND of {Tag, Reply}; the caller demonitors itself.
    send_signal(caller.as_pid(), make_envelope(signal_kind::message, term(), tuple(tag, std::move(reply_value))));
    return;
  }
  // [alias | Ref]: a reply to an alias is dropped once the caller gave up on it.
  envelope* reply = make_envelope(to_alias ? signal_kind::alias_message : signal_kind::message, term(),
                                  tuple(tag, std::move(reply_value)), ref);
  process_control_block* me = current_process();
  reply->call_done = me != nullptr && ref.is_reference() && me->release_call_monitor(ref, caller);
  send_signal(caller.as_pid(), reply);
}

}  // namespace otp::detail
