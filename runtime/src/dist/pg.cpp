// otp::pg (otp/pg.hpp): calls to this node's pg scope process (pg_scope.hpp).
#include "otp/pg.hpp"

#include "dist/pg_scope.hpp"
#include "otp/gen_server.hpp"
#include "otp/node.hpp"

namespace otp::pg {
namespace {

term call_scope(const char* what, term request) {
  if (!node::alive()) throw badarg(std::string("pg:") + what + ": this node is not alive");
  return gen_server::call(atom(detail::dist::pg_scope_name), std::move(request), infinity);
}

std::vector<term> to_vector(const term& list) { return {list.elements().begin(), list.elements().end()}; }

}  // namespace

void join(const term& group, const term& pid) {
  if (!pid.is_pid() || pid.as_pid().node != 0) throw badarg("pg:join: not a local pid: " + pid.to_string());
  call_scope("join", tuple(atom("join_local"), group, pid));
}

bool leave(const term& group, const term& pid) {
  return call_scope("leave", tuple(atom("leave_local"), group, pid)).is_atom(atoms::ok);
}

std::vector<term> get_members(const term& group) {
  return to_vector(call_scope("get_members", tuple(atom("get_members"), group)));
}

std::vector<term> get_local_members(const term& group) {
  return to_vector(call_scope("get_local_members", tuple(atom("get_local_members"), group)));
}

std::vector<term> which_groups() { return to_vector(call_scope("which_groups", atom("which_groups"))); }

}  // namespace otp::pg
