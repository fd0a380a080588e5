#include "dist/global_name_server.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "otp/gen_server.hpp"
#include "otp/log.hpp"
#include "otp/node.hpp"
#include "otp/node_table.hpp"
#include "otp/process.hpp"

namespace otp::detail::dist {
namespace {

const atom global_rid("global");

atom server_atom() { return atom(global_name_server_name); }
term server_on(atom node) { return tuple(server_atom(), node); }
atom node_of(const term& pid) { return node_table::identity(pid.as_pid().node).name; }
bool node_name_less(atom a, atom b) { return a.text() < b.text(); }

struct term_less {
  bool operator()(const term& a, const term& b) const noexcept { return a < b; }
};

// One connect session with a node (OTP's resolver, sync tags and the locker's entry for it).
struct session {
  term my_tag;
  std::optional<term> his_tag;  // set by his init_connect
  term his_locker;
  std::int64_t his_vsn = 0;
  term lock_id;                      // {global, [LockerA, LockerB]} sorted as Erlang sorts pids
  bool holds_lock = false;           // our local lock for lock_id is taken
  bool awaiting_lock_reply = false;  // we sent lock_set true first and wait for his answer
  bool both_locked = false;          // both partitions locked: exchange sent
  std::optional<term> his_names;     // his exchange, when it came before both_locked
  std::optional<term> our_ops;       // set once we sent resolved
  std::optional<term> his_resolved;  // {HisResolved, HisKnown}, when it came before our_ops
};

struct lock_entry {
  term requester;                              // LockRequesterId
  std::vector<std::pair<term, term>> holders;  // {Pid, MonitorRef}; our own holds with nil
};

struct name_entry {
  term pid;
  term method;
  term monitor;
};

struct syncer {
  term from;
  std::set<atom> waiting;
};

class server {
 public:
  explicit server(bool connect_all) : connect_all_(connect_all) {}

  void run() {
    try {
      node::monitor_nodes(true);
    } catch (const badarg&) {
      return;  // started with the node, which stopped before this ran (a tool's node may stop at once)
    }
    for (atom n : node::nodes()) on_nodeup(n);
    for (;;) {
      const term message = receive();
      try {
        handle(message);
      } catch (const std::exception& e) {
        log::write(log::level::warning, std::string("global: ignored a message it could not handle (") + e.what() +
                                            "): " + message.to_string());
      }
    }
  }

 private:
  // --- dispatch ---------------------------------------------------------------------------------
  void handle(const term& m) {
    if (m.is_tuple(3) && m[0].is_atom(atom("$gen_call"))) return handle_call(m[2], m[1]);
    if (m.is_tuple(2) && m[0].is_atom(atom("$gen_cast"))) return handle_cast(m[1]);
    if (m.is_tuple(2) && m[0].is_atom(atom("nodeup"))) return on_nodeup(m[1].as_atom());
    if (m.is_tuple(2) && m[0].is_atom(atoms::nodedown)) return on_nodedown(m[1].as_atom());
    if (m.is_tuple(5) && m[0].is_atom(atom("DOWN"))) return on_down(m[1]);
    if (m.is_tuple(4) && m[0].is_atom(atom("init_connect_ack"))) return on_init_connect_ack(m[1].as_atom(), m[2], m[3]);
    if (m.is_tuple(3) && m[0].is_atom(atom("cancel_connect"))) return on_cancel_connect(m[1].as_atom(), m[2]);
    if (m.is_tuple(2) && m[0].is_atom(atom("remove_connection"))) return on_remove_connection(m[1].as_atom());
    if (m.is_tuple(5) && m[0].is_atom(atom("lost_connection"))) return;  // we take no part (docs)
    log::write(log::level::warning, "global: unexpected message " + m.to_string());
  }

