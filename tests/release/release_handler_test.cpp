// The release handler on the seq release root (seq_release_fixture.hpp): boot, unpack, install up
// and down with state migrated, make_permanent, remove, the history rows after each scenario,
// dep_mods order, a failure injected at each step of an install (every process keeps its version
// and state, the node keeps serving) and messages sent during an install arriving in order.
#include "otp/release_handler.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include "../support/child_process.hpp"
#include "otp/code.hpp"
#include "otp/gen_server.hpp"
#include "otp/process.hpp"
#include "otp/release_history.hpp"
#include "otp/release_root.hpp"
#include "otp/runtime.hpp"
#include "otp/sha256.hpp"
#include "otp/supervisor.hpp"
#include "otp/sys.hpp"
#include "otp/term_text.hpp"
#include "release_test_support.hpp"
#include "seq_release_fixture.hpp"

namespace {

using namespace rel_test;

class ReleaseHandler : public seq_release_test {};

using kinds = std::vector<std::string>;

TEST_F(ReleaseHandler, TheFirstBootUnpacksBootsAndMakesPermanentTheGivenRelease) {
  rt_.run([&] {
    start(options());
    // The reply as it travels (what otpctl and an Erlang node receive), then as the protocol reads it.
    EXPECT_EQ(otp::gen_server::call(rh::registered_name, rh::request::releases),
              otp::parse_term(R"([{<<"seqrel">>,<<"1.0.0">>,[<<"seqapp-1.0.0">>],permanent}])"));
    const auto releases = rh::releases();
    ASSERT_EQ(releases.size(), 1u);
    EXPECT_EQ(releases[0].name, "seqrel");
    EXPECT_EQ(releases[0].vsn, "1.0.0");
    EXPECT_EQ(releases[0].applications, std::vector<std::string>{"seqapp-1.0.0"});
    EXPECT_EQ(releases[0].status, otp::release::release_status::permanent);
    const term a = child("a"), b = child("b");
    ASSERT_TRUE(a.is_pid() && b.is_pid());
    EXPECT_EQ(vsn_of(a), binary("1"));
    EXPECT_EQ(vsn_of(b), binary("1"));
    EXPECT_EQ(rh::which_applications(),
              otp::list(tuple(atom("seqapp"), binary("1.0.0"), otp::whereis(atom("seq_sup")))));
  });
  EXPECT_EQ(history_kinds(), (kinds{"unpack", "boot", "make_permanent"}));
}

TEST_F(ReleaseHandler, WithoutAGivenVersionTheFirstBootRunsTheNewestRelease) {
  rt_.run([&] {
    auto o = options();
    o.first_boot_vsn.reset();
    start(o);
    EXPECT_EQ(vsn_of(child("a")), binary("2"));
    EXPECT_EQ(status_of("1.1.0"), atom("permanent"));
    EXPECT_EQ(status_of("1.0.0"), atom("none")) << "a release on disk is not unpacked until asked";
  });
}

TEST_F(ReleaseHandler, AnUpgradeAndADowngradeMigrateEveryServersStateInPlace) {
  rt_.run([&] {
    start(options());
    const term a = child("a"), b = child("b");
    feed(a, 1, 10);
    feed(b, 1, 5);
    EXPECT_EQ(rh::unpack("1.1.0"), tuple(atom("ok"), binary("1.1.0")));
    EXPECT_EQ(status_of("1.1.0"), atom("unpacked"));

    const term up = rh::install("1.1.0");
    ASSERT_TRUE(up.is_tuple(3) && up[0].is_atom(atom("ok"))) << up;
    EXPECT_EQ(up[1], binary("1.0.0"));
    EXPECT_EQ(*up[2].find(atom("modules_changed")), term(2));
    EXPECT_EQ(*up[2].find(atom("processes_migrated")), term(2)) << "b is found although its modules are dynamic";
    EXPECT_GT(up[2].find(atom("longest_suspension_us"))->as_int(), 0);
    EXPECT_LE(up[2].find(atom("longest_suspension_us"))->as_int(),
              up[2].find(atom("duration_ms"))->as_int() * 1000 + 1000);
    EXPECT_EQ(child("a"), a) << "an upgrade restarts nobody";
    EXPECT_EQ(child("b"), b);
    EXPECT_EQ(vsn_of(a), binary("2"));
    EXPECT_EQ(vsn_of(b), binary("2"));
    EXPECT_EQ(otp::sys::get_state(a), tuple(atom("v2"), 10, 0));
    EXPECT_EQ(otp::sys::get_state(b), tuple(atom("v2"), 5, 0));
    EXPECT_EQ(status_of("1.1.0"), atom("current"));
    EXPECT_EQ(status_of("1.0.0"), atom("permanent"));

    feed(a, 11, 20);
    const term down = rh::install("1.0.0");
    ASSERT_TRUE(down.is_tuple(3) && down[0].is_atom(atom("ok"))) << down;
    EXPECT_EQ(down[1], binary("1.1.0"));
    EXPECT_EQ(child("a"), a);
    EXPECT_EQ(vsn_of(a), binary("1"));
    EXPECT_EQ(vsn_of(b), binary("1"));
    EXPECT_EQ(otp::sys::get_state(a), tuple(20, 0)) << "migrated down by version 2's code_change";
    EXPECT_EQ(otp::sys::get_state(b), tuple(5, 0));
    EXPECT_EQ(status_of("1.0.0"), atom("permanent"));
    EXPECT_EQ(status_of("1.1.0"), atom("old"));
  });
  const auto events = history();
  std::vector<std::string> k;
  for (const auto& e : events) k.push_back(e.kind);
  EXPECT_EQ(k, (kinds{"unpack", "boot", "make_permanent", "unpack", "install_start", "install_end", "install_start",
                      "install_end", "downgrade"}));
  const auto& up_end = events[5];
  EXPECT_EQ(up_end.outcome, "ok");
  EXPECT_EQ(up_end.from_vsn, "1.0.0");
  EXPECT_EQ(up_end.vsn, "1.1.0");
  EXPECT_EQ(up_end.modules_changed, 2);
  EXPECT_EQ(up_end.processes_migrated, 2);
  EXPECT_TRUE(up_end.duration_ms.has_value());
  EXPECT_EQ(events[7].outcome, "ok");
  EXPECT_EQ(events[7].vsn, "1.0.0");
}

// The counter example's release root (build/<preset>/examples/counter/root), copied: the handler
// boots 1.0.0, upgrades to 1.1.0 (the sum survives and reset works) and rolls back.
TEST_F(ReleaseHandler, TheCounterExampleUpgradesAndRollsBackWithItsSum) {
  rel_test::temp_dir node;
  fs::copy(fs::path(OTP_EXAMPLE_ROOTS_DIR) / "counter" / "root", node.path(), fs::copy_options::recursive);
  rt_.run([&] {
    auto o = options();
    o.root = node.path();
    start(o);
    const term counter = otp::whereis(atom("counter"));
    ASSERT_TRUE(counter.is_pid());
    for (int i = 1; i <= 4; ++i) otp::gen_server::cast(atom("counter"), tuple(atom("increment"), i));
    EXPECT_EQ(otp::gen_server::call(atom("counter"), atom("get")), term(10));
    EXPECT_EQ(otp::gen_server::call(atom("counter"), atom("reset"))[0], atom("error")) << "1.0.0 has no reset";

    ASSERT_EQ(rh::unpack("1.1.0")[0], atom("ok"));
    const term up = rh::install("1.1.0");
    ASSERT_EQ(up[0], atom("ok")) << up;
    EXPECT_EQ(*up[2].find(atom("processes_migrated")), term(1));
    EXPECT_EQ(otp::whereis(atom("counter")), counter) << "the same process";
    EXPECT_EQ(otp::gen_server::call(atom("counter"), atom("get")), term(10)) << "the sum survives the upgrade";
    EXPECT_EQ(otp::gen_server::call(atom("counter"), atom("reset")), atom("ok"));
    otp::gen_server::cast(atom("counter"), tuple(atom("increment"), 5));
    EXPECT_EQ(otp::gen_server::call(atom("counter"), atom("get")), term(5));

    const term down = rh::install("1.0.0");
    ASSERT_EQ(down[0], atom("ok")) << down;
    EXPECT_EQ(otp::whereis(atom("counter")), counter);
    EXPECT_EQ(otp::gen_server::call(atom("counter"), atom("get")), term(5)) << "the sum survives the rollback";
    EXPECT_EQ(otp::gen_server::call(atom("counter"), atom("reset"))[0], atom("error")) << "1.0.0 again";
  });
}

TEST_F(ReleaseHandler, DepModsOrderTheSuspensionsLoadsAndCodeChanges) {
  rt_.run([&] {
    start(options());
    otp::register_name(atom("observer"), otp::self());
    const term a = child("a"), b = child("b");
    ASSERT_EQ(rh::unpack("1.1.0"), tuple(atom("ok"), binary("1.1.0")));
    const term r = rh::install("1.1.0", otp::map({{atom("progress"), otp::self()}}));
    ASSERT_TRUE(r[0].is_atom(atom("ok"))) << r;
    std::vector<std::string> steps;
    std::vector<term> suspended;
    std::vector<term> changed;
    while (auto m = otp::receive_for(0ms)) {
      if (m->is_tuple(4) && (*m)[0].is_atom(atom("release_progress"))) {
        steps.emplace_back((*m)[2].as_binary());
        if (steps.back().starts_with("{suspend")) {
          const auto e = (*m)[3].elements();
          suspended.assign(e.begin(), e.end());
        }
      } else if (m->is_tuple(4) && (*m)[0].is_atom(atom("code_change"))) {
        changed.push_back((*m)[3]);
      }
    }
    EXPECT_EQ(suspended, (std::vector<term>{a, b})) << "the depending module's processes are suspended first";
    EXPECT_EQ(changed, (std::vector<term>{a, b})) << "code_change in dependency order";
    auto position = [&](const std::string& prefix) {
      return std::find_if(steps.begin(), steps.end(), [&](const std::string& s) { return s.starts_with(prefix); }) -
             steps.begin();
    };
    EXPECT_LT(position("{load,{seq_b"), position("{load,{seq_a")) << "the dependency is loaded first";
    EXPECT_LT(position("{suspend"), position("{load,{seq_b"));
    EXPECT_LT(position("{code_change"), position("{resume"));
    ASSERT_NE(position("{resume"), static_cast<long>(steps.size()));
    EXPECT_EQ(steps[position("{resume")], "{resume,[seq_b,seq_a]}");
  });
}

// --- a failure injected at each step ---------------------------------------------------------------

struct injected_failure {
  const char* name;
  appup_options appup;
  std::chrono::milliseconds timeout;
  const char* reason_tag;  // the tag of {error, {Tag, ...}}
};

void PrintTo(const injected_failure& f, std::ostream* os) { *os << f.name; }

class ReleaseHandlerFailure : public ReleaseHandler, public ::testing::WithParamInterface<injected_failure> {};

TEST_P(ReleaseHandlerFailure, LeavesEveryProcessWithItsVersionAndStateAndTheNodeServing) {
  const injected_failure& f = GetParam();
  lay_out(f.appup);
  const std::string what = f.name;
  if (what == "module_does_not_load")  // a file that is no module: found at load_object_code
    rel_test::write_file(lib("1.1.0") / "modules" / "seq_b.so", "not a shared library");
  rt_.run([&] {
    start(options(f.timeout));
    const term a = child("a"), b = child("b");
    feed(a, 1, 7);
    feed(b, 1, 3);
    ASSERT_EQ(rh::unpack("1.1.0"), tuple(atom("ok"), binary("1.1.0")));
    if (what == "missing_file") fs::remove(lib("1.1.0") / "modules" / "seq_b.so");
    if (what == "changed_file")
      fs::copy_file(built("seq_b-1.so"), lib("1.1.0") / "modules" / "seq_b.so", fs::copy_options::overwrite_existing);
    if (what == "soft_purge_refused") {  // a runs old code of seq_a: reloaded while a is inside it
      // a tells us once it is inside its callback: a cast handled after the load would run the
      // new current version instead.
      otp::gen_server::cast(a, tuple(atom("block"), otp::self()));
      ASSERT_TRUE(otp::receive([](const term& m) { return m.is_tuple(2) && m[0].is_atom(atom("blocked")); }, 3000ms))
          << "a did not enter its block callback";
      ASSERT_TRUE(otp::code::load(lib("1.0.0") / "modules" / "seq_a.so"));
    }
    if (what == "suspend_timeout") otp::gen_server::cast(b, atom("block"));

    const term r = rh::install("1.1.0");
    ASSERT_TRUE(r.is_tuple(2) && r[0].is_atom(atom("error"))) << r;
    EXPECT_TRUE(r[1].is_tuple() && r[1][0].is_atom(atom(f.reason_tag))) << r;
    const std::string text = r.to_string();
    EXPECT_NE(text.find("seq_"), std::string::npos) << "the reason names the module or its file: " << text;
    if (what == "suspend_timeout" || what == "code_change_fails" || what == "code_change_timeout") {
      EXPECT_NE(text.find(b.to_string()), std::string::npos) << "the reason names the process: " << text;
    }
    if (what == "code_change_throws" || what == "soft_purge_refused") {
      EXPECT_NE(text.find(a.to_string()), std::string::npos) << "the reason names the process: " << text;
    }

    if (what == "soft_purge_refused") otp::send(a, atom("go_on"));
    if (what == "suspend_timeout") otp::send(b, atom("go_on"));
    EXPECT_EQ(child("a"), a) << "nobody was restarted";
    EXPECT_EQ(child("b"), b);
    EXPECT_EQ(vsn_of(a), binary("1"));
    EXPECT_EQ(vsn_of(b), binary("1"));
    EXPECT_EQ(otp::sys::get_state(a), tuple(7, 0));
    EXPECT_EQ(otp::sys::get_state(b), tuple(3, 0));
    feed(a, 8, 9);
    EXPECT_EQ(otp::gen_server::call(a, atom("report")), tuple(9, 0)) << "still serving, in order";
    for (const auto& m : otp::code::all_loaded())
      if (m.name == atom("seq_a") || m.name == atom("seq_b")) {
        ASSERT_TRUE(m.current.has_value());
        EXPECT_EQ(m.current->vsn, "1") << m.name.text();
        EXPECT_FALSE(m.old.has_value() && m.old->vsn == "2") << "the new code of " << m.name.text() << " is purged";
      }
    EXPECT_EQ(status_of("1.0.0"), atom("permanent"));
    EXPECT_EQ(status_of("1.1.0"), atom("unpacked"));
  });
  const auto events = history();
  ASSERT_GE(events.size(), 2u);
  EXPECT_EQ(events.back().kind, "install_end");
  EXPECT_EQ(events.back().outcome, "failed");
  EXPECT_NE(events.back().reason.find(f.reason_tag), std::string::npos) << events.back().reason;
}

INSTANTIATE_TEST_SUITE_P(
    EachStep, ReleaseHandlerFailure,
    ::testing::Values(injected_failure{"missing_file", {}, 5000ms, "missing_file"},
                      injected_failure{"changed_file", {}, 5000ms, "changed_file"},
                      injected_failure{"module_does_not_load", {}, 5000ms, "load_failed"},
                      injected_failure{"soft_purge_refused", {.a_pre_purge = "soft_purge"}, 5000ms, "old_processes"},
                      injected_failure{"suspend_timeout", {}, 200ms, "suspend_failed"},
                      injected_failure{"code_change_throws", {.a_extra = "crash"}, 5000ms, "code_change_failed"},
                      injected_failure{"code_change_fails", {.b_extra = "fail"}, 5000ms, "code_change_failed"},
                      injected_failure{
                          "code_change_timeout", {.b_extra = "{sleep, 400}"}, 200ms, "code_change_failed"}),
    [](const ::testing::TestParamInfo<injected_failure>& p) { return std::string(p.param.name); });

// --- messages during an install --------------------------------------------------------------------

// A process that casts {seq, 1}, {seq, 2}, ... to `target` until told to stop, then sends
// {sent, Self, LastN} to `report_to`; it says {sending, Self} after its first 50 casts.
term spawn_sender(const term& target, const term& report_to) {
  return otp::spawn([target, report_to] {
    std::int64_t n = 0;
    for (;;) {
      otp::gen_server::cast(target, tuple(atom("seq"), ++n));
      if (n == 50) otp::send(report_to, tuple(atom("sending"), otp::self()));
      if (otp::receive([](const term& m) { return m.is_atom(atom("stop")); }, 0ms)) break;
    }
    otp::send(report_to, tuple(atom("sent"), otp::self(), n));
  });
}

class ReleaseHandlerTraffic : public ReleaseHandler, public ::testing::WithParamInterface<bool> {};

TEST_P(ReleaseHandlerTraffic, MessagesSentDuringAnInstallAllArriveInOrder) {
  const bool install_fails = GetParam();
  lay_out(install_fails ? appup_options{.b_extra = "fail"} : appup_options{});
  rt_.run([&] {
    start(options());
    const term workers[] = {child("a"), child("b")};
    ASSERT_EQ(rh::unpack("1.1.0"), tuple(atom("ok"), binary("1.1.0")));
    term senders[2];
    for (int i = 0; i < 2; ++i) senders[i] = spawn_sender(workers[i], otp::self());
    for (const term& s : senders)
      ASSERT_TRUE(otp::receive([&](const term& m) { return m == tuple(atom("sending"), s); }, 5000ms));
    const term r = rh::install("1.1.0");
    EXPECT_EQ(r[0], atom(install_fails ? "error" : "ok")) << r;
    for (int i = 0; i < 2; ++i) {
      otp::send(senders[i], atom("stop"));
      const auto sent = otp::receive(
          [&](const term& m) { return m.is_tuple(3) && m[0].is_atom(atom("sent")) && m[1] == senders[i]; }, 5000ms);
      ASSERT_TRUE(sent);
      const term last = (*sent)[2];
      EXPECT_GT(last.as_int(), 50);
      EXPECT_EQ(otp::gen_server::call(workers[i], atom("report")), tuple(last, 0))
          << "worker " << i << " saw every message, in order";
    }
  });
}

INSTANTIATE_TEST_SUITE_P(SucceedingOrFailing, ReleaseHandlerTraffic, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& p) {
                           return std::string(p.param ? "FailedInstall" : "SuccessfulInstall");
                         });

