// A relup script with a rolling_update run on supervised servers (otp/script_runner.hpp): the
// upgrade and the downgrade with their states migrated both ways, a code_change that throws
// midway undoing every migration, and casts sent during the upgrade all handled in order.
#include <gtest/gtest.h>

#include "code_test_support.hpp"
#include "otp/gen_server.hpp"
#include "otp/script_runner.hpp"
#include "otp/supervisor.hpp"
#include "otp/sys.hpp"

namespace otp_test {
namespace {

// The code tests' fixture (a scratch code path and the test modules), for rolling_update instructions run by the script
// runner.
class RollingScript : public Code {};

namespace sup = otp::supervisor;
namespace gs = otp::gen_server;
namespace appup = otp::appup;
using otp::binary;
using otp::tuple;

// `count` roller servers; server k starts with Sum = first + k * step; `restarts` is the pool's
// intensity.
class roller_pool : public sup::behaviour {
 public:
  roller_pool(std::size_t count, std::int64_t first, std::int64_t step = 1, std::int64_t restarts = 0)
      : count_(count), first_(first), step_(step), restarts_(restarts) {}
  sup::init_result init(const term&) override {
    std::vector<sup::child_spec> children;
    for (std::size_t k = 0; k < count_; ++k)
      children.push_back(sup::child_spec::module(term(static_cast<std::int64_t>(k)), "roller"_a,
                                                 term(first_ + static_cast<std::int64_t>(k) * step_)));
    sup::flags f;
    f.intensity = restarts_;  // by default a crash of any server ends the pool: the test sees it
    return sup::init_result::ok(f, children);
  }