  void handle_call(const term& request, const term& from) {
    const auto reply = [&](term value) { gen_server::reply(from, std::move(value)); };
    const term caller = from.is_tuple(2) ? from[0] : term();
    if (request.is_tuple(2) && request[0].is_atom(atom("set_lock")) && request[1].is_tuple(2))
      return reply(term(set_lock(request[1], caller) ? atoms::true_ : atoms::false_));
    if (request.is_tuple(2) && request[0].is_atom(atom("del_lock")) && request[1].is_tuple(2)) {
      del_lock(request[1], caller);
      return reply(term(atoms::true_));
    }
    if (request.is_tuple(4) && request[0].is_atom(atom("register")) && request[2].is_pid()) {
      insert_name(request[1], request[2], request[3]);
      return reply(term(atom("yes")));
    }
    if (request.is_tuple(5) && request[0].is_atom(atom("register_ext")) && request[2].is_pid()) {
      insert_name(request[1], request[2], request[3]);
      return reply(term(atom("yes")));
    }
    if (request.is_tuple(2) && request[0].is_atom(atom("unregister"))) {
      delete_name(request[1]);
      return reply(term(atoms::ok));
    }
    if (request.is_tuple(2) && request[0].is_atom(atom("pid_has_name"))) {
      const bool has =
          std::any_of(names_.begin(), names_.end(), [&](const auto& e) { return e.second.pid == request[1]; });
      return reply(term(has ? atoms::true_ : atoms::false_));
    }
    if (request.is_tuple(2) && request[0].is_atom(atom("whereis"))) return reply(where(request[1]));
    if (request.is_atom(atom("registered_names"))) {
      std::vector<term> all;
      for (const auto& [name, _] : names_) all.push_back(name);
      return reply(term::make_list(std::move(all)));
    }
    if (request.is_atom(atom("get_known"))) return reply(known_list(true));
    if (request.is_atom(atom("get_synced"))) return reply(term::make_list({synced_.begin(), synced_.end()}));
    if (request.is_atom(atom("get_protocol_version"))) return reply(term(global_protocol_version));
    if (request.is_tuple(2) && request[0].is_atom(atom("sync")) && request[1].is_list())
      return start_sync(request[1], from);
    log::write(log::level::warning, "global: unexpected call " + request.to_string());
  }

  void handle_cast(const term& c) {
    if (c.is_tuple(4) && c[0].is_atom(atom("init_connect")) && c[1].is_tuple() && c[1].size() >= 2 && c[2].is_atom() &&
        c[3].is_tuple(4))
      return on_init_connect(c[2].as_atom(), c[1][0].as_int(), c[1][1], c[3][3]);
    if (c.is_tuple(5) && c[0].is_atom(atom("lock_set")) && c[1].is_pid())
      return on_lock_set(c[1], c[2].is_atom(atoms::true_), c[4]);
    if (c.is_tuple(5) && c[0].is_atom(atom("exchange"))) return on_exchange(c[1].as_atom(), c[2], c[4]);
    if (c.is_tuple(7) && c[0].is_atom(atom("resolved"))) return on_resolved(c[1].as_atom(), c[2], c[3], c[6]);
    if (c.is_tuple(6) && c[0].is_atom(atom("new_nodes"))) return on_new_nodes(c[2], c[4]);
    if (c.is_tuple(3) && c[0].is_atom(atom("in_sync"))) return on_in_sync(c[1].as_atom());
    // {lock_set, Pid, Set, Known} (protocol < 8), async_del_name, async_del_lock: OTP 25 ignores them too.
    if (c.is_tuple() && c.size() >= 1 && c[0].is_atom()) {
      const atom tag = c[0].as_atom();
      if (tag == atom("lock_set") || tag == atom("async_del_name") || tag == atom("async_del_lock")) return;
    }
    log::write(log::level::warning, "global: unexpected cast " + c.to_string());
  }

  // --- nodes ------------------------------------------------------------------------------------
  bool visible(atom n) const {
    const auto all = node::nodes();
    return std::find(all.begin(), all.end(), n) != all.end();
  }

  void on_nodeup(atom n) {
    if (!connect_all_ || known_.contains(n) || sessions_.contains(n)) return;
    start_session(n);
  }

  void on_nodedown(atom n) {
    end_session(n);
    known_.erase(n);
    synced_.erase(n);
    node_done(n);
  }

