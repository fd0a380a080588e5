// The release roots the build lays out for the examples (examples/CMakeLists.txt,
// build/<preset>/examples/<example>/root): every release loads and is complete, the planner goes
// from 1.0.0 to 1.1.0 and back with scripts that pass check_script, and the planned scripts work on
// live supervision trees booted from the root's files — the counter keeps its sum across the
// upgrade and the rollback and learns `reset`, the status server changes its text on `reload`, the
// adder's next call runs the new version.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "otp/application_file.hpp"
#include "otp/code.hpp"
#include "otp/gen_server.hpp"
#include "otp/process.hpp"
#include "otp/release_root.hpp"
#include "otp/relup.hpp"
#include "otp/runtime.hpp"
#include "otp/script_runner.hpp"
#include "otp/supervisor.hpp"
#include "otp/sys.hpp"
#include "otp/term_text.hpp"
#include "otp/version_order.hpp"

namespace {

namespace fs = std::filesystem;
namespace appup = otp::appup;
using namespace std::chrono_literals;
using otp::atom;
using otp::binary;
using otp::term;
using otp::tuple;
using otp::release::release_root;

release_root example_root(const std::string& example) {
  return release_root(fs::path(OTP_EXAMPLE_ROOTS_DIR) / example / "root");
}

appup::relup_script plan(const release_root& root, const std::string& from, const std::string& to) {
  const appup::app_catalog catalog = root.catalog({from, to});
  const appup::release running = root.read_release(from);
  const appup::release target = root.read_release(to);
  return otp::version_less(from, to) ? appup::plan_upgrade(running, target, catalog)
                                     : appup::plan_downgrade(running, target, catalog);
}

class ExampleRoot : public ::testing::TestWithParam<std::string> {};

TEST_P(ExampleRoot, EveryReleaseIsCompleteAndPlansUpAndDown) {
  const release_root root = example_root(GetParam());
  ASSERT_EQ(root.release_versions(), (std::vector<std::string>{"1.0.0", "1.1.0"})) << root.root();
  for (const std::string vsn : {"1.0.0", "1.1.0"}) {
    const auto loaded = root.load(vsn);
    EXPECT_EQ(loaded.release.name, GetParam());
    ASSERT_EQ(loaded.applications.size(), 1u);
    EXPECT_TRUE(loaded.applications[0].supervisor) << "every example application has a supervision tree";
    const auto check = root.check_unpacked(vsn);
    EXPECT_TRUE(check.ok()) << ::testing::PrintToString(check.problems);
    EXPECT_FALSE(check.files.empty());
  }
  const appup::relup_script up = plan(root, "1.0.0", "1.1.0");
  EXPECT_EQ(up.mode, appup::change_mode::up);
  EXPECT_NO_THROW(appup::check_script(up.instructions));
  const appup::relup_script down = plan(root, "1.1.0", "1.0.0");
  EXPECT_EQ(down.mode, appup::change_mode::down);
  EXPECT_NO_THROW(appup::check_script(down.instructions));
}

INSTANTIATE_TEST_SUITE_P(Examples, ExampleRoot, ::testing::Values("counter", "status_server", "adder"));

// Boots releases from an example's root on a live runtime and runs the planned scripts, as the
// release handler will: the modules of the release are loaded from the root's files, each
// application's supervision tree is started, and a relup runs the planner's script with the
// target release's module files.
class ExampleUpgrade : public ::testing::Test {
 protected:
  void TearDown() override {
    rt_.run([] {  // modules outlive a runtime (one code server per OS process): leave none behind
      for (const auto& m : otp::code::all_loaded()) {
        otp::code::purge(m.name);
        otp::code::delete_module(m.name);
        otp::code::purge(m.name);
      }
    });
  }

  // The top supervisors of release `vsn`. Called in a process, which traps exits so that
  // stop() can shut the trees down.
  std::vector<term> boot(const release_root& root, const std::string& vsn) {
    otp::trap_exit(true);
    const auto loaded = root.load(vsn);
    for (const auto& app : loaded.applications)
      for (atom m : app.modules) {
        const auto file = root.find_module(app.name, app.vsn, m);
        if (!file) {
          ADD_FAILURE() << "no module file for " << m.text();
          continue;
        }
        EXPECT_TRUE(otp::code::load_abs(*file)) << *file;
      }
    std::vector<term> tops;
    for (const auto& app : loaded.applications) {
      const term started = otp::release::start_supervision_tree(app);
      EXPECT_TRUE(started.is_tuple(2) && started[0] == term(otp::atoms::ok)) << started;
      if (started.is_tuple(2)) tops.push_back(started[1]);
    }
    return tops;
  }

  static otp::release::script_outcome relup(const release_root& root, const std::string& from, const std::string& to,
                                            const std::vector<term>& tops) {
    const appup::relup_script script = plan(root, from, to);
    const auto target = root.load(to);
    otp::release::script_inputs in;
    in.module_file = [root, target](atom m) -> std::optional<fs::path> {
      for (const auto& app : target.applications)
        for (atom listed : app.modules)
          if (listed == m) return root.find_module(app.name, app.vsn, m);
      return std::nullopt;
    };
    in.roots = tops;
    return otp::release::run_script(script, in);
  }

  static void stop(const std::vector<term>& tops) {
    for (const term& top : tops) {
      const term ref = otp::monitor(top);
      otp::exit(top, otp::atoms::shutdown);
      EXPECT_TRUE(otp::receive([&](const term& m) { return m.is_tuple(5) && m[1] == ref; }, 10s));
    }
  }