// --- restarts, the history across boots, make_permanent and remove ------------------------------------

TEST_F(ReleaseHandler, ARestartBootsThePermanentReleaseNotTheOneInstalledLast) {
  rt_.run([&] {
    start(options());
    ASSERT_EQ(rh::unpack("1.1.0")[0], atom("ok"));
    ASSERT_EQ(rh::install("1.1.0")[0], atom("ok"));
    stop();
  });
  rt_.run([&] {
    start(options());
    EXPECT_EQ(vsn_of(child("a")), binary("1")) << "1.1.0 was never made permanent";
    EXPECT_EQ(status_of("1.0.0"), atom("permanent"));
    EXPECT_EQ(status_of("1.1.0"), atom("unpacked")) << "current is not kept across a restart, as in OTP";
    ASSERT_EQ(rh::install("1.1.0")[0], atom("ok"));
    EXPECT_EQ(rh::make_permanent("1.1.0"), atom("ok"));
    EXPECT_EQ(status_of("1.1.0"), atom("permanent"));
    EXPECT_EQ(status_of("1.0.0"), atom("old"));
    stop();
  });
  rt_.run([&] {
    start(options());
    EXPECT_EQ(vsn_of(child("a")), binary("2"));
    EXPECT_EQ(otp::sys::get_state(child("a")), tuple(atom("v2"), 0, 0)) << "a fresh boot of version 2";
  });
  const auto k = history_kinds();
  EXPECT_EQ(std::count(k.begin(), k.end(), "boot"), 3);
  EXPECT_EQ(k.back(), "boot");
}

