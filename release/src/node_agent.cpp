#include "otp/node_agent.hpp"

#include <unistd.h>

#include <fstream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "install_progress.hpp"
#include "otp/code.hpp"
#include "otp/gen_server.hpp"
#include "otp/node.hpp"
#include "otp/node_agent_protocol.hpp"
#include "otp/os_process.hpp"
#include "otp/process.hpp"
#include "otp/release_handler.hpp"
#include "otp/runtime.hpp"
#include "otp/supervisor.hpp"

namespace otp::release::node_agent {
namespace {

term text(const std::string& s) { return binary(s); }

// #{id, pid, type, module, vsn, restarts, ...} of one process of a tree; a supervisor's children
// are walked in start order.
term describe(const term& id, const term& pid, const term& type, std::int64_t restarts) {
  std::vector<std::pair<term, term>> fields{
      {atom("id"), id}, {atom("pid"), pid}, {atom("type"), type}, {atom("restarts"), term(restarts)}};
  std::string module, vsn;
  if (pid.is_pid()) {
    if (const auto info = process_info(pid)) {
      module = info->module;
      vsn = info->vsn;
    }
    if (const auto os = os_process::os_pid(pid)) fields.emplace_back(atom("os_pid"), term(std::int64_t{*os}));
  }
  fields.emplace_back(atom("module"), text(module));
  fields.emplace_back(atom("vsn"), text(vsn));
  if (type.is_atom(atom("supervisor")) && pid.is_pid()) {
    std::vector<std::pair<term, std::int64_t>> counts;
    const term restart_counts = supervisor::restart_counts(pid);
    for (const term& c : restart_counts.elements()) counts.emplace_back(c[0], c[1].as_int());
    auto restarts_of = [&](const term& child_id) {
      for (const auto& [cid, n] : counts)
        if (cid == child_id) return n;
      return std::int64_t{0};
    };
    std::vector<term> children;
    const term listed = supervisor::which_children(pid);  // newest first: reversed to start order
    for (auto it = listed.elements().rbegin(); it != listed.elements().rend(); ++it)
      children.push_back(describe((*it)[0], (*it)[1], (*it)[2], restarts_of((*it)[0])));
    fields.emplace_back(atom("children"), term::make_list(std::move(children)));
  }
  return term::make_map(std::move(fields));
}

term status() {
  std::vector<term> apps;
  const term running = release_handler::which_applications();
  for (const term& a : running.elements()) {
    const term tree = a[2].is_pid() ? describe(a[0], a[2], atom("supervisor"), 0) : term(atoms::undefined);
    apps.push_back(map({{atom("app"), a[0]}, {atom("vsn"), a[1]}, {atom("tree"), tree}}));
  }
  return term::make_list(std::move(apps));
}

term which(atom module) {
  const auto info = code::which(module);
  if (!info || (!info->current && !info->old)) return atom("not_loaded");
  const auto users = code::processes_using(module);
  auto version = [&](const code::version_info& v, bool old) {
    std::vector<term> pids;
    for (const auto& u : users)
      if (u.old == old) pids.push_back(u.pid);
    return map({{atom("vsn"), text(v.vsn)},
                {atom("file"), text(v.file.string())},
                {atom("processes"), term::make_list(std::move(pids))}});
  };
  std::vector<std::pair<term, term>> fields{{atom("module"), module}, {atom("behaviour"), text(info->behaviour)}};
  if (info->current) fields.emplace_back(atom("current"), version(*info->current, false));
  if (info->old) fields.emplace_back(atom("old"), version(*info->old, true));
  return term::make_map(std::move(fields));
}

term load(atom module) {
  const code::load_result r = code::load(module);
  if (r) return tuple(atoms::module, module);
  return tuple(atoms::error, r.reason, text(r.message));
}

term nodes() {
  return encode_nodes({node::name(), node::nodes(node::node_set::visible), node::nodes(node::node_set::hidden)});
}

// Erlang's nl/1 as otpctl load --all-nodes asks it: this node first (c:l), then every connected
// node (node::nl): [{Node, {module, M} | {error, R} | {badrpc, R}}].
term load_everywhere(atom module) {
  std::vector<term> results;
  const code::load_result here = code::load(module);
  results.push_back(tuple(node::name(), here ? tuple(atoms::module, module) : tuple(atoms::error, here.reason)));
  if (here && node::alive())
    for (const node::nl_result& r : node::nl(module)) results.push_back(tuple(r.node, r.result));
  return term::make_list(std::move(results));
}

term processes() {
  std::vector<term> all;
  for (const term& pid : otp::processes()) {
    const auto info = process_info(pid);
    if (!info) continue;  // ended since the snapshot
    all.push_back(map({{atom("pid"), pid},
                       {atom("registered_name"), info->registered_name},
                       {atoms::status, info->status},
                       {atoms::module, text(info->module)},
                       {atom("vsn"), text(info->vsn)},
                       {atom("message_queue_len"), static_cast<std::int64_t>(info->message_queue_len)},
                       {atom("memory"), static_cast<std::int64_t>(info->memory)},
                       {atom("messages_received"), static_cast<std::int64_t>(info->messages_received)}}));
  }
  return term::make_list(std::move(all));
}

term statistics() {
  const runtime_statistics s = runtime::current().statistics();
  std::vector<term> schedulers;
  for (const scheduler_statistics& t : s.schedulers)
    schedulers.push_back(map({{atom("run_queue"), static_cast<std::int64_t>(t.run_queue)},
                              {atom("messages_sent"), static_cast<std::int64_t>(t.messages_sent)},
                              {atom("messages_received"), static_cast<std::int64_t>(t.messages_received)}}));
  std::vector<term> connections;
  for (const node::connection_statistics& c : node::connections())
    connections.push_back(map({{atom("node"), c.node},
                               {atom("hidden"), c.hidden},
                               {atom("bytes_sent"), static_cast<std::int64_t>(c.bytes_sent)},
                               {atom("bytes_received"), static_cast<std::int64_t>(c.bytes_received)}}));
  return map({{atom("processes"), static_cast<std::int64_t>(s.processes)},
              {atom("messages_sent"), static_cast<std::int64_t>(s.messages_sent)},
              {atom("messages_received"), static_cast<std::int64_t>(s.messages_received)},
              {atom("intensity_exhaustions"), static_cast<std::int64_t>(supervisor::intensity_exhaustions())},
              {atom("schedulers"), term::make_list(std::move(schedulers))},
              {atom("visible_nodes"), static_cast<std::int64_t>(node::nodes(node::node_set::visible).size())},
              {atom("hidden_nodes"), static_cast<std::int64_t>(node::nodes(node::node_set::hidden).size())},
              {atom("connections"), term::make_list(std::move(connections))}});
}

class agent final : public gen_server::behaviour {
 public:
  explicit agent(std::function<void()> on_stop) : on_stop_(std::move(on_stop)) {}

