// Rolling upgrades in the runtime (otp/rolling_upgrade.hpp): each gen_server of a module moves to
// the new version on its own while the others keep serving on theirs.
#include "otp/rolling_upgrade.hpp"

#include <gtest/gtest.h>

#include "code_test_support.hpp"
#include "otp/gen_server.hpp"
#include "otp/sys.hpp"

namespace otp_test {
namespace {

namespace gs = otp::gen_server;
using otp::binary;
using otp::tuple;

constexpr otp::milliseconds patience{5000};

// `n` servers of roller's current version; server k starts with Sum = first + k * step.
std::vector<term> start_rollers(std::size_t n, std::int64_t first, std::int64_t step = 1) {
  std::vector<term> pids;
  for (std::size_t k = 0; k < n; ++k) {
    const term started = code::start_server("roller"_a, term(first + static_cast<std::int64_t>(k) * step));
    if (!started.is_tuple(2) || !started[0].is_atom(atoms::ok)) throw std::runtime_error(started.to_string());
    pids.push_back(started[1]);
  }
  return pids;
}

term prepared(const std::string& file) {
  const code::prepared_load p = code::prepare_load("roller"_a, module_file(file));
  if (!p) throw std::runtime_error(p.result.message);
  return p.handle;
}

std::size_t count_on_old(atom module) {
  std::size_t n = 0;
  for (const auto& p : code::processes_using(module)) n += p.old ? 1 : 0;
  return n;
}

TEST_F(Code, RollingUpgradeMovesEachServerOnItsOwnAndPurgesTheOldCodeAfterTheLast) {
  stage("roller-1.so", "roller.so");
  rt_.run([&] {
    const std::vector<term> servers = start_rollers(200, 100);
    ASSERT_TRUE(code::begin_rolling(prepared("roller-2.so")));
    // The new version is current, yet every server still answers with version 1 and its old state.
    EXPECT_EQ(code::which("roller"_a)->current->vsn, "2");
    for (const term& pid : servers) EXPECT_EQ(gs::call(pid, "vsn"_a), binary("1"));
    EXPECT_EQ(gs::call(servers[7], "state"_a), term(107));
    EXPECT_EQ(count_on_old("roller"_a), servers.size());
    // A server started now starts on the new version.
    const term late = code::start_server("roller"_a, term(1))[1];
    EXPECT_EQ(gs::call(late, "vsn"_a), binary("2"));
    EXPECT_EQ(gs::call(late, "state"_a), tuple(1, "fresh"_a));
    // Old code cannot be purged while it is held.
    EXPECT_FALSE(code::soft_purge("roller"_a));

    // The first half moves; the second half still runs version 1.
    const std::vector<term> first(servers.begin(), servers.begin() + 100);
    const auto half = otp::sys::rolling_change_code_all(first, "roller"_a, binary("1"), "extra"_a, patience, 16);
    ASSERT_TRUE(half.all_ok());
    EXPECT_EQ(half.old_states[3], term(103));
    EXPECT_EQ(gs::call(servers[3], "vsn"_a), binary("2"));
    EXPECT_EQ(gs::call(servers[3], "state"_a), tuple(103, "extra"_a));
    EXPECT_EQ(gs::call(servers[150], "vsn"_a), binary("1"));
    EXPECT_EQ(count_on_old("roller"_a), 100u);

    const std::vector<term> second(servers.begin() + 100, servers.end());
    ASSERT_TRUE(otp::sys::rolling_change_code_all(second, "roller"_a, binary("1"), "extra"_a, patience, 16).all_ok());
    EXPECT_EQ(count_on_old("roller"_a), 0u);
    code::finish_rolling("roller"_a);
    EXPECT_TRUE(code::soft_purge("roller"_a)) << "no process runs the old code after the last has left it";
    EXPECT_FALSE(code::check_old_code("roller"_a));
    for (std::size_t k = 0; k < servers.size(); ++k)
      EXPECT_EQ(gs::call(servers[k], "state"_a), tuple(100 + static_cast<std::int64_t>(k), "extra"_a));
    for (const term& pid : servers) otp::exit(pid, atoms::kill);
    otp::exit(late, atoms::kill);
  });
}

TEST_F(Code, RollingDowngradeRunsTheNewerCodeChangeForADynamicModuleAndTheOlderForAStaticOne) {
  stage("roller-1.so", "roller.so");
  rt_.run([&] {
    const std::vector<term> servers = start_rollers(50, 200);
    ASSERT_TRUE(code::begin_rolling(prepared("roller-2.so")));
    ASSERT_TRUE(otp::sys::rolling_change_code_all(servers, "roller"_a, binary("1"), term(9), patience).all_ok());
    code::finish_rolling("roller"_a);
    ASSERT_TRUE(code::soft_purge("roller"_a));

    // Dynamic: version 2's code_change({down, "1"}) runs while version 1 is current.
    ASSERT_TRUE(code::begin_rolling(prepared("roller-1.so"), /*code_change_in_held=*/true));
    EXPECT_EQ(gs::call(servers[0], "vsn"_a), binary("2")) << "not migrated yet: still on version 2";
    const auto down =
        otp::sys::rolling_change_code_all(servers, "roller"_a, tuple("down"_a, binary("1")), term(), patience, 8);
    ASSERT_TRUE(down.all_ok()) << down.results.front();
    EXPECT_EQ(down.old_states[4], tuple(204, 9));
    code::finish_rolling("roller"_a);
    EXPECT_TRUE(code::soft_purge("roller"_a));
    for (std::size_t k = 0; k < servers.size(); ++k) {
      EXPECT_EQ(gs::call(servers[k], "vsn"_a), binary("1"));
      EXPECT_EQ(gs::call(servers[k], "state"_a), term(200 + static_cast<std::int64_t>(k)));
    }

    // Up again, then static down: version 1's code_change({down, "1"}) on the current version.
    ASSERT_TRUE(code::begin_rolling(prepared("roller-2.so")));
    ASSERT_TRUE(otp::sys::rolling_change_code_all(servers, "roller"_a, binary("1"), term(4), patience).all_ok());
    code::finish_rolling("roller"_a);
    ASSERT_TRUE(code::soft_purge("roller"_a));
    ASSERT_TRUE(code::begin_rolling(prepared("roller-1.so"), /*code_change_in_held=*/false));
    ASSERT_TRUE(otp::sys::rolling_change_code_all(servers, "roller"_a, tuple("down"_a, binary("1")), term(), patience)
                    .all_ok());
    code::finish_rolling("roller"_a);
    EXPECT_EQ(gs::call(servers[9], "state"_a), term(209));
    EXPECT_EQ(gs::call(servers[9], "vsn"_a), binary("1"));
    for (const term& pid : servers) otp::exit(pid, atoms::kill);
  });
}

TEST_F(Code, ACodeChangeThatThrowsMidwayIsUndoneServerByServerAndTheOldVersionIsCurrentAgain) {
  stage("roller-1.so", "roller.so");
  rt_.run([&] {
    // Sums 1..40: the server holding 13 refuses to migrate, after those before it (windows of 4).
    const std::vector<term> servers = start_rollers(40, 1);
    ASSERT_TRUE(code::begin_rolling(prepared("roller-2.so")));
    const auto b = otp::sys::rolling_change_code_all(servers, "roller"_a, binary("1"), "x"_a, patience, 4);
    EXPECT_FALSE(b.all_ok());
    std::vector<term> migrated, states, new_states;
    for (std::size_t k = 0; k < servers.size(); ++k)
      if (b.results[k].is_atom(atoms::ok)) {
        migrated.push_back(servers[k]);
        states.push_back(b.old_states[k]);
        new_states.push_back(b.new_states[k]);
      }
    EXPECT_EQ(migrated.size(), 15u) << "the windows before 13's and the rest of its window";
    EXPECT_TRUE(b.results[12].is_tuple(2) && b.results[12][0].is_atom(atoms::error)) << b.results[12];
    EXPECT_EQ(b.results[20], tuple(atoms::error, "not_asked"_a)) << "nothing after the failed window is asked";
    EXPECT_EQ(gs::call(servers[0], "vsn"_a), binary("2"));

    // Undo in reverse, then make version 1 current again and purge version 2.
    std::reverse(migrated.begin(), migrated.end());
    std::reverse(states.begin(), states.end());
    std::reverse(new_states.begin(), new_states.end());
    // A migrated server that handled a message since is taken back by code_change, not by its
    // snapshot: the message's effect stays.
    gs::cast(servers[0], tuple("next"_a, 2));
    EXPECT_EQ(gs::call(servers[0], "state"_a), tuple(2, "x"_a));
    const term back_vsn = tuple("down"_a, binary("1"));
    for (const term& r : otp::sys::rolling_revert_all(migrated, states, new_states, back_vsn, term(), patience))
      EXPECT_EQ(r, term(atoms::ok));
    ASSERT_TRUE(code::abort_rolling("roller"_a));
    EXPECT_EQ(code::which("roller"_a)->current->vsn, "1");
    EXPECT_TRUE(code::soft_purge("roller"_a));
    for (std::size_t k = 0; k < servers.size(); ++k) {
      EXPECT_EQ(gs::call(servers[k], "vsn"_a), binary("1"));
      EXPECT_EQ(gs::call(servers[k], "state"_a), term(k == 0 ? 2 : 1 + static_cast<std::int64_t>(k)));
    }
    EXPECT_FALSE(code::abort_rolling("roller"_a)) << "nothing is being rolled any more";
    for (const term& pid : servers) otp::exit(pid, atoms::kill);
  });
}

TEST_F(Code, MessagesSentDuringARollingUpgradeAllArriveInOrder) {
  stage("roller-1.so", "roller.so");
  rt_.run([&] {
    constexpr std::int64_t per_sender = 2000;
    constexpr std::int64_t base = 1000;                           // far from 13, which version 2 refuses
    const std::vector<term> servers = start_rollers(8, base, 0);  // every Sum starts at base
    std::vector<term> watches;
    for (const term& pid : servers) watches.push_back(otp::monitor(pid));
    // One sender per server casts {next, base+1..base+N}: a lost or reordered cast stops the server.
    const term me = otp::self();
    for (const term& pid : servers)
      otp::spawn([pid, me] {
        for (std::int64_t k = base + 1; k <= base + per_sender; ++k) gs::cast(pid, tuple("next"_a, k));
        otp::send(me, tuple("sent"_a, pid));
      });
    ASSERT_TRUE(code::begin_rolling(prepared("roller-2.so")));
    const auto b = otp::sys::rolling_change_code_all(servers, "roller"_a, binary("1"), "x"_a, patience, 1);
    ASSERT_TRUE(b.all_ok());
    code::finish_rolling("roller"_a);
    for (std::size_t k = 0; k < servers.size(); ++k)
      ASSERT_TRUE(otp::receive([&](const term& m) { return m.is_tuple(2) && m[0].is_atom("sent"_a); }, patience));
    for (const term& pid : servers) {
      EXPECT_EQ(gs::call(pid, "total"_a), term(base + per_sender))
          << "every cast arrived, each one after the one before";
      EXPECT_EQ(gs::call(pid, "vsn"_a), binary("2"));
    }
    for (const term& ref : watches)
      EXPECT_FALSE(otp::receive([&](const term& m) { return m.is_tuple(5) && m[1] == ref; }, otp::milliseconds(0)))
          << "a server stopped: a message came out of order";
    for (const term& pid : servers) otp::exit(pid, atoms::kill);
  });
}

TEST_F(Code, ARollingUpgradeIsRefusedForAPlainProcessModuleOrASecondTime) {
  stage("roller-1.so", "roller.so");
  stage("counter-1.so", "counter.so");
  rt_.run([&] {
    ASSERT_TRUE(code::load_file("counter"_a));
    const code::prepared_load counter2 = code::prepare_load("counter"_a, module_file("counter-2.so"));
    ASSERT_TRUE(counter2);
    const code::load_result refused = code::begin_rolling(counter2.handle);
    EXPECT_FALSE(refused);
    EXPECT_NE(refused.message.find("not a gen_server module"), std::string::npos) << refused.message;
    EXPECT_EQ(code::which("counter"_a)->current->vsn, "1") << "nothing changed";

    const std::vector<term> servers = start_rollers(1, 5);
    ASSERT_TRUE(code::begin_rolling(prepared("roller-2.so")));
    const code::load_result second = code::begin_rolling(prepared("roller-2.so"));
    EXPECT_FALSE(second);
    EXPECT_NE(second.message.find("under way"), std::string::npos) << second.message;
    code::finish_rolling("roller"_a);
    otp::exit(servers[0], atoms::kill);
  });
}

}  // namespace
}  // namespace otp_test
