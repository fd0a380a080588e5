#include "dist/pg_scope.hpp"

#include <algorithm>
#include <map>
#include <vector>

#include "otp/gen_server.hpp"
#include "otp/log.hpp"
#include "otp/node.hpp"
#include "otp/process.hpp"

namespace otp::detail::dist {
namespace {

struct term_less {
  bool operator()(const term& a, const term& b) const noexcept { return a < b; }
};

using group_map = std::map<term, std::vector<term>, term_less>;  // Group -> Pids (a pid once per join)

std::vector<term> pids_of(const term& pid_or_pids) {
  if (pid_or_pids.is_pid()) return {pid_or_pids};
  std::vector<term> pids;
  if (pid_or_pids.is_list())
    for (const term& p : pid_or_pids.elements())
      if (p.is_pid()) pids.push_back(p);
  return pids;
}

void remove_once(std::vector<term>& from, const term& pid) {
  if (auto it = std::find(from.begin(), from.end(), pid); it != from.end()) from.erase(it);
}

term group_list(const group_map& groups) {
  std::vector<term> all;
  for (const auto& [group, pids] : groups)
    if (!pids.empty()) all.push_back(tuple(group, term::make_list(pids)));
  return term::make_list(std::move(all));
}

class scope {
 public:
  void run() {
    try {
      node::monitor_nodes(true);
    } catch (const badarg&) {
      return;  // started with the node, which stopped before this ran (a tool's node may stop at once)
    }
    for (atom n : node::nodes()) discover(n);
    for (;;) {
      const term message = receive();
      try {
        handle(message);
      } catch (const std::exception& e) {
        log::write(log::level::warning,
                   std::string("pg: ignored a message it could not handle (") + e.what() + "): " + message.to_string());
      }
    }
  }

 private:
  void discover(atom n) { send(tuple(atom(pg_scope_name), n), tuple(atom("discover"), self())); }

  void handle(const term& m) {
    if (m.is_tuple(3) && m[0].is_atom(atom("$gen_call"))) return reply(m[1], handle_call(m[2]));
    if (m.is_tuple(2) && m[0].is_atom(atom("$gen_cast")) && m[1].is_tuple(3) && m[1][0].is_atom(atom("sync")) &&
        m[1][1].is_pid())
      return sync(m[1][1], m[1][2]);
    if (m.is_tuple(2) && m[0].is_atom(atom("discover")) && m[1].is_pid()) return on_discover(m[1]);
    if (m.is_tuple(4) && m[0].is_atom(atom("join")) && m[1].is_pid()) return on_join(m[1], m[2], m[3]);
    if (m.is_tuple(4) && m[0].is_atom(atom("leave")) && m[1].is_pid()) return on_leave(m[1], m[2], m[3]);
    if (m.is_tuple(5) && m[0].is_atom(atom("DOWN"))) return on_down(m[1], m[3]);
    if (m.is_tuple(2) && m[0].is_atom(atom("nodeup"))) return discover(m[1].as_atom());
    if (m.is_tuple(2) && m[0].is_atom(atoms::nodedown)) return;
    log::write(log::level::warning, "pg: unexpected message " + m.to_string());
  }

  static void reply(const term& from, term value) { gen_server::reply(from, std::move(value)); }

  term handle_call(const term& request) {
    if (request.is_tuple(3) && request[0].is_atom(atom("join_local"))) {
      for (const term& pid : pids_of(request[2])) join_local(request[1], pid);
      broadcast(tuple(atom("join"), self(), request[1], request[2]));
      return term(atoms::ok);
    }
    if (request.is_tuple(3) && request[0].is_atom(atom("leave_local"))) {
      auto& members = local_[request[1]];
      if (std::find(members.begin(), members.end(), request[2]) == members.end()) return term(atom("not_joined"));
      leave_local(request[1], request[2]);
      broadcast(tuple(atom("leave"), self(), request[2], list(request[1])));
      return term(atoms::ok);
    }
    if (request.is_tuple(2) && request[0].is_atom(atom("get_members"))) {
      std::vector<term> all = members_of(local_, request[1]);
      for (const auto& [_, peer] : remote_) {
        const auto more = members_of(peer.groups, request[1]);
        all.insert(all.end(), more.begin(), more.end());
      }
      return term::make_list(std::move(all));
    }
    if (request.is_tuple(2) && request[0].is_atom(atom("get_local_members")))
      return term::make_list(members_of(local_, request[1]));
    if (request.is_atom(atom("which_groups"))) {
      group_map all = local_;
      for (const auto& [_, peer] : remote_)
        for (const auto& [group, pids] : peer.groups) all[group].insert(all[group].end(), pids.begin(), pids.end());
      std::vector<term> groups;
      for (const auto& [group, pids] : all)
        if (!pids.empty()) groups.push_back(group);
      return term::make_list(std::move(groups));
    }
    return tuple(atoms::error, atoms::badarg);
  }

