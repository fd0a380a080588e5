#include "otp/cluster_install.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <random>

#include "otp/gen_server.hpp"
#include "otp/log.hpp"
#include "otp/node.hpp"
#include "otp/process.hpp"
#include "otp/release_handler.hpp"
#include "otp/runtime.hpp"
#include "otp/version_order.hpp"

namespace otp::release::cluster {
namespace {

const atom badrpc("badrpc");

term handler_on(atom node) { return tuple(release_handler::registered_name, node); }

// fn(node) on every node at once, each in a process of its own; a node that gives no answer within
// `timeout` gets {badrpc, timeout}, one whose call fails {badrpc, Reason}.
std::vector<term> on_each(const std::vector<atom>& nodes, const std::function<term(atom)>& fn,
                          std::chrono::milliseconds timeout) {
  const term me = self();
  const term tag = make_ref();
  for (std::size_t i = 0; i < nodes.size(); ++i)
    spawn([me, tag, i, node = nodes[i], fn] {
      term r;
      try {
        r = fn(node);
      } catch (const std::exception& e) {
        r = tuple(badrpc, exit_reason_of(e));
      }
      send(me, tuple(tag, static_cast<std::int64_t>(i), r));
    });
  std::vector<term> results(nodes.size(), tuple(badrpc, atom("timeout")));
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (std::size_t answered = 0; answered < nodes.size(); ++answered) {
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
    const auto m =
        receive([&](const term& x) { return x.is_tuple(3) && x[0] == tag; }, std::max(left, milliseconds(0)));
    if (!m) break;
    results[static_cast<std::size_t>((*m)[1].as_int())] = (*m)[2];
  }
  return results;
}

term call_handler(atom node, term request, std::chrono::milliseconds timeout) {
  return gen_server::call(handler_on(node), std::move(request), timeout);
}

std::string new_operation_id() {
  std::random_device rd;
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch());
  return std::string(node::name().text()) + "-" + std::to_string(ms.count()) + "-" + std::to_string(rd() % 100000);
}

// A node's reply to `releases`, decoded; a reply that is not a list of releases (a {badrpc, R})
// is kept as the error.
struct reported_releases {
  std::vector<release_handler::release_entry> releases;
  term error;  // nil when the reply was a list of releases

  bool has(const std::string& vsn) const {
    return std::any_of(releases.begin(), releases.end(), [&](const auto& r) { return r.vsn == vsn; });
  }
};

reported_releases releases_of(const term& reply) {
  if (!reply.is_list()) return {{}, reply};
  try {
    return {release_handler::decode_releases(reply), term()};
  } catch (const protocol_error& e) {
    return {{}, tuple(badrpc, binary(e.what()))};
  }
}

node_releases releases_from(atom node, const reported_releases& reported) {
  node_releases n{node, {}, {}, reported.error};
  if (const auto* permanent = release_handler::find_status(reported.releases, release_status::permanent))
    n.permanent = permanent->vsn;
  if (const auto* running = release_handler::running(reported.releases)) n.current = running->vsn;
  return n;
}

bool is_ok_reply(const term& r) {
  return r.is_atom(atoms::ok) || (r.is_tuple() && r.size() >= 1 && r[0].is_atom(atoms::ok));
}

outcome in_process_install(const std::string& vsn, const std::vector<atom>& nodes, const options& opts) {
  outcome out;
  out.operation = opts.operation.empty() ? new_operation_id() : opts.operation;
  const auto step = opts.step_timeout;
  auto finish = [&](const std::vector<term>& results) {
    out.nodes.clear();
    for (std::size_t i = 0; i < nodes.size(); ++i) out.nodes.push_back({nodes[i], is_ok_reply(results[i]), results[i]});
    return out;
  };

  // 1. Who has the release, who runs it already; give it to those that lack it.
  const std::vector<term> which = on_each(
      nodes, [&](atom n) { return call_handler(n, release_handler::request::releases, step); }, step);
  std::vector<term> results(nodes.size(), atom("pending"));
  std::vector<atom> holders, to_prepare;
  std::vector<std::size_t> lacking;
  bool failed = false;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const reported_releases reported = releases_of(which[i]);
    if (!reported.error.is_nil()) {
      results[i] = reported.error;
      failed = true;
      continue;
    }
    if (reported.has(vsn)) holders.push_back(nodes[i]);
    if (!reported.has(vsn)) lacking.push_back(i);
    if (releases_from(nodes[i], reported).current == vsn) results[i] = tuple(atom("already_installed"), binary(vsn));
  }
  if (!failed && holders.empty() && !opts.sources.empty()) {  // ask the other sources
    const std::vector<term> others = on_each(
        opts.sources, [&](atom n) { return call_handler(n, release_handler::request::releases, step); }, step);
    for (std::size_t i = 0; i < opts.sources.size(); ++i)
      if (releases_of(others[i]).has(vsn)) holders.push_back(opts.sources[i]);
  }
  if (!failed && holders.empty()) {
    for (std::size_t i : lacking) results[i] = tuple(atoms::error, tuple(atom("unknown_release"), binary(vsn)));
    failed = true;
  }
  for (std::size_t i : lacking) {
    if (failed) break;
    term r;
    try {
      r = call_handler(holders.front(), tuple(release_handler::request::push_release, binary(vsn), nodes[i]), step);
    } catch (const std::exception& e) {
      r = tuple(badrpc, exit_reason_of(e));
    }
    results[i] = r;
    if (!is_ok_reply(r)) failed = true;
  }
  if (failed) {
    log::write(log::level::error, "cluster install of " + vsn + " (" + out.operation +
                                      "): not every node could get the release; nothing was installed");
    return finish(results);
  }