TEST_F(ReleaseHandler, ANodeKilledDuringAnInstallRecordsItAtItsNextBootAndRunsThePermanentRelease) {
  lay_out({.b_extra = "{sleep, 60000}"});  // b's code_change outlasts the node
  {
    otp::test::child_process node({OTP_TEST_HANDLER_NODE, root().string(), "1.1.0"});
    node.expect_line("{load,{seq_a", 20s);  // the install got past its loads
    node.kill();
  }
  rt_.run([&] {
    start(options());
    EXPECT_EQ(vsn_of(child("a")), binary("1")) << "the permanent release booted";
    EXPECT_EQ(status_of("1.0.0"), atom("permanent"));
    EXPECT_EQ(status_of("1.1.0"), atom("unpacked"));
  });
  const auto k = history_kinds();
  EXPECT_EQ(k, (kinds{"unpack", "boot", "make_permanent", "unpack", "install_start", "install_interrupted", "boot"}));
  otp::release::release_history h(root() / "releases" / "history.sqlite");
  EXPECT_TRUE(h.interrupted_installs().empty()) << "recorded once";
}

// Release 1.2.0 adds application extraapp (its supervisor runs seq_c as child c) to seqapp 1.1.0.
TEST_F(ReleaseHandler, AddedAndRemovedApplicationsAreStartedAndStopped) {
  rel_test::write_file(root() / "releases" / "1.2.0" / "seqrel.rel.yaml",
                       "name: seqrel\nvsn: \"1.2.0\"\napplications:\n  - {name: seqapp, vsn: \"1.1.0\"}\n"
                       "  - {name: extraapp, vsn: \"1.0.0\"}\n");
  const fs::path extra = root() / "lib" / "extraapp-1.0.0";
  rel_test::write_file(extra / "extraapp.app.yaml",
                       "name: extraapp\nvsn: \"1.0.0\"\nmodules: [seq_c]\napplications: []\nsupervisor:\n"
                       "  name: extra_sup\n  children:\n    - id: c\n      start: {module: seq_c, arg: \"[]\"}\n");
  fs::create_directories(extra / "modules");
  fs::copy_file(built("seq_c-1.so"), extra / "modules" / "seq_c.so");
  rt_.run([&] {
    auto o = options();
    o.first_boot_vsn = "1.1.0";
    start(o);
    ASSERT_EQ(rh::unpack("1.2.0")[0], atom("ok"));
    const term up = rh::install("1.2.0");
    ASSERT_EQ(up[0], atom("ok")) << up;
    const term extra_sup = otp::whereis(atom("extra_sup"));
    ASSERT_TRUE(extra_sup.is_pid()) << "add_application started extraapp's tree";
    EXPECT_EQ(rh::which_applications(), otp::list(tuple(atom("seqapp"), binary("1.1.0"), otp::whereis(atom("seq_sup"))),
                                                  tuple(atom("extraapp"), binary("1.0.0"), extra_sup)));
    const term c = child("c");
    ASSERT_TRUE(c.is_pid());
    EXPECT_EQ(vsn_of(c), binary("1"));
    const term watch = otp::monitor(c);

    const term down = rh::install("1.1.0");
    ASSERT_EQ(down[0], atom("ok")) << down;
    EXPECT_TRUE(otp::receive([&](const term& m) { return m.is_tuple(5) && m[1] == watch; }, 5000ms))
        << "remove_application stopped extraapp's tree";
    EXPECT_FALSE(otp::whereis(atom("extra_sup")).is_pid());
    EXPECT_EQ(rh::which_applications(),
              otp::list(tuple(atom("seqapp"), binary("1.1.0"), otp::whereis(atom("seq_sup")))));
  });
}

