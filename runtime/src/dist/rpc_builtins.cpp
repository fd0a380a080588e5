#include "dist/rpc_builtins.hpp"

#include <algorithm>
#include <thread>

#include "otp/code.hpp"
#include "otp/node.hpp"
#include "otp/process.hpp"
#include "otp/runtime.hpp"

namespace otp::rpc::detail {

namespace {

term node_list(const std::vector<atom>& nodes) {
  std::vector<term> out(nodes.begin(), nodes.end());
  return term::make_list(std::move(out));
}

// erlang:nodes/1: visible, hidden, connected, this, known, or a list of them (Erlang's answer is
// the union, in that order, without duplicates).
term nodes_of(const term& arg) {
  std::vector<term> kinds;
  if (arg.is_list() && arg.is_proper_list())
    kinds.assign(arg.elements().begin(), arg.elements().end());
  else
    kinds.push_back(arg);
  std::vector<atom> out;
  auto add = [&](const std::vector<atom>& more) {
    for (atom n : more)
      if (std::find(out.begin(), out.end(), n) == out.end()) out.push_back(n);
  };
  for (const term& k : kinds) {
    if (k.is_atom(atom("visible")))
      add(node::nodes(node::node_set::visible));
    else if (k.is_atom(atom("hidden")))
      add(node::nodes(node::node_set::hidden));
    else if (k.is_atom(atom("connected")))
      add(node::nodes(node::node_set::connected));
    else if (k.is_atom(atom("this")))
      add({node::name()});
    else if (k.is_atom(atom("known"))) {
      add({node::name()});
      add(node::nodes(node::node_set::connected));
    } else
      throw error(atom("badarg"));
  }
  return node_list(out);
}

// erlang:system_info/1 for the keys that mean something here; badarg for the others, as Erlang.
term system_info(const term& key) {
  if (key.is_atom(atom("otp_release"))) return charlist("25");  // the distribution this node speaks
  if (key.is_atom(atom("schedulers")) || key.is_atom(atom("schedulers_online"))) {
    const unsigned n = runtime::current().options().schedulers;
    return static_cast<std::int64_t>(n != 0 ? n : std::max(1u, std::thread::hardware_concurrency()));
  }
  if (key.is_atom(atom("process_count"))) return static_cast<std::int64_t>(runtime::current().process_count());
  if (key.is_atom(atom("system_version"))) return charlist("otp-cpp (speaks Erlang/OTP 25 distribution)\n");
  if (key.is_atom(atom("machine"))) return charlist("otp-cpp");
  throw error(atom("badarg"));
}

// code:which/1: the file the current version was loaded from, or non_existing.
term code_which(const term& module) {
  if (!module.is_atom()) throw error(atom("function_clause"));
  const auto info = code::which(module.as_atom());
  if (!info || !info->current) return atom("non_existing");
  return charlist(info->current->file.string());
}

// code:all_loaded/0: [{Module, File}].
term code_all_loaded() {
  std::vector<term> out;
  for (const code::module_info& m : code::all_loaded())
    if (m.current) out.push_back(tuple(m.name, charlist(m.current->file.string())));
  return term::make_list(std::move(out));
}

// init:stop/0: ok at once; the stop runs once the calling process has ended, so its answer leaves
// before the node does.
term init_stop() {
  const term caller = self();
  spawn([caller] {
    const term ref = monitor(caller);
    receive([&](const term& m) { return m.is_tuple(5) && m[1] == ref; });
    run_stop_handler();
  });
  return atoms::ok;
}

}  // namespace

std::vector<builtin> builtin_functions() {
  return {
      {atom("erlang"), atom("node"), 0, [](const std::vector<term>&) -> term { return node::name(); }},
      {atom("erlang"), atom("nodes"), 0,
       [](const std::vector<term>&) { return node_list(node::nodes(node::node_set::visible)); }},
      {atom("erlang"), atom("nodes"), 1, [](const std::vector<term>& a) { return nodes_of(a[0]); }},
      {atom("erlang"), atom("system_info"), 1, [](const std::vector<term>& a) { return system_info(a[0]); }},
      {atom("init"), atom("stop"), 0, [](const std::vector<term>&) { return init_stop(); }},
      {atom("code"), atom("which"), 1, [](const std::vector<term>& a) { return code_which(a[0]); }},
      {atom("code"), atom("all_loaded"), 0, [](const std::vector<term>&) { return code_all_loaded(); }},
  };
}

}  // namespace otp::rpc::detail
