#include "dist/rex.hpp"

#include <memory>

#include "dist/remote_spawn.hpp"
#include "otp/gen_server.hpp"
#include "otp/node.hpp"
#include "otp/process.hpp"

namespace otp::detail::dist {
namespace {

const atom rex_atom("rex");

// {call|block_call|cast, M, F, A, GroupLeader} with an apply's arguments.
bool is_apply_request(const term& r, const char* tag) {
  return r.is_tuple(5) && r[0].is_atom(atom(tag)) && r[1].is_atom() && r[2].is_atom() && r[3].is_proper_list();
}

// rpc.erl's execute_call: what rpc:call answers for M:F(A...).
term rpc_result(const term& request) {
  const outcome o = evaluate(request[1].as_atom(), request[2].as_atom(), request[3]);
  if (o.kind == atom("return") || o.kind == atom("throw")) return o.value;
  if (o.kind == atom("exit")) return tuple(atom("badrpc"), tuple(atoms::exit_, o.value));
  return tuple(atom("badrpc"), tuple(atoms::exit_, tuple(o.value, o.stack)));
}

// A registered name's holder, or a message saying there is none.
bool send_to_registered(const term& name, const term& message) {
  if (!name.is_atom()) return false;
  const term pid = whereis(name.as_atom());
  if (!pid.is_pid()) return false;
  send(pid, message);
  return true;
}

class rex_server final : public gen_server::behaviour {
 public:
  gen_server::init_result init(const term&) override { return gen_server::init_result::ok(term()); }

  gen_server::result handle_call(const term& request, const term& from, const term& state) override {
    if (is_apply_request(request, "call")) {
      spawn([request, from] { gen_server::reply(from, rpc_result(request)); });
      return gen_server::result::noreply(state);
    }
    if (is_apply_request(request, "block_call")) return gen_server::result::reply(rpc_result(request), state);
    return gen_server::result::noreply(state);  // ignored, as rpc.erl does
  }

  gen_server::result handle_cast(const term& request, const term& state) override {
    if (is_apply_request(request, "cast"))
      spawn(remote_spawn_body(atom("erpc"), atom("execute_cast"), list(request[1], request[2], request[3])));
    return gen_server::result::noreply(state);
  }

  gen_server::result handle_info(const term& m, const term& state) override {
    if (!m.is_tuple(2) || !m[0].is_pid()) return gen_server::result::noreply(state);
    const term& from = m[0];
    const term& request = m[1];
    if (request.is_atom(atom("features_request"))) {
      send(from, tuple(atom("features_reply"), node::name(), list(atom("erpc"))));
    } else if (is_apply_request(request, "call")) {
      spawn([request, from] { send(from, tuple(rex_atom, rpc_result(request))); });
    } else if (request.is_tuple(3) && request[0].is_atom(atom("send"))) {
      if (!send_to_registered(request[1], tuple(from, request[2])))
        send(from, tuple(rex_atom, node::name(), tuple(atom("nonexisting_name"), request[1])));
    } else if (request.is_tuple(3) && request[0].is_atom(atom("sbcast"))) {
      const bool sent = send_to_registered(request[1], request[2]);
      send(from,
           tuple(rex_atom, node::name(), sent ? term(node::name()) : tuple(atom("nonexisting_name"), request[1])));
    }
    return gen_server::result::noreply(state);
  }

  std::string module_name() const override { return "rpc"; }
};

}  // namespace

term start_rex_process() {
  return gen_server::start(std::make_shared<rex_server>(), term(), gen_server::start_options{.name = rex_atom});
}

}  // namespace otp::detail::dist