// A node whose root holds only 1.0.0 gets 1.1.0 sent from the fixture's root, as otpctl unpack or
// another node would send it.
class ReleaseHandlerTransfer : public ReleaseHandler {
 protected:
  void SetUp() override {
    ReleaseHandler::SetUp();
    for (const auto& p : {fs::path("releases") / "1.0.0", fs::path("lib") / "seqapp-1.0.0"}) {
      fs::create_directories(node_.path() / p);
      fs::copy(root() / p, node_.path() / p, fs::copy_options::recursive);
    }
  }

  otp::release::handler_options node_options() const {
    auto o = options();
    o.root = node_.path();
    return o;
  }

  // {Path, Bytes, Sha256} for each file of release 1.1.0 of the fixture's root.
  std::vector<term> files_of_1_1_0() const {
    std::vector<term> files;
    for (const fs::path& relative : otp::release::release_root(root()).release_files("1.1.0")) {
      std::ifstream in(root() / relative, std::ios::binary);
      const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      files.push_back(tuple(binary(relative.string()), binary(bytes), binary(otp::release::sha256_hex(bytes))));
    }
    return files;
  }

  static term unpack_with(std::vector<term> files) {
    return otp::gen_server::call(rh::registered_name,
                                 tuple(atom("unpack"), binary("1.1.0"), term::make_list(std::move(files))));
  }

