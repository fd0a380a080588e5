// Running a relup's low-level script on live servers found through the supervision tree, and the
// transactional rollback when a code_change fails.
#include "otp/script_runner.hpp"

#include <gtest/gtest.h>

#include "code_test_support.hpp"
#include "otp/gen_server.hpp"
#include "otp/supervisor.hpp"
#include "otp/sys.hpp"

namespace otp_test {
namespace {

// The code tests' fixture (a scratch code path and the test modules), for the script runner (otp/script_runner.hpp).
class ScriptRunner : public Code {};

namespace sup = otp::supervisor;
namespace gs = otp::gen_server;
namespace appup = otp::appup;
using otp::binary;
using otp::tuple;

class shop : public sup::behaviour {
 public:
  sup::init_result init(const term&) override {
    return sup::init_result::ok(sup::flags{}, {sup::child_spec::module("acc_worker"_a, "acc"_a, term(5))});
  }
};

term worker_of(const term& root) { return sup::which_children(root).head()[1]; }

// suspend, load, code_change up with Extra, resume: the script the planner makes for
// {update, acc, {advanced, Extra}}.
appup::relup_script update_acc(const std::string& to_vsn, term extra) {
  appup::relup_script s;
  s.to_vsn = to_vsn;
  s.instructions = {appup::load_object_code{"shop"_a, to_vsn, {"acc"_a}},
                    appup::point_of_no_return{},
                    appup::suspend{{appup::suspend_entry{"acc"_a}}},
                    appup::load{"acc"_a},
                    appup::code_change{appup::change_mode::up, {appup::code_change_entry{"acc"_a, std::move(extra)}}},
                    appup::resume{{"acc"_a}}};
  return s;
}

otp::release::script_inputs inputs_for(const term& root, const std::string& file) {
  otp::release::script_inputs in;
  in.module_file = [file](atom) { return std::optional<fs::path>(module_file(file)); };
  in.roots = {root};
  return in;
}

TEST_F(ScriptRunner, AScriptUpgradesTheSupervisedServersInPlace) {
  stage("acc-1.so");
  rt_.run([&] {
    const term root = sup::start(std::make_shared<shop>(), term())[1];
    const term worker = worker_of(root);
    const auto outcome = otp::release::run_script(update_acc("2", term(3)), inputs_for(root, "acc-2.so"));
    ASSERT_TRUE(outcome.ok) << outcome.reason;
    EXPECT_EQ(outcome.modules_changed, 1u);
    EXPECT_EQ(outcome.processes_migrated, 1u);
    EXPECT_EQ(worker_of(root), worker) << "the upgrade restarted the server";
    EXPECT_EQ(gs::call(worker, "vsn"_a), binary("2"));
    EXPECT_EQ(otp::sys::get_state(worker), tuple(5, 3)) << "code_change(\"1\", 5, 3) of version 2";
    otp::exit(root, atoms::shutdown);
  });
}

TEST_F(ScriptRunner, AFailedCodeChangeRollsEverythingBackWithoutARestart) {
  stage("acc-2.so");
  rt_.run([&] {
    const term root = sup::start(std::make_shared<shop>(), term())[1];
    const term worker = worker_of(root);
    EXPECT_EQ(gs::call(worker, tuple("add"_a, 1)), term(atoms::ok));
    const term before = otp::sys::get_state(worker);
    const auto outcome = otp::release::run_script(update_acc("3", term()), inputs_for(root, "acc-3.so"));
    EXPECT_FALSE(outcome.ok);
    EXPECT_TRUE(outcome.rolled_back);
    ASSERT_TRUE(outcome.reason.is_tuple(5)) << outcome.reason;
    EXPECT_EQ(outcome.reason[0], term("code_change_failed"_a));
    EXPECT_EQ(outcome.reason[1], worker);
    EXPECT_EQ(worker_of(root), worker) << "no restart";
    EXPECT_EQ(otp::sys::get_state(worker), before) << "the state is the one before the install";
    EXPECT_EQ(gs::call(worker, "vsn"_a), binary("2")) << "the old version runs again, and the server is resumed";
    EXPECT_EQ(code::which("acc"_a)->current->vsn, "2");
    EXPECT_FALSE(code::check_old_code("acc"_a)) << "the failed version is purged";
    otp::exit(root, atoms::shutdown);
  });
}

TEST_F(ScriptRunner, AMissingModuleFileStopsTheScriptBeforeThePointOfNoReturn) {
  stage("acc-1.so");
  rt_.run([&] {
    const term root = sup::start(std::make_shared<shop>(), term())[1];
    const term worker = worker_of(root);
    otp::release::script_inputs in;
    in.module_file = [](atom) { return std::optional<fs::path>(); };
    in.roots = {root};
    const auto outcome = otp::release::run_script(update_acc("2", term()), in);
    EXPECT_FALSE(outcome.ok);
    EXPECT_FALSE(outcome.rolled_back) << "nothing was changed, so nothing to roll back";
    EXPECT_EQ(outcome.reason[0], term("no_such_file"_a));
    EXPECT_EQ(otp::process_info(worker)->status, atoms::waiting) << "nobody was suspended";
    EXPECT_EQ(gs::call(worker, "vsn"_a), binary("1"));
    otp::exit(root, atoms::shutdown);
  });
}

}  // namespace
}  // namespace otp_test
