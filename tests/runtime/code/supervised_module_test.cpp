// Hot-loadable modules under a supervisor: children named {M, start_link, [Arg]} start through the
// code server (from the code path), survive an in-place upgrade with their pid, and a plain process
// killed by purge is restarted by its supervisor on the current version, as in Erlang.
#include <gtest/gtest.h>

#include "code_test_support.hpp"
#include "otp/gen_server.hpp"
#include "otp/supervisor.hpp"
#include "otp/sys.hpp"

namespace otp_test {
namespace {

namespace sup = otp::supervisor;
namespace gs = otp::gen_server;
using otp::binary;
using otp::list;
using otp::tuple;

class tree : public sup::behaviour {
 public:
  explicit tree(std::vector<sup::child_spec> children) : children_(std::move(children)) {}
  sup::init_result init(const term&) override {
    return sup::init_result::ok(sup::flags{.intensity = 10, .period = 5}, children_);
  }

 private:
  std::vector<sup::child_spec> children_;
};

// The pid of child `id`, from which_children.
term child_pid(const term& supervisor, const term& id) {
  for (term rest = sup::which_children(supervisor); !rest.is_nil(); rest = rest.tail())
    if (rest.head()[0] == id) return rest.head()[1];
  return term();
}

// Waits until child `id` runs under a pid other than `old` (the supervisor restarted it).
term await_restarted(const term& supervisor, const term& id, const term& old) {
  for (const auto deadline = std::chrono::steady_clock::now() + 3s; std::chrono::steady_clock::now() < deadline;) {
    const term pid = child_pid(supervisor, id);
    if (pid.is_pid() && !(pid == old)) return pid;
    otp::receive_for(1ms);
  }
  throw std::runtime_error("child " + id.to_string() + " was not restarted");
}

TEST_F(Code, AModuleChildStartsFromTheCodePathAndKeepsItsPidAcrossAnUpgrade) {
  stage("acc-1.so");
  rt_.run([&] {
    const term started = sup::start_link(
        std::make_shared<tree>(std::vector{sup::child_spec::module("acc_worker"_a, "acc"_a, term(5))}), term());
    ASSERT_TRUE(started.is_tuple(2) && started[0].is_atom(atoms::ok)) << started;
    const term supervisor = started[1];
    const term worker = child_pid(supervisor, "acc_worker"_a);
    ASSERT_TRUE(worker.is_pid());
    EXPECT_EQ(gs::call(worker, "total"_a), term(5));
    const term spec = sup::get_childspec(supervisor, "acc_worker"_a);
    ASSERT_NE(spec[1].find("start"_a), nullptr);
    EXPECT_EQ(*spec[1].find("start"_a), tuple("acc"_a, "start_link"_a, list(5))) << spec;

    otp::sys::suspend(worker);
    ASSERT_TRUE(code::load(module_file("acc-2.so")));
    EXPECT_EQ(otp::sys::change_code(worker, "acc"_a, binary("1"), term(2)), term(atoms::ok));
    otp::sys::resume(worker);
    EXPECT_EQ(child_pid(supervisor, "acc_worker"_a), worker) << "an upgrade must not restart the child";
    EXPECT_EQ(gs::call(worker, "vsn"_a), binary("2"));
    EXPECT_EQ(gs::call(worker, "count"_a), term(2));

    // A crash restarts it on the current version, from its start arguments.
    otp::exit(worker, "boom"_a);
    const term restarted = await_restarted(supervisor, "acc_worker"_a, worker);
    EXPECT_EQ(gs::call(restarted, "vsn"_a), binary("2"));
    EXPECT_EQ(gs::call(restarted, "total"_a), term(5));
    otp::unlink(supervisor);
    otp::exit(supervisor, atoms::shutdown);
  });
}

TEST_F(Code, APurgedPlainProcessIsRestartedByItsSupervisorOnTheNewVersion) {
  stage("counter-1.so");
  rt_.run([&] {
    const term started = sup::start_link(
        std::make_shared<tree>(std::vector{sup::child_spec::module("counter"_a, "counter"_a, term(3))}), term());
    ASSERT_TRUE(started.is_tuple(2) && started[0].is_atom(atoms::ok)) << started;
    const term supervisor = started[1];
    const term counter = child_pid(supervisor, "counter"_a);
    EXPECT_EQ(otp::process_info(counter)->vsn, "1");
    ASSERT_TRUE(code::load_abs(module_file("counter-2.so")));
    EXPECT_TRUE(code::purge("counter"_a));
    const term restarted = await_restarted(supervisor, "counter"_a, counter);
    EXPECT_EQ(otp::process_info(restarted)->vsn, "2");
    otp::unlink(supervisor);
    otp::exit(supervisor, atoms::shutdown);
  });
}

TEST_F(Code, AnUnknownModuleChildFailsToStartWithUndef) {
  rt_.run([&] {
    const term started =
        sup::start(std::make_shared<tree>(std::vector{sup::child_spec::module("ghost"_a, "ghost"_a, term())}), term());
    ASSERT_TRUE(started.is_tuple(2) && started[0].is_atom(atoms::error)) << started;
    EXPECT_NE(started.to_string().find("undef"), std::string::npos) << started;
  });
}

}  // namespace
}  // namespace otp_test