  rel_test::temp_dir node_;
};

TEST_F(ReleaseHandlerTransfer, AReleaseSentFromAnotherRootIsWrittenUnpackedAndInstallable) {
  rt_.run([&] {
    start(node_options());
    const auto sent = otp::release::release_root(root()).release_files("1.1.0");
    EXPECT_EQ(sent.size(), 5u) << "release file, application file, appup, two modules";
    EXPECT_EQ(rh::unpack_from(otp::release::release_root(root()), "1.1.0"), tuple(atom("ok"), binary("1.1.0")));
    for (const fs::path& f : sent) EXPECT_TRUE(fs::exists(node_.path() / f)) << f;
    EXPECT_EQ(status_of("1.1.0"), atom("unpacked"));
    EXPECT_EQ(rh::install("1.1.0")[0], atom("ok"));
    EXPECT_EQ(vsn_of(child("a")), binary("2"));
  });
}

TEST_F(ReleaseHandlerTransfer, ABadTransferWritesNothing) {
  rt_.run([&] {
    start(node_options());
    auto tampered = files_of_1_1_0();
    tampered[0] = tuple(tampered[0][0], binary("something else"), tampered[0][2]);
    EXPECT_EQ(unpack_with(tampered)[1][0], atom("checksum_mismatch"));

    auto escaping = files_of_1_1_0();
    escaping.push_back(tuple(binary("lib/../../evil"), binary("x"), binary(otp::release::sha256_hex("x"))));
    EXPECT_EQ(unpack_with(escaping)[1][0], atom("bad_path"));

    auto conflicting = files_of_1_1_0();
    conflicting.push_back(
        tuple(binary("lib/seqapp-1.0.0/seqapp.app.yaml"), binary("x"), binary(otp::release::sha256_hex("x"))));
    EXPECT_EQ(unpack_with(conflicting)[1][0], atom("conflicting_file"));

    auto incomplete = files_of_1_1_0();  // no seq_a module: written, then the unpack check fails
    std::erase_if(incomplete, [](const term& f) { return f[0].as_binary().ends_with("seq_a.so"); });
    const term r = unpack_with(incomplete);
    EXPECT_EQ(r[1][0], atom("bad_release")) << r;

    EXPECT_FALSE(fs::exists(node_.path() / "releases" / "1.1.0")) << "nothing left behind";
    EXPECT_FALSE(fs::exists(node_.path() / "lib" / "seqapp-1.1.0"));
    EXPECT_FALSE(fs::exists(node_.path().parent_path() / "evil"));
    EXPECT_EQ(status_of("1.1.0"), atom("none"));
    EXPECT_EQ(rh::unpack_from(otp::release::release_root(root()), "1.1.0")[0], atom("ok")) << "and it can come again";
  });
}