 private:
  std::size_t count_;
  std::int64_t first_;
  std::int64_t step_;
  std::int64_t restarts_;
};

// The servers in child order (ids 0..count-1).
std::vector<term> servers_of(const term& pool) {
  std::vector<std::pair<std::int64_t, term>> found;
  const term children = sup::which_children(pool);
  for (const term& child : children.elements()) found.emplace_back(child[0].as_int(), child[1]);
  std::sort(found.begin(), found.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
  std::vector<term> pids;
  for (auto& [id, pid] : found) pids.push_back(pid);
  return pids;
}

appup::relup_script rolling_script(appup::change_mode mode, const std::string& vsn, appup::mod_type type, term extra) {
  appup::relup_script s;
  s.mode = mode;
  s.to_vsn = vsn;
  appup::rolling_module m{"roller"_a};
  m.type = type;
  m.change = appup::change_spec::advanced_with(std::move(extra));
  s.instructions = {appup::load_object_code{"pool"_a, vsn, {"roller"_a}}, appup::point_of_no_return{},
                    appup::rolling_update{mode, {m}}};
  appup::check_script(s.instructions);
  return s;
}

otp::release::script_inputs inputs_for(const term& root, const std::string& file) {
  otp::release::script_inputs in;
  in.module_file = [file](atom) { return std::optional<fs::path>(module_file(file)); };
  in.roots = {root};
  in.rolling_window = 8;
  return in;
}

TEST_F(RollingScript, ARollingScriptUpgradesAndDowngradesEveryServerWithItsState) {
  stage("roller-1.so", "roller.so");
  rt_.run([&] {
    const term pool = sup::start(std::make_shared<roller_pool>(300, 100), term())[1];
    const std::vector<term> servers = servers_of(pool);
    ASSERT_EQ(servers.size(), 300u);

    std::vector<term> migrated_steps;
    auto in = inputs_for(pool, "roller-2.so");
    in.on_step = [&](const otp::release::script_step& step) {
      if (std::holds_alternative<appup::rolling_update>(*step.instruction))
        migrated_steps.insert(migrated_steps.end(), step.processes.begin(), step.processes.end());
    };
    const auto up =
        otp::release::run_script(rolling_script(appup::change_mode::up, "2", appup::mod_type::dynamic, "extra"_a), in);
    ASSERT_TRUE(up.ok) << up.reason;
    EXPECT_EQ(up.modules_changed, 1u);
    EXPECT_EQ(up.processes_migrated, 300u);
    EXPECT_EQ(migrated_steps.size(), 300u);
    EXPECT_EQ(up.rolled_modules, std::vector<atom>{"roller"_a});
    EXPECT_TRUE(up.unpurged.empty()) << "the old code went once the last server had left it";
    EXPECT_FALSE(code::check_old_code("roller"_a));
    EXPECT_EQ(servers_of(pool), servers) << "no server restarted";
    for (std::size_t k = 0; k < servers.size(); ++k) {
      EXPECT_EQ(gs::call(servers[k], "vsn"_a), binary("2"));
      EXPECT_EQ(gs::call(servers[k], "state"_a), tuple(100 + static_cast<std::int64_t>(k), "extra"_a));
    }

    const auto down =
        otp::release::run_script(rolling_script(appup::change_mode::down, "1", appup::mod_type::dynamic, term()),
                                 inputs_for(pool, "roller-1.so"));
    ASSERT_TRUE(down.ok) << down.reason;
    EXPECT_EQ(down.processes_migrated, 300u);
    for (std::size_t k = 0; k < servers.size(); ++k) {
      EXPECT_EQ(gs::call(servers[k], "vsn"_a), binary("1"));
      EXPECT_EQ(gs::call(servers[k], "state"_a), term(100 + static_cast<std::int64_t>(k)));
    }
    EXPECT_EQ(servers_of(pool), servers);
    otp::exit(pool, atoms::shutdown);
  });
}

TEST_F(RollingScript, ARollingScriptWhoseCodeChangeThrowsMidwayLeavesEveryServerOnItsOldVersionAndState) {
  stage("roller-1.so", "roller.so");
  rt_.run([&] {
    const term pool = sup::start(std::make_shared<roller_pool>(40, 1), term())[1];  // Sums 1..40; 13 refuses
    const std::vector<term> servers = servers_of(pool);
    const auto outcome = otp::release::run_script(
        rolling_script(appup::change_mode::up, "2", appup::mod_type::dynamic, "x"_a), inputs_for(pool, "roller-2.so"));
    EXPECT_FALSE(outcome.ok);
    EXPECT_TRUE(outcome.rolled_back);
    ASSERT_TRUE(outcome.reason.is_tuple(5)) << outcome.reason;
    EXPECT_EQ(outcome.reason[0], term("code_change_failed"_a));
    EXPECT_EQ(outcome.reason[1], servers[12]) << "the server holding 13";
    EXPECT_EQ(outcome.reason[2], term("roller"_a));
    EXPECT_EQ(outcome.reason[3], binary("1"));
    EXPECT_EQ(servers_of(pool), servers) << "no restart";
    EXPECT_EQ(code::which("roller"_a)->current->vsn, "1");
    EXPECT_FALSE(code::check_old_code("roller"_a)) << "the rolled version is purged";
    for (std::size_t k = 0; k < servers.size(); ++k) {
      EXPECT_EQ(gs::call(servers[k], "vsn"_a), binary("1"));
      EXPECT_EQ(gs::call(servers[k], "state"_a), term(1 + static_cast<std::int64_t>(k)));
    }
    otp::exit(pool, atoms::shutdown);
  });
}

TEST_F(RollingScript, ARollingCodeChangeThatDoesNotAnswerInTimeIsKilledAndRestartedOnTheOldVersion) {
  stage("roller-1.so", "roller.so");
  rt_.run([&] {
    // Sums 70..89: the server holding 77 waits in its code_change; the pool allows one restart.
    const term pool = sup::start(std::make_shared<roller_pool>(20, 70, 1, 1), term())[1];
    const std::vector<term> servers = servers_of(pool);
    const term hung = servers[7];
    const term watch = otp::monitor(hung);
    auto in = inputs_for(pool, "roller-2.so");
    in.timeout = otp::milliseconds(300);
    const auto outcome =
        otp::release::run_script(rolling_script(appup::change_mode::up, "2", appup::mod_type::dynamic, "x"_a), in);
    EXPECT_FALSE(outcome.ok);
    EXPECT_TRUE(outcome.rolled_back);
    ASSERT_TRUE(outcome.reason.is_tuple(5)) << outcome.reason;
    EXPECT_EQ(outcome.reason[1], hung);
    EXPECT_EQ(outcome.reason[4], term(atoms::timeout));
    const auto down =
        otp::receive([&](const term& m) { return m.is_tuple(5) && m[1] == watch; }, otp::milliseconds(5000));
    ASSERT_TRUE(down);
    EXPECT_EQ((*down)[4], term(atoms::killed));
    EXPECT_EQ(code::which("roller"_a)->current->vsn, "1");
    const std::vector<term> after = servers_of(pool);
    ASSERT_EQ(after.size(), servers.size());
    for (std::size_t k = 0; k < after.size(); ++k) {
      if (k == 7)
        EXPECT_NE(after[k], hung) << "restarted by its supervisor";
      else
        EXPECT_EQ(after[k], servers[k]) << "no other server restarted";
      EXPECT_EQ(gs::call(after[k], "vsn"_a), binary("1"));
      EXPECT_EQ(gs::call(after[k], "state"_a), term(70 + static_cast<std::int64_t>(k)));
    }
    otp::exit(pool, atoms::shutdown);
  });
}

TEST_F(RollingScript, CastsSentDuringARollingScriptAreAllHandledInOrder) {
  stage("roller-1.so", "roller.so");
  rt_.run([&] {
    constexpr std::int64_t per_server = 300;
    constexpr std::int64_t base = 1000;  // far from 13, which version 2 refuses to migrate
    const term pool = sup::start(std::make_shared<roller_pool>(50, base, 0), term())[1];  // every Sum at base
    const term pool_watch = otp::monitor(pool);
    const std::vector<term> servers = servers_of(pool);
    // One sender casts {next, 1..N} round-robin to every server while the script runs; a lost or
    // reordered cast stops a server, which ends the pool (intensity 0).
    const term me = otp::self();
    const term gate = otp::make_ref();
    otp::spawn([servers, me, gate] {
      otp::send(me, tuple("sending"_a, gate));
      for (std::int64_t k = base + 1; k <= base + per_server; ++k)
        for (const term& pid : servers) gs::cast(pid, tuple("next"_a, k));
      otp::send(me, tuple("sent"_a, gate));
    });
    ASSERT_TRUE(otp::receive([&](const term& m) { return m == tuple("sending"_a, gate); }, otp::milliseconds(5000)));
    const auto up = otp::release::run_script(
        rolling_script(appup::change_mode::up, "2", appup::mod_type::dynamic, "x"_a), inputs_for(pool, "roller-2.so"));
    ASSERT_TRUE(up.ok) << up.reason;
    ASSERT_TRUE(otp::receive([&](const term& m) { return m == tuple("sent"_a, gate); }, otp::milliseconds(10000)));
    for (const term& pid : servers) {
      EXPECT_EQ(gs::call(pid, "total"_a), term(base + per_server));
      EXPECT_EQ(gs::call(pid, "vsn"_a), binary("2"));
    }
    EXPECT_FALSE(otp::receive([&](const term& m) { return m.is_tuple(5) && m[1] == pool_watch; }, otp::milliseconds(0)))
        << "a server stopped";
    otp::exit(pool, atoms::shutdown);
  });
}

}  // namespace
}  // namespace otp_test