  void on_remove_connection(atom n) {
    // Another node asks us to leave n (its overlapping-partition rule): forget it and drop it.
    if (!known_.contains(n) && !sessions_.contains(n)) return;
    on_nodedown(n);
    node::disconnect(n);
  }

  // --- the connect protocol ---------------------------------------------------------------------
  void start_session(atom n) {
    session s;
    s.my_tag = term(next_tag_++);
    gen_server::cast(server_on(n), tuple(atom("init_connect"), tuple(global_protocol_version, s.my_tag), node::name(),
                                         tuple(atom("locker"), atom("no_longer_a_pid"), map({}), self())));
    sessions_[n] = std::move(s);
  }

  void end_session(atom n) {
    auto it = sessions_.find(n);
    if (it == sessions_.end()) return;
    const bool held = it->second.holds_lock;
    const term lock_id = it->second.lock_id;
    sessions_.erase(it);
    if (held) release_lock(lock_id, self());
  }

  void restart_session(atom n) {
    end_session(n);
    if (visible(n) && !known_.contains(n)) start_session(n);
  }

  session* session_with_tag(atom n, const term& my_tag) {
    auto it = sessions_.find(n);
    return it != sessions_.end() && it->second.my_tag == my_tag ? &it->second : nullptr;
  }

  void on_init_connect(atom n, std::int64_t vsn, const term& his_tag, const term& his_locker) {
    if (!connect_all_ || !visible(n) || !his_locker.is_pid()) return;
    auto it = sessions_.find(n);
    if (it != sessions_.end() && it->second.his_tag) {
      restart_session(n);  // a second attempt from n: start over, as OTP does
      it = sessions_.find(n);
    }
    if (it == sessions_.end()) {
      if (known_.contains(n)) return;  // synced already; OTP parks it as a pre_connect
      start_session(n);                // his init_connect came before our nodeup
      it = sessions_.find(n);
    }
    session& s = it->second;
    s.his_tag = his_tag;
    s.his_locker = his_locker;
    s.his_vsn = std::min(vsn, global_protocol_version);
    s.lock_id =
        self() < his_locker ? tuple(global_rid, list(self(), his_locker)) : tuple(global_rid, list(his_locker, self()));
    send(server_on(n), tuple(atom("init_connect_ack"), node::name(), his_tag, s.my_tag));
    try_lock_first(n, s);
  }

  void on_init_connect_ack(atom n, const term& his_my_tag, const term& his_his_tag) {
    auto it = sessions_.find(n);
    if (it == sessions_.end()) return;
    const session& s = it->second;
    if (s.my_tag == his_my_tag && s.his_tag && *s.his_tag == his_his_tag) return;
    send(server_on(n), tuple(atom("cancel_connect"), node::name(), his_his_tag));
    restart_session(n);
  }

  void on_cancel_connect(atom n, const term& my_tag) {
    if (session_with_tag(n, my_tag)) restart_session(n);
  }

  void send_lock_set(atom n, const session& s, bool locked) {
    gen_server::cast(server_on(n), tuple(atom("lock_set"), self(), term(locked ? atoms::true_ : atoms::false_),
                                         known_atoms(), *s.his_tag));
  }

  // OTP's locker tries to lock its partition and asks the other side; we do the same for ours
  // (this node) as soon as we know his locker, and again whenever a lock goes.
  void try_lock_first(atom n, session& s) {
    if (!s.his_tag || s.holds_lock || s.awaiting_lock_reply || s.both_locked) return;
    if (!take_lock(s.lock_id, self(), term())) return;
    s.holds_lock = true;
    s.awaiting_lock_reply = true;
    send_lock_set(n, s, true);
  }

  void retry_waiting_sessions() {
    for (auto& [n, s] : sessions_) try_lock_first(n, s);
  }