// --- an install in two phases, as a cluster operation runs it --------------------------------------

TEST_F(ReleaseHandler, APreparedInstallChangesNothingUntilItsCommit) {
  rt_.run([&] {
    start(options());
    const term a = child("a");
    feed(a, 1, 4);
    ASSERT_EQ(rh::unpack("1.1.0")[0], atom("ok"));
    EXPECT_EQ(rh::prepare_install("1.1.0", "op-1", 5000ms), tuple(atom("ok"), binary("1.0.0")));
    EXPECT_EQ(vsn_of(a), binary("1")) << "prepared only";
    EXPECT_EQ(otp::sys::get_state(a), tuple(4, 0));
    for (const auto& m : otp::code::all_loaded()) {
      if (m.name == atom("seq_a")) {
        EXPECT_EQ(m.current->vsn, "1");
      }
    }
    EXPECT_EQ(rh::install("1.1.0")[1][0], atom("install_pending"));
    EXPECT_EQ(rh::make_permanent("1.0.0")[1][0], atom("install_pending"));
    EXPECT_EQ(rh::commit_install("op-2")[1][0], atom("no_prepared_install"));

    const term r = rh::commit_install("op-1");
    ASSERT_EQ(r[0], atom("ok")) << r;
    EXPECT_EQ(vsn_of(a), binary("2"));
    EXPECT_EQ(otp::sys::get_state(a), tuple(atom("v2"), 4, 0));
    EXPECT_EQ(status_of("1.1.0"), atom("current"));
  });
  const auto events = history();
  ASSERT_GE(events.size(), 2u);
  EXPECT_EQ(events[events.size() - 2].kind, "install_start");
  EXPECT_EQ(events[events.size() - 2].operation, "op-1");
  EXPECT_EQ(events.back().kind, "install_end");
  EXPECT_EQ(events.back().outcome, "ok");
  EXPECT_EQ(events.back().operation, "op-1") << "every node records the operation's id";
}