  // 2. Prepare everywhere (the nodes already running it have nothing to do).
  std::vector<std::size_t> installing;
  for (std::size_t i = 0; i < nodes.size(); ++i)
    if (!results[i].is_tuple(2) || !results[i][0].is_atom(atom("already_installed"))) installing.push_back(i);
  for (std::size_t i : installing) to_prepare.push_back(nodes[i]);
  const term prepare_options = map({{atom("operation"), binary(out.operation)},
                                    {atom("timeout"), term(static_cast<std::int64_t>(2 * step.count()))}});
  const std::vector<term> prepared = on_each(
      to_prepare,
      [&](atom n) {
        return call_handler(n, tuple(release_handler::request::prepare_install, binary(vsn), prepare_options), step);
      },
      step);
  bool all_prepared = true;
  for (std::size_t k = 0; k < installing.size(); ++k) {
    results[installing[k]] = prepared[k];
    if (!is_ok_reply(prepared[k])) all_prepared = false;
  }
  if (!all_prepared) {
    // Abort everywhere: those that prepared drop it, the others have nothing to drop.
    on_each(
        to_prepare,
        [&](atom n) {
          return call_handler(n, tuple(release_handler::request::abort_install, binary(out.operation)), step);
        },
        step);
    log::write(log::level::error,
               "cluster install of " + vsn + " (" + out.operation + ") aborted: a node did not prepare");
    return finish(results);
  }

  // 3. Every node prepared: commit everywhere.
  const std::vector<term> committed = on_each(
      to_prepare,
      [&](atom n) {
        return call_handler(n, tuple(release_handler::request::commit_install, binary(out.operation)), step);
      },
      step);
  for (std::size_t k = 0; k < installing.size(); ++k) results[installing[k]] = committed[k];
  out.committed = true;
  return finish(results);
}

}  // namespace

bool outcome::all_ok() const {
  return std::all_of(nodes.begin(), nodes.end(), [](const node_result& n) { return n.ok; });
}

outcome install(const std::string& vsn, const std::vector<atom>& nodes, const options& opts) {
  if (!in_process()) return runtime::current().run([&] { return install(vsn, nodes, opts); });
  return in_process_install(vsn, nodes, opts);
}

outcome sync(const std::vector<atom>& nodes, const options& opts) {
  if (!in_process()) return runtime::current().run([&] { return sync(nodes, opts); });
  const std::vector<node_releases> releases = status(nodes, opts.step_timeout);
  std::map<std::string, int, std::function<bool(const std::string&, const std::string&)>> votes(
      [](const std::string& a, const std::string& b) { return version_less(a, b); });
  for (const node_releases& r : releases)
    if (r.error.is_nil() && !r.current.empty()) ++votes[r.current];
  if (votes.empty()) return {};
  const auto best = std::max_element(votes.begin(), votes.end(), [](const auto& a, const auto& b) {
    return a.second < b.second || (a.second == b.second && version_less(a.first, b.first));
  });
  std::vector<atom> behind;
  for (const node_releases& r : releases)
    if (r.error.is_nil() && r.current != best->first) behind.push_back(r.node);
  if (behind.empty()) return {};
  options with_sources = opts;
  with_sources.sources = nodes;
  return in_process_install(best->first, behind, with_sources);
}

outcome make_permanent(const std::string& vsn, const std::vector<atom>& nodes, const options& opts) {
  if (!in_process()) return runtime::current().run([&] { return make_permanent(vsn, nodes, opts); });
  outcome out;
  out.operation = opts.operation.empty() ? new_operation_id() : opts.operation;
  const std::vector<term> results = on_each(
      nodes,
      [&](atom n) {
        return call_handler(n, tuple(release_handler::request::make_permanent, binary(vsn)), opts.step_timeout);
      },
      opts.step_timeout);
  for (std::size_t i = 0; i < nodes.size(); ++i) out.nodes.push_back({nodes[i], is_ok_reply(results[i]), results[i]});
  out.committed = out.all_ok();
  return out;
}

std::vector<node_releases> status(const std::vector<atom>& nodes, std::chrono::milliseconds timeout) {
  if (!in_process()) return runtime::current().run([&] { return status(nodes, timeout); });
  const std::vector<term> which = on_each(
      nodes, [&](atom n) { return call_handler(n, release_handler::request::releases, timeout); }, timeout);
  std::vector<node_releases> out;
  for (std::size_t i = 0; i < nodes.size(); ++i) out.push_back(releases_from(nodes[i], releases_of(which[i])));
  return out;
}

bool agree(const std::vector<node_releases>& releases) {
  if (releases.empty()) return true;
  return std::all_of(releases.begin(), releases.end(), [&](const node_releases& r) {
    return r.error.is_nil() && r.current == releases.front().current && r.permanent == releases.front().permanent;
  });
}

}  // namespace otp::release::cluster
