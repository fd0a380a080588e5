// pg with a real Erlang/OTP node: members joined on either side are seen on the other and leave
// when their process dies (docs/distribution.md#pg-process-groups).
#include "otp/pg.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "dist_test_support.hpp"
#include "otp/node.hpp"
#include "otp/node_table.hpp"
#include "otp/process.hpp"
#include "otp/runtime.hpp"

namespace otp::dist_test {
namespace {

const std::string cookie = "pgcookie";

bool has_member_on(const std::vector<term>& members, atom n) {
  return std::any_of(members.begin(), members.end(),
                     [&](const term& p) { return node_table::identity(p.as_pid().node).name == n; });
}

class Pg : public testing::Test {
 protected:
  otp::runtime rt{otp::runtime_options{.schedulers = 2}};
};

TEST_F(Pg, MembersJoinedOnEitherSideAreSeenOnTheOther) {
  local_node me(cookie);
  erl_node erl(cookie, erlang_beam_dir());
  // Erlang runs the default scope when kernel's start_pg is set; start it by hand here.
  ASSERT_EQ(erl.eval("{ok, _} = pg:start(pg), net_adm:ping(" + quoted(node::name()) + ")."), "pong");
  const term member = rt.run([] {
    const term p = spawn([] { receive(); });
    pg::join(atom("workers"), p);
    return p;
  });
  const std::string ours_seen =
      "lists:any(fun(P) -> node(P) =:= " + quoted(node::name()) + " end, pg:get_members(workers))";
  EXPECT_EQ(erl.eval(erl_until(ours_seen)), "true");
  ASSERT_EQ(erl.eval("EP = spawn(fun() -> receive stop -> ok end end), pg:join(workers, EP)."), "ok");
  EXPECT_TRUE(
      eventually([&] { return rt.run([&] { return has_member_on(pg::get_members(atom("workers")), erl.node()); }); }));
  EXPECT_EQ(rt.run([] { return pg::get_local_members(atom("workers")).size(); }), 1u);
  // Members leave when their process ends, on both sides.
  erl.eval("EP ! stop.");
  EXPECT_TRUE(
      eventually([&] { return rt.run([&] { return !has_member_on(pg::get_members(atom("workers")), erl.node()); }); }));
  rt.run([&] { otp::exit(member, term(atoms::kill)); });
  EXPECT_EQ(erl.eval(erl_until("not (" + ours_seen + ")")), "true");
}

TEST_F(Pg, LeaveTellsTheOtherSide) {
  local_node me(cookie);
  erl_node erl(cookie, erlang_beam_dir());
  ASSERT_EQ(erl.eval("{ok, _} = pg:start(pg), net_adm:ping(" + quoted(node::name()) + ")."), "pong");
  const term member = rt.run([] {
    const term p = spawn([] { receive(); });
    pg::join(atom("g"), p);
    return p;
  });
  EXPECT_EQ(erl.eval(erl_until("length(pg:get_members(g)) =:= 1")), "true");
  EXPECT_TRUE(rt.run([&] { return pg::leave(atom("g"), member); }));
  EXPECT_FALSE(rt.run([&] { return pg::leave(atom("g"), member); })) << "not_joined";
  EXPECT_EQ(erl.eval(erl_until("pg:get_members(g) =:= []")), "true");
}

}  // namespace
}  // namespace otp::dist_test