TEST_F(ReleaseHandler, APreparedInstallIsAbortedOnRequestOrWhenNoCommitComes) {
  rt_.run([&] {
    start(options());
    const term a = child("a");
    ASSERT_EQ(rh::unpack("1.1.0")[0], atom("ok"));
    ASSERT_EQ(rh::prepare_install("1.1.0", "op-1", 5000ms)[0], atom("ok"));
    EXPECT_EQ(rh::abort_install("op-1"), atom("ok"));
    EXPECT_EQ(vsn_of(a), binary("1"));

    ASSERT_EQ(rh::prepare_install("1.1.0", "op-2", 100ms)[0], atom("ok"));
    // The abort is the handler's own doing: wait (with a deadline) for the row it writes.
    auto last_kind = [] { return *rh::history(1).elements()[0].find(atom("kind")); };
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (last_kind() != atom("install_end") && std::chrono::steady_clock::now() < deadline) {
    }
    EXPECT_EQ(rh::commit_install("op-2")[1][0], atom("no_prepared_install")) << "aborted by its timeout";
    EXPECT_EQ(vsn_of(a), binary("1"));
    EXPECT_EQ(status_of("1.1.0"), atom("unpacked"));
    EXPECT_EQ(rh::install("1.1.0")[0], atom("ok")) << "and nothing stays pending";
  });
  std::vector<std::string> reasons;
  for (const auto& e : history())
    if (e.kind == "install_end") reasons.push_back(e.outcome + " " + e.reason);
  ASSERT_EQ(reasons.size(), 3u);
  EXPECT_EQ(reasons[0], "failed {aborted,<<\"by request\">>}");
  EXPECT_EQ(reasons[1], "failed {aborted,<<\"no commit in time\">>}");
  EXPECT_EQ(reasons[2].substr(0, 2), "ok");
}

TEST_F(ReleaseHandler, MakePermanentAndRemoveFollowOtpsStatusRules) {
  rt_.run([&] {
    start(options());
    EXPECT_EQ(rh::make_permanent("9.9.9"), otp::parse_term(R"({error,{unknown_release,<<"9.9.9">>}})"));
    EXPECT_EQ(rh::unpack("1.1.0"), tuple(atom("ok"), binary("1.1.0")));
    EXPECT_EQ(rh::unpack("1.1.0"), otp::parse_term(R"({error,{existing_release,<<"1.1.0">>}})"));
    EXPECT_EQ(rh::make_permanent("1.1.0"), otp::parse_term("{error,{bad_status,unpacked}}"));
    EXPECT_EQ(rh::make_permanent("1.0.0"), atom("ok")) << "already permanent";
    EXPECT_EQ(rh::remove("1.0.0"), otp::parse_term(R"({error,{permanent,<<"1.0.0">>}})"));
    EXPECT_EQ(rh::install("1.0.0"), otp::parse_term(R"({error,{already_installed,<<"1.0.0">>}})"));
    EXPECT_EQ(rh::remove("1.1.0"), atom("ok"));
    EXPECT_FALSE(fs::exists(root() / "releases" / "1.1.0"));
    EXPECT_FALSE(fs::exists(lib("1.1.0")));
    EXPECT_TRUE(fs::exists(lib("1.0.0"))) << "the running release's files stay";
    EXPECT_EQ(status_of("1.1.0"), atom("none"));
    EXPECT_EQ(rh::install("1.1.0"), otp::parse_term(R"({error,{unknown_release,<<"1.1.0">>}})"));
  });
  const auto k = history_kinds();
  EXPECT_EQ(k.back(), "remove");
}