  void on_lock_set(const term& his_locker, bool his_side_locked, const term& my_tag) {
    const atom n = node_of(his_locker);
    session* s = session_with_tag(n, my_tag);
    if (s == nullptr || !s->his_tag || s->both_locked) return;
    if (s->awaiting_lock_reply) {  // his answer to ours
      s->awaiting_lock_reply = false;
      if (his_side_locked) return locked_on_both_sides(n, *s);
      s->holds_lock = false;
      return release_lock(s->lock_id, self());  // his locker asks again later
    }
    if (!his_side_locked) return;
    if (!s->holds_lock && take_lock(s->lock_id, self(), term())) s->holds_lock = true;
    send_lock_set(n, *s, s->holds_lock);
    if (s->holds_lock) locked_on_both_sides(n, *s);
  }

  void locked_on_both_sides(atom n, session& s) {
    s.both_locked = true;
    gen_server::cast(server_on(n), tuple(atom("exchange"), node::name(), name_list(), nil(), *s.his_tag));
    if (s.his_names) resolve_names(n, s, *s.his_names);
  }

  void on_exchange(atom n, const term& names, const term& my_tag) {
    session* s = session_with_tag(n, my_tag);
    if (s == nullptr) return;
    if (s->both_locked) return resolve_names(n, *s, names);
    s->his_names = names;
  }

  // OTP's exchange_names: his names against ours. A clash is settled on the node with the smaller
  // name (the other one leaves it alone): the pid on the smaller node keeps the name, the other
  // process is killed (random_exit_name).
  void resolve_names(atom n, session& s, const term& his_names) {
    std::vector<term> ops;
    std::vector<term> resolved;
    for (const term& entry : his_names.elements()) {
      if (!entry.is_tuple(3) || !entry[1].is_pid()) continue;
      const term& name = entry[0];
      const term& pid = entry[1];
      auto mine = names_.find(name);
      if (mine == names_.end()) {
        ops.push_back(tuple(atom("insert"), entry));
        continue;
      }
      if (mine->second.pid == pid || !node_name_less(node::name(), n)) continue;
      const term& our_pid = mine->second.pid;
      const bool his_wins = node_name_less(node_of(pid), node_of(our_pid));
      log::write(log::level::info,
                 "global: name conflict, terminating " + tuple(name, his_wins ? our_pid : pid).to_string());
      otp::exit(his_wins ? our_pid : pid, term(atoms::kill));
      if (his_wins)
        ops.push_back(tuple(atom("insert"), entry));
      else
        resolved.push_back(tuple(atom("insert"), tuple(name, our_pid, mine->second.method)));
    }
    gen_server::cast(server_on(n), tuple(atom("resolved"), node::name(), term::make_list(resolved), known_list(true),
                                         atom("unused"), nil(), *s.his_tag));
    s.our_ops = term::make_list(std::move(ops));
    if (s.his_resolved) finish_session(n, s, (*s.his_resolved)[0], (*s.his_resolved)[1]);
  }

  void on_resolved(atom n, const term& his_resolved, const term& his_known, const term& my_tag) {
    session* s = session_with_tag(n, my_tag);
    if (s == nullptr) return;
    if (s->our_ops) return finish_session(n, *s, his_resolved, his_known);
    s->his_resolved = tuple(his_resolved, his_known);
  }

  // Both sides resolved: apply the operations, tell the nodes we knew of his partition, learn his
  // partition (connecting to each node of it: the mesh), release the lock.
  void finish_session(atom n, session& s, const term& his_resolved, const term& his_known) {
    std::vector<term> ops(s.our_ops->elements().begin(), s.our_ops->elements().end());
    for (const term& op : his_resolved.elements()) ops.push_back(op);
    const term all_ops = term::make_list(std::move(ops));
    std::vector<term> new_nodes{tuple(n, s.his_vsn)};
    std::vector<atom> his_nodes;
    for (const term& k : his_known.elements()) {
      const term node_term = k.is_tuple(2) ? k[0] : k;
      if (!node_term.is_atom()) continue;
      new_nodes.push_back(k.is_tuple(2) ? k : tuple(k, std::int64_t{0}));
      his_nodes.push_back(node_term.as_atom());
    }
    sync_others(his_nodes);
    do_ops(all_ops);
    const term new_nodes_message = tuple(atom("new_nodes"), node::name(), all_ops, nil(), term::make_list(new_nodes),
                                         list(tuple(atom("vsn"), s.his_vsn), tuple(atom("lock"), s.lock_id)));
    for (const auto& [k, _] : known_) gen_server::cast(server_on(k), new_nodes_message);
    add_to_known(new_nodes);
    synced_.insert(n);
    node_done(n);
    end_session(n);
    retry_waiting_sessions();
  }

