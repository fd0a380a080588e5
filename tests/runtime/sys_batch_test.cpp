// sys's batch requests (suspend_all, change_code_all, resume_all): one result per process, in
// order, with errors for the dead, the missing and the silent; every request out before any wait.
#include <gtest/gtest.h>

#include "otp/gen_server.hpp"
#include "otp/runtime.hpp"
#include "otp/sys.hpp"
#include "otp/term_text.hpp"
#include "test_servers.hpp"

namespace otp_test {
namespace {

namespace sys = otp::sys;
using otp::tuple;

std::shared_ptr<scripted_server> doubling_on_upgrade() {
  auto server = make_server();
  server->on_code_change = [](const term& old_vsn, const term& state, const term& extra) {
    if (old_vsn.is_atom(atom("refuse"))) return gs::code_change_result::failure(atom("refused"));
    return gs::code_change_result::success(tuple(state, extra));
  };
  return server;
}

TEST(SysBatch, SuspendChangeCodeAndResumeManyServersAnswerInOrder) {
  otp::runtime rt;
  rt.run([] {
    std::vector<term> servers;
    for (int i = 0; i < 50; ++i) servers.push_back(pid_of(gs::start(doubling_on_upgrade(), term(i))));
    const sys::batch suspended = sys::suspend_all(servers);
    EXPECT_TRUE(suspended.all_ok());
    for (std::size_t i = 0; i < servers.size(); ++i) EXPECT_LE(suspended.sent_at[i], suspended.answered_at[i]);
    for (const term& pid : servers) EXPECT_EQ(otp::process_info(pid)->status, atoms::suspended);
    const auto changed = sys::change_code_all(servers, atom("m"), term(1), atom("x")).results;
    for (const term& r : changed) EXPECT_EQ(r, term(atoms::ok));
    EXPECT_TRUE(sys::resume_all(servers).all_ok());
    for (int i = 0; i < 50; ++i) EXPECT_EQ(gs::call(servers[i], atom("get")), tuple(i, atom("x")));
    EXPECT_FALSE(otp::receive_for(milliseconds(0))) << "a batch left a message behind";
  });
}

TEST(SysBatch, DeadMissingAndSilentProcessesGetTheirOwnErrors) {
  otp::runtime rt;
  rt.run([] {
    const term alive = pid_of(gs::start(doubling_on_upgrade(), term(0)));
    const term dead = pid_of(gs::start(doubling_on_upgrade(), term(0)));
    gs::stop(dead);
    const term silent = otp::spawn([] { otp::receive([](const term&) { return false; }); });
    const sys::batch batch = sys::suspend_all({alive, dead, atom("nobody_has_this_name"), silent}, milliseconds(100));
    const auto& results = batch.results;
    EXPECT_EQ(batch.answered_at[3], std::chrono::steady_clock::time_point::max());
    ASSERT_EQ(results.size(), 4u);
    EXPECT_EQ(results[0], term(atoms::ok));
    EXPECT_EQ(results[1], tuple(atoms::error, atoms::noproc));
    EXPECT_EQ(results[2], tuple(atoms::error, atoms::noproc));
    EXPECT_EQ(results[3], tuple(atoms::error, atoms::timeout));
    EXPECT_EQ(sys::change_code_all({alive}, atom("m"), atom("refuse"), term()).results[0],
              tuple(atoms::error, atom("refused")));
    EXPECT_EQ(sys::get_state(alive), term(0)) << "a refused change replaced the state";
    EXPECT_EQ(sys::resume_all({alive}).results[0], term(atoms::ok));
    otp::exit(silent, atoms::kill);
  });
}

TEST(SysBatch, AServerThatDiesBeforeAnsweringGivesItsExitReason) {
  // One scheduler thread: the server cannot run (and die) between the send and the suspend request,
  // which then finds it alive and learns its exit reason from the monitor. With two, an idle thread
  // may take the server over first, and the request finds it gone (noproc).
  otp::runtime rt(otp::runtime_options{.schedulers = 1});
  rt.run([] {
    auto server = make_server();
    server->on_info = [](const term&, const term& state) { return gs::result::stop(atom("bye"), state); };
    const term pid = pid_of(gs::start(server, term(0)));
    otp::send(pid, atom("die_first"));  // queued before the suspend request
    const auto results = sys::suspend_all({pid}).results;
    EXPECT_EQ(results[0], tuple(atoms::error, atom("bye")));
  });
}

}  // namespace
}  // namespace otp_test