TEST_F(ReleaseHandler, AnIncompleteReleaseIsNotUnpacked) {
  fs::remove(lib("1.1.0") / "modules" / "seq_a.so");
  rt_.run([&] {
    start(options());
    const term r = rh::unpack("1.1.0");
    ASSERT_TRUE(r.is_tuple(2) && r[1].is_tuple(3) && r[1][0].is_atom(atom("bad_release"))) << r;
    EXPECT_NE(r.to_string().find("seq_a"), std::string::npos) << r;
    EXPECT_EQ(status_of("1.1.0"), atom("none"));
  });
}

TEST_F(ReleaseHandler, CheckInstallPrintsTheScriptAndChangesNothing) {
  rt_.run([&] {
    start(options());
    ASSERT_EQ(rh::unpack("1.1.0")[0], atom("ok"));
    const term r = rh::check_install("1.1.0");
    ASSERT_TRUE(r.is_tuple(4) && r[0].is_atom(atom("ok"))) << r;
    EXPECT_EQ(r[1], binary("1.0.0"));
    EXPECT_EQ(r[2], atom("up"));
    const std::string script(r[3].as_binary());
    EXPECT_NE(script.find("point_of_no_return"), std::string::npos) << script;
    EXPECT_NE(script.find("{suspend,[seq_a,seq_b]}"), std::string::npos) << script;
    EXPECT_EQ(vsn_of(child("a")), binary("1"));
    EXPECT_EQ(status_of("1.1.0"), atom("unpacked"));
  });
  const auto k = history_kinds();
  EXPECT_EQ(std::count(k.begin(), k.end(), "install_start"), 0);
}

TEST_F(ReleaseHandler, ARollingInstallMigratesEachServerInPlaceBothWaysAndTheHistoryRecordsIt) {
  lay_out({.mode = "rolling"});
  rt_.run([&] {
    start(options());
    const term a = child("a"), b = child("b");
    feed(a, 1, 10);
    feed(b, 1, 5);
    ASSERT_EQ(rh::unpack("1.1.0")[0], atom("ok"));
    const term plan = rh::check_install("1.1.0");
    ASSERT_TRUE(plan.is_tuple(4)) << plan;
    const std::string script(plan[3].as_binary());
    EXPECT_NE(script.find("%% rolling group: seq_b, seq_a (each process migrated on its own"), std::string::npos)
        << script;
    EXPECT_EQ(script.find("{suspend,"), std::string::npos) << script;

    const term up = rh::install("1.1.0");
    ASSERT_TRUE(up.is_tuple(3) && up[0].is_atom(atom("ok"))) << up;
    EXPECT_EQ(*up[2].find(atom("modules_changed")), term(2));
    EXPECT_EQ(*up[2].find(atom("processes_migrated")), term(2)) << "b is found although its modules are dynamic";
    EXPECT_EQ(child("a"), a) << "a rolling upgrade restarts nobody";
    EXPECT_EQ(child("b"), b);
    EXPECT_EQ(vsn_of(a), binary("2"));
    EXPECT_EQ(vsn_of(b), binary("2"));
    EXPECT_EQ(otp::sys::get_state(a), tuple(atom("v2"), 10, 0));
    EXPECT_EQ(otp::sys::get_state(b), tuple(atom("v2"), 5, 0));
    EXPECT_FALSE(otp::code::check_old_code(atom("seq_a"))) << "old code purged after the last process left it";

    feed(a, 11, 20);
    const term down = rh::install("1.0.0");
    ASSERT_TRUE(down.is_tuple(3) && down[0].is_atom(atom("ok"))) << down;
    EXPECT_EQ(child("a"), a);
    EXPECT_EQ(vsn_of(a), binary("1"));
    EXPECT_EQ(vsn_of(b), binary("1"));
    EXPECT_EQ(otp::sys::get_state(a), tuple(20, 0)) << "migrated down by version 2's code_change";
    EXPECT_EQ(otp::sys::get_state(b), tuple(5, 0));
  });
  const auto events = history();
  std::vector<const otp::release::history_event*> ends;
  for (const auto& e : events)
    if (e.kind == "install_end") ends.push_back(&e);
  ASSERT_EQ(ends.size(), 2u);
  EXPECT_EQ(ends[0]->rolling_modules, (std::vector<std::string>{"seq_b", "seq_a"})) << "dependencies first up";
  EXPECT_EQ(ends[1]->rolling_modules, (std::vector<std::string>{"seq_a", "seq_b"})) << "dependers first down";
  ASSERT_TRUE(ends[0]->longest_pause_us.has_value());
  EXPECT_LE(*ends[0]->longest_pause_us, *ends[0]->duration_ms * 1000 + 1000);
}

}  // namespace