  void on_new_nodes(const term& ops, const term& nodes) {
    std::vector<term> listed(nodes.elements().begin(), nodes.elements().end());
    sync_others(add_to_known(listed));
    do_ops(ops);
  }

  void on_in_sync(atom n) {
    synced_.insert(n);
    node_done(n);
    end_session(n);
    retry_waiting_sessions();
  }

  // OTP's sync_others: connect to each node (the mesh) and tell it we are in sync with it.
  void sync_others(const std::vector<atom>& nodes) {
    for (atom n : nodes) {
      if (n == node::name()) continue;
      spawn([n] {
        if (node::connect(n)) gen_server::cast(server_on(n), tuple(atom("in_sync"), node::name(), atoms::true_));
      });
    }
  }

  // Adds {Node, Vsn} (or Node) entries; returns the nodes that were not known.
  std::vector<atom> add_to_known(const std::vector<term>& entries) {
    std::vector<atom> added;
    for (const term& e : entries) {
      const term node_term = e.is_tuple(2) ? e[0] : e;
      if (!node_term.is_atom() || node_term.as_atom() == node::name()) continue;
      const std::int64_t vsn = e.is_tuple(2) && e[1].is_integer() ? e[1].as_int() : 0;
      auto [it, inserted] = known_.try_emplace(node_term.as_atom(), vsn);
      if (inserted)
        added.push_back(node_term.as_atom());
      else if (it->second <= 0)
        it->second = vsn;
    }
    if (!connect_all_) return {};
    return added;
  }

  term known_atoms() const {
    std::vector<term> all;
    for (const auto& [n, _] : known_) all.push_back(n);
    return term::make_list(std::move(all));
  }

  term known_list(bool with_versions) const {
    if (!with_versions) return known_atoms();
    std::vector<term> all;
    for (const auto& [n, v] : known_) all.push_back(tuple(n, v));
    return term::make_list(std::move(all));
  }

  // --- sync -------------------------------------------------------------------------------------
  void start_sync(const term& nodes, const term& from) {
    syncer s{from, {}};
    if (connect_all_)
      for (const term& n : nodes.elements())
        if (n.is_atom() && n.as_atom() != node::name() && !synced_.contains(n.as_atom()) && visible(n.as_atom()))
          s.waiting.insert(n.as_atom());
    if (s.waiting.empty()) return gen_server::reply(from, term(atoms::ok));
    syncers_.push_back(std::move(s));
  }

  void node_done(atom n) {
    std::erase_if(syncers_, [&](syncer& s) {
      s.waiting.erase(n);
      if (!s.waiting.empty()) return false;
      gen_server::reply(s.from, term(atoms::ok));
      return true;
    });
  }

  // --- locks ------------------------------------------------------------------------------------
  bool take_lock(const term& id, const term& pid, const term& monitor_ref) {
    const term& resource = id[0];
    auto it = locks_.find(resource);
    if (it == locks_.end()) {
      it = locks_.emplace(resource, lock_entry{id[1], {}}).first;
    } else if (!(it->second.requester == id[1])) {
      return false;
    }
    auto& holders = it->second.holders;
    if (std::none_of(holders.begin(), holders.end(), [&](const auto& h) { return h.first == pid; })) {
      holders.emplace_back(pid, monitor_ref);
      if (monitor_ref.is_reference()) lock_monitors_.emplace(monitor_ref, resource);
    } else if (monitor_ref.is_reference()) {
      demonitor(monitor_ref, true);
    }
    return true;
  }