  gen_server::init_result init(const term&) override { return gen_server::init_result::ok(term()); }

  gen_server::result handle_call(const term& r, const term& from, const term& state) override {
    // status and processes wait for other processes (status for the release handler, which is busy
    // while it installs): each is answered from a process of its own, so that the agent goes on
    // answering the rest (install_progress, above all) meanwhile.
    if (r.is_atom(request::status) || r.is_atom(request::processes)) {
      spawn([r, from] {
        term reply;
        try {
          reply = r.is_atom(request::status) ? status() : processes();
        } catch (const std::exception& e) {
          reply = tuple(atoms::error, exit_reason_of(e));
        }
        gen_server::reply(from, reply);
      });
      return gen_server::result::noreply(state);
    }
    return gen_server::result::reply(answer(r), state);
  }

  std::string module_name() const override { return "node_agent"; }

 private:
  term answer(const term& r) {
    try {
      if (r.is_atom(request::status)) return status();
      if (r.is_atom(request::nodes)) return nodes();
      if (r.is_atom(request::processes)) return processes();
      if (r.is_atom(request::statistics)) return statistics();
      if (r.is_atom(request::install_progress)) return detail::install_progress();
      if (r.is_atom(request::os_pids)) return encode_os_pids({::getpid(), ::getppid(), machine_boot_id()});
      if (r.is_atom(request::stop)) {
        spawn([on_stop = on_stop_] { on_stop(); });
        return atoms::ok;
      }
      if (r.is_tuple(2) && r[0].is_atom(request::which) && r[1].is_atom()) return which(r[1].as_atom());
      if (r.is_tuple(2) && r[0].is_atom(request::load) && r[1].is_atom()) return load(r[1].as_atom());
      if (r.is_tuple(3) && r[0].is_atom(request::load) && r[1].is_atom() && r[2].is_atom(request::all_nodes))
        return load_everywhere(r[1].as_atom());
      if (r.is_tuple(3) && r[0].is_atom(request::purge) && r[1].is_atom())
        return term(r[2].is_atom(request::soft) ? code::soft_purge(r[1].as_atom()) : code::purge(r[1].as_atom()));
    } catch (const std::exception& e) {
      return tuple(atoms::error, exit_reason_of(e));
    }
    return tuple(atoms::error, tuple(atom("bad_request"), r));
  }

  std::function<void()> on_stop_;
};

term call(const term& agent_ref, term request) { return gen_server::call(agent_ref, std::move(request), infinity); }

}  // namespace

term start_link(std::function<void()> on_stop) {
  return gen_server::start_link(std::make_shared<agent>(std::move(on_stop)), term(),
                                gen_server::start_options{.name = registered_name});
}

term status(const term& a) { return call(a, request::status); }
connected_nodes nodes(const term& a) { return decode_nodes(call(a, request::nodes)); }
term which(atom module, const term& a) { return call(a, tuple(request::which, module)); }
term load(atom module, const term& a) { return call(a, tuple(request::load, module)); }
term load_everywhere(atom module, const term& a) { return call(a, tuple(request::load, module, request::all_nodes)); }
term purge(atom module, bool soft, const term& a) {
  return call(a, tuple(request::purge, module, soft ? request::soft : atom("brutal")));
}
os_process_ids os_pids(const term& a) { return decode_os_pids(call(a, request::os_pids)); }
term stop(const term& a) { return call(a, request::stop); }
term processes(const term& a) { return call(a, request::processes); }
term statistics(const term& a) { return call(a, request::statistics); }
term install_progress(const term& a) { return call(a, request::install_progress); }

std::string machine_boot_id() {
  std::ifstream in("/proc/sys/kernel/random/boot_id");
  std::string id;
  std::getline(in, id);
  return id;
}

}  // namespace otp::release::node_agent