  otp::runtime rt_;
};

term counter_call(const term& request) { return otp::gen_server::call(atom("counter"), request); }

TEST_F(ExampleUpgrade, TheCounterKeepsItsSumAcrossTheUpgradeAndTheRollbackAndLearnsReset) {
  const release_root root = example_root("counter");
  rt_.run([&] {
    const std::vector<term> tops = boot(root, "1.0.0");
    ASSERT_EQ(tops.size(), 1u);
    const term counter = otp::whereis(atom("counter"));
    ASSERT_TRUE(counter.is_pid()) << "the counter registers itself";
    otp::gen_server::cast(atom("counter"), tuple(atom("increment"), 3));
    otp::gen_server::cast(atom("counter"), tuple(atom("increment"), 4));
    EXPECT_EQ(counter_call(atom("get")), term(7));
    EXPECT_EQ(counter_call(atom("reset")), otp::parse_term("{error, {unknown_call, reset}}")) << "1.0.0 has no reset";
    EXPECT_EQ(otp::process_info(counter)->vsn, "1");

    const auto up = relup(root, "1.0.0", "1.1.0", tops);
    ASSERT_TRUE(up.ok) << up.reason;
    EXPECT_EQ(up.processes_migrated, 1u);
    EXPECT_EQ(otp::whereis(atom("counter")), counter) << "upgraded in place, not restarted";
    EXPECT_EQ(otp::process_info(counter)->vsn, "2");
    EXPECT_EQ(otp::sys::get_state(counter), tuple(7, 0)) << "code_change(\"1\", 7, []) gives {Sum, Resets}";
    EXPECT_EQ(counter_call(atom("get")), term(7)) << "the sum survives the upgrade";
    EXPECT_EQ(counter_call(atom("reset")), term(otp::atoms::ok));
    EXPECT_EQ(counter_call(atom("get")), term(0));
    otp::gen_server::cast(atom("counter"), tuple(atom("increment"), 5));
    EXPECT_EQ(otp::sys::get_state(counter), tuple(5, 1));

    const auto down = relup(root, "1.1.0", "1.0.0", tops);
    ASSERT_TRUE(down.ok) << down.reason;
    EXPECT_EQ(down.processes_migrated, 1u);
    EXPECT_EQ(otp::whereis(atom("counter")), counter) << "rolled back in place, not restarted";
    EXPECT_EQ(otp::process_info(counter)->vsn, "1");
    EXPECT_EQ(otp::sys::get_state(counter), term(5)) << "code_change({down, \"1\"}, {5, 1}, []) gives the sum";
    EXPECT_EQ(counter_call(atom("get")), term(5)) << "the sum survives the rollback";
    EXPECT_EQ(counter_call(atom("reset")), otp::parse_term("{error, {unknown_call, reset}}"));
    stop(tops);
  });
}

term status_text() {
  otp::send(atom("status"), tuple(atom("status"), otp::self()));
  const auto reply = otp::receive([](const term& m) { return m.is_tuple(2) && m[0].is_atom(atom("status")); }, 5s);
  return reply ? (*reply)[1] : term(atom("no_reply"));
}

TEST_F(ExampleUpgrade, TheStatusServerTakesTheLoadedTextWhenItReloads) {
  const release_root root = example_root("status_server");
  rt_.run([&] {
    const std::vector<term> tops = boot(root, "1.0.0");
    // A plain process registers itself once it runs: its first answer comes after that.
    const term server = otp::supervisor::which_children(tops.at(0)).head()[1];
    ASSERT_TRUE(server.is_pid());
    otp::send(server, tuple(atom("status"), otp::self()));
    ASSERT_TRUE(otp::receive([](const term& m) { return m.is_tuple(2) && m[0].is_atom(atom("status")); }, 5s));
    EXPECT_EQ(otp::whereis(atom("status")), server) << "the server registers itself";
    EXPECT_EQ(status_text(), binary("Status OK"));

    const auto up = relup(root, "1.0.0", "1.1.0", tops);
    ASSERT_TRUE(up.ok) << up.reason;
    EXPECT_EQ(status_text(), binary("Status OK")) << "a plain process keeps its code until it reloads";
    otp::send(atom("status"), atom("reload"));
    EXPECT_EQ(status_text(), binary("Status: upgraded and still up"));
    EXPECT_EQ(otp::whereis(atom("status")), server) << "soft purges: nobody was killed";

    const auto down = relup(root, "1.1.0", "1.0.0", tops);
    ASSERT_TRUE(down.ok) << down.reason;
    otp::send(atom("status"), atom("reload"));
    EXPECT_EQ(status_text(), binary("Status OK"));
    EXPECT_EQ(otp::whereis(atom("status")), server);
    stop(tops);
  });
}

TEST_F(ExampleUpgrade, TheAddersNextCallRunsTheLoadedVersion) {
  const release_root root = example_root("adder");
  rt_.run([&] {
    const std::vector<term> tops = boot(root, "1.0.0");
    const term add = tuple(atom("add"), 4, 5);
    EXPECT_EQ(otp::gen_server::call(atom("adder"), add), term(9));

    const auto up = relup(root, "1.0.0", "1.1.0", tops);
    ASSERT_TRUE(up.ok) << up.reason;
    EXPECT_EQ(otp::gen_server::call(atom("adder"), add), term(9));
    EXPECT_EQ(otp::process_info(otp::whereis(atom("adder")))->vsn, "2");

    const auto down = relup(root, "1.1.0", "1.0.0", tops);
    ASSERT_TRUE(down.ok) << down.reason;
    EXPECT_EQ(otp::gen_server::call(atom("adder"), add), term(9));
    EXPECT_EQ(otp::process_info(otp::whereis(atom("adder")))->vsn, "1");
    stop(tops);
  });
}

}  // namespace