  bool set_lock(const term& id, const term& pid) {
    if (!pid.is_pid()) return false;
    auto it = locks_.find(id[0]);
    if (it != locks_.end() && !(it->second.requester == id[1])) return false;
    return take_lock(id, pid, monitor(pid));
  }

  void del_lock(const term& id, const term& pid) {
    auto it = locks_.find(id[0]);
    if (it != locks_.end() && it->second.requester == id[1]) release_lock(id, pid);
  }

  void release_lock(const term& id, const term& pid) {
    auto it = locks_.find(id[0]);
    if (it == locks_.end()) return;
    auto& holders = it->second.holders;
    for (auto h = holders.begin(); h != holders.end(); ++h) {
      if (!(h->first == pid)) continue;
      if (h->second.is_reference()) {
        demonitor(h->second, true);
        lock_monitors_.erase(h->second);
      }
      holders.erase(h);
      break;
    }
    if (holders.empty()) {
      locks_.erase(it);
      retry_waiting_sessions();
    }
  }

  // --- names ------------------------------------------------------------------------------------
  term name_list() const {
    std::vector<term> all;
    for (const auto& [name, e] : names_) all.push_back(tuple(name, e.pid, e.method));
    return term::make_list(std::move(all));
  }

  term where(const term& name) const {
    auto it = names_.find(name);
    if (it == names_.end()) return term(atoms::undefined);
    const term& pid = it->second.pid;
    if (pid.as_pid().node == node_table::local_index && !is_process_alive(pid)) return term(atoms::undefined);
    return pid;
  }

  void insert_name(const term& name, const term& pid, const term& method) {
    delete_name(name);
    const term ref = monitor(pid);
    names_[name] = name_entry{pid, method, ref};
    name_monitors_.emplace(ref, name);
  }

  void delete_name(const term& name) {
    auto it = names_.find(name);
    if (it == names_.end()) return;
    demonitor(it->second.monitor, true);
    name_monitors_.erase(it->second.monitor);
    names_.erase(it);
  }

  void do_ops(const term& ops) {
    for (const term& op : ops.elements()) {
      if (op.is_tuple(2) && op[0].is_atom(atom("insert")) && op[1].is_tuple(3) && op[1][1].is_pid())
        insert_name(op[1][0], op[1][1], op[1][2]);
      else if (op.is_tuple(2) && op[0].is_atom(atom("delete")))
        delete_name(op[1]);
    }
  }

  void on_down(const term& ref) {
    if (auto n = name_monitors_.find(ref); n != name_monitors_.end()) {
      names_.erase(n->second);
      name_monitors_.erase(n);
      return;
    }
    auto l = lock_monitors_.find(ref);
    if (l == lock_monitors_.end()) return;
    const term resource = l->second;
    lock_monitors_.erase(l);
    auto it = locks_.find(resource);
    if (it == locks_.end()) return;
    auto& holders = it->second.holders;
    std::erase_if(holders, [&](const auto& h) { return h.second == ref; });
    if (holders.empty()) {
      locks_.erase(it);
      retry_waiting_sessions();
    }
  }

  bool connect_all_;
  std::int64_t next_tag_ = 1;
  std::map<atom, session> sessions_;
  std::map<atom, std::int64_t> known_;  // node -> its global protocol version (0: not told yet)
  std::set<atom> synced_;
  std::vector<syncer> syncers_;
  std::map<term, lock_entry, term_less> locks_;    // ResourceId ->
  std::map<term, term, term_less> lock_monitors_;  // monitor -> ResourceId
  std::map<term, name_entry, term_less> names_;    // Name ->
  std::map<term, term, term_less> name_monitors_;  // monitor -> Name
};

}  // namespace

term global_resolve_method() { return tuple(atom("global"), atom("random_exit_name")); }

void stop_global_name_server() {
  const term pid = whereis(server_atom());
  if (pid.is_pid()) otp::exit(pid, term(atoms::kill));
}

term start_global_name_server(bool connect_all) {
  const term pid = spawn([connect_all] { server(connect_all).run(); });
  register_name(server_atom(), pid);
  return pid;
}

}  // namespace otp::detail::dist
