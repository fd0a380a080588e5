// otp::global (otp/global.hpp): the calls go to this node's global_name_server; registration runs
// in the caller, as OTP's registrar does: global's lock on every known node, the register call on
// each, then the lock released.
#include "otp/global.hpp"

#include <algorithm>
#include <random>

#include "dist/global_name_server.hpp"
#include "otp/gen_server.hpp"
#include "otp/node.hpp"
#include "otp/runtime.hpp"

namespace otp::global {
namespace {

using detail::dist::global_name_server_name;

constexpr milliseconds remote_call_timeout{30000};

void require_alive(const char* what) {
  if (!node::alive()) throw badarg(std::string("global:") + what + ": this node is not alive");
}

term local_server() { return term(atom(global_name_server_name)); }

// A call to a node's server; nullopt when that node went away (or does not answer), which a
// multi_call counts as a bad node and leaves out.
std::optional<term> call_server(atom node, const term& request) {
  const term server = node == node::name() ? local_server() : tuple(atom(global_name_server_name), node);
  try {
    return gen_server::call(server, request, remote_call_timeout);
  } catch (const exit_exception&) {
    return std::nullopt;
  }
}

std::vector<atom> this_and_known_nodes() {
  std::vector<atom> nodes{node::name()};
  const term known = gen_server::call(local_server(), atom("get_known"), infinity);
  for (const term& k : known.elements())
    if (k.is_tuple(2) && k[0].is_atom()) nodes.push_back(k[0].as_atom());
  return nodes;
}

std::vector<atom> sorted(std::vector<atom> nodes) {
  std::sort(nodes.begin(), nodes.end());
  return nodes;
}

void release(const term& id, const std::vector<atom>& nodes) {
  for (atom n : nodes) call_server(n, tuple(atom("del_lock"), id));
}

// set_lock on every node, all or none (OTP's set_lock_on_nodes).
bool lock(const term& id, const std::vector<atom>& nodes) {
  std::vector<atom> locked;
  for (atom n : nodes) {
    const auto answer = call_server(n, tuple(atom("set_lock"), id));
    if (answer && answer->is_atom(atoms::false_)) {
      release(id, locked);
      return false;
    }
    locked.push_back(n);
  }
  return true;
}

// OTP's random_sleep: up to 1/4 s the first time, doubling up to 8 s.
void back_off(int attempt) {
  thread_local std::mt19937 random{std::random_device{}()};
  const int limit = attempt > 5 ? 8000 : (1 << attempt) * 1000 / 8;
  const int wait = std::uniform_int_distribution<int>(1, std::max(limit, 1))(random);
  receive([](const term&) { return false; }, milliseconds(wait));
}

// OTP's trans_all_known: `work` runs with global's lock on this node and every node it knows
// (retrying with back-off until the lock is had), and gets those nodes. The nodes known can grow
// while the lock is being taken (a connect session that held it ends): then the lock covers too
// few nodes, so it is given back and taken again, as OTP's lock_on_known_nodes does.
template <class Work>
auto with_global_lock(Work work) {
  const term id = tuple(atom("global"), self());
  for (int attempt = 1;; ++attempt) {
    const std::vector<atom> nodes = this_and_known_nodes();
    if (!lock(id, nodes)) {
      back_off(attempt);
      continue;
    }
    const std::vector<atom> locked = sorted(nodes), known_now = sorted(this_and_known_nodes());
    if (!std::includes(locked.begin(), locked.end(), known_now.begin(), known_now.end())) {
      release(id, nodes);
      back_off(attempt);
      continue;
    }
    struct unlock_at_exit {
      const term& id;
      const std::vector<atom>& nodes;
      ~unlock_at_exit() { release(id, nodes); }
    } unlock{id, nodes};
    return work(nodes);
  }
}

}  // namespace

bool register_name(const term& name, const term& pid) {
  if (!in_process()) return runtime::current().run([&] { return register_name(name, pid); });
  require_alive("register_name");
  if (!pid.is_pid()) throw badarg("global:register_name: not a pid: " + pid.to_string());
  return with_global_lock([&](const std::vector<atom>& nodes) {
    const bool free =
        whereis_name(name).is_atom(atoms::undefined) &&
        gen_server::call(local_server(), tuple(atom("pid_has_name"), pid), infinity).is_atom(atoms::false_);
    if (free)
      for (atom n : nodes) call_server(n, tuple(atom("register"), name, pid, detail::dist::global_resolve_method()));
    return free;
  });
}

void unregister_name(const term& name) {
  if (!in_process()) return runtime::current().run([&] { unregister_name(name); });
  require_alive("unregister_name");
  if (whereis_name(name).is_atom(atoms::undefined)) return;
  with_global_lock([&](const std::vector<atom>& nodes) {
    for (atom n : nodes) call_server(n, tuple(atom("unregister"), name));
  });
}

term whereis_name(const term& name) {
  require_alive("whereis_name");
  return gen_server::call(local_server(), tuple(atom("whereis"), name), infinity);
}

term send(const term& name, term message) {
  const term pid = whereis_name(name);
  if (!pid.is_pid()) throw badarg("global:send: no process is registered as " + name.to_string());
  otp::send(pid, std::move(message));
  return pid;
}

std::vector<term> registered_names() {
  require_alive("registered_names");
  const term all = gen_server::call(local_server(), atom("registered_names"), infinity);
  return {all.elements().begin(), all.elements().end()};
}

void sync() {
  require_alive("sync");
  std::vector<term> nodes;
  for (atom n : node::nodes()) nodes.push_back(n);
  gen_server::call(local_server(), tuple(atom("sync"), term::make_list(std::move(nodes))), infinity);
}

}  // namespace otp::global