  static std::vector<term> members_of(const group_map& groups, const term& group) {
    auto it = groups.find(group);
    return it == groups.end() ? std::vector<term>{} : it->second;
  }

  void broadcast(const term& message) {
    for (const auto& [peer, _] : remote_) send(peer, message);
  }

  void join_local(const term& group, const term& pid) {
    local_[group].push_back(pid);
    if (!local_monitors_.contains(pid)) local_monitors_[pid] = monitor(pid);
  }

  void leave_local(const term& group, const term& pid) {
    auto it = local_.find(group);
    if (it == local_.end()) return;
    remove_once(it->second, pid);
    if (it->second.empty()) local_.erase(it);
    const bool still_member = std::any_of(local_.begin(), local_.end(), [&](const auto& g) {
      return std::find(g.second.begin(), g.second.end(), pid) != g.second.end();
    });
    if (!still_member) {
      if (auto m = local_monitors_.find(pid); m != local_monitors_.end()) {
        demonitor(m->second, true);
        local_monitors_.erase(m);
      }
    }
  }

  void on_discover(const term& peer) {
    gen_server::cast(peer, tuple(atom("sync"), self(), group_list(local_)));
    if (remote_.contains(peer)) return;
    remote_[peer] = remote_scope{monitor(peer), {}};
    send(peer, tuple(atom("discover"), self()));
  }

  void sync(const term& peer, const term& groups) {
    auto it = remote_.find(peer);
    if (it == remote_.end()) it = remote_.emplace(peer, remote_scope{monitor(peer), {}}).first;
    group_map fresh;
    for (const term& g : groups.elements())
      if (g.is_tuple(2)) fresh[g[0]] = pids_of(g[1]);
    it->second.groups = std::move(fresh);
  }

  void on_join(const term& peer, const term& group, const term& pid_or_pids) {
    auto it = remote_.find(peer);
    if (it == remote_.end()) return;
    auto& members = it->second.groups[group];
    for (const term& pid : pids_of(pid_or_pids)) members.push_back(pid);
  }

  void on_leave(const term& peer, const term& pid_or_pids, const term& groups) {
    auto it = remote_.find(peer);
    if (it == remote_.end() || !groups.is_list()) return;
    for (const term& group : groups.elements()) {
      auto g = it->second.groups.find(group);
      if (g == it->second.groups.end()) continue;
      for (const term& pid : pids_of(pid_or_pids)) remove_once(g->second, pid);
      if (g->second.empty()) it->second.groups.erase(g);
    }
  }

  void on_down(const term& ref, const term& pid) {
    if (auto m = local_monitors_.find(pid); m != local_monitors_.end() && m->second == ref) {
      local_monitors_.erase(m);
      std::vector<term> left;
      for (auto g = local_.begin(); g != local_.end();) {
        const auto before = g->second.size();
        std::erase(g->second, pid);
        if (g->second.size() != before) left.push_back(g->first);
        g = g->second.empty() ? local_.erase(g) : std::next(g);
      }
      if (!left.empty()) broadcast(tuple(atom("leave"), self(), pid, term::make_list(std::move(left))));
      return;
    }
    if (auto p = remote_.find(pid); p != remote_.end() && p->second.monitor == ref) remote_.erase(p);
  }

  struct remote_scope {
    term monitor;
    group_map groups;
  };
  group_map local_;
  std::map<term, term, term_less> local_monitors_;  // local member -> monitor
  std::map<term, remote_scope, term_less> remote_;  // peer scope pid ->
};

}  // namespace

term start_pg_scope() {
  const term pid = spawn([] { scope().run(); });
  register_name(atom(pg_scope_name), pid);
  return pid;
}

void stop_pg_scope() {
  const term pid = whereis(atom(pg_scope_name));
  if (pid.is_pid()) otp::exit(pid, term(atoms::kill));
}

}  // namespace otp::detail::dist
