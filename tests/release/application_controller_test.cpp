// The application controller through the release handler, on the seq release root with
// application files of its own (an env, a config_change process, a supervisor of intensity 0 that
// one killed child exhausts): the start types' rules (permanent and transient-abnormal exits stop
// the node with a history row; temporary and transient-normal ones are reported; a stop on request
// never stops the node), the environment (the application file's env, overridden by the release's
// config and by the node's config file; get_env/set_env from module code) and config_change on an
// upgrade with the right Changed, New and Removed.
#include "otp/application_controller.hpp"

#include <gtest/gtest.h>

#include <string>

#include "otp/application.hpp"
#include "otp/gen_server.hpp"
#include "otp/process.hpp"
#include "otp/term_text.hpp"
#include "seq_release_fixture.hpp"

namespace {

using namespace rel_test;
using otp::milliseconds;

const auto must_happen_within = milliseconds(10000);

std::string release_yaml_of(const std::string& vsn, const std::string& type, const std::string& config) {
  return "name: seqrel\nvsn: \"" + vsn + "\"\napplications:\n  - {name: seqapp, vsn: \"" + vsn + "\", type: " + type +
         "}\n" + config;
}

std::string app_yaml_of(const std::string& vsn, const std::string& env) {
  return "name: seqapp\nvsn: \"" + vsn + "\"\ndescription: \"the seq application\"\nmodules: [seq_a, seq_b]\n" + env +
         "config_change: seq_a_srv\n"
         "supervisor:\n  name: seq_sup\n  strategy: one_for_one\n  intensity: 0\n  period: 5\n  children:\n"
         "    - id: a\n      start: {module: seq_a, arg: seq_a_srv}\n"
         "    - id: b\n      start: {module: seq_b, arg: \"[]\"}\n      modules: dynamic\n";
}

const std::string env_1_0_0 = "env:\n  step: 1\n  limit: 10\n  greeting: '<<\"hi\">>'\n  dropped: x\n";
const std::string env_1_1_0 = "env:\n  step: 1\n  limit: 15\n  greeting: '<<\"hi\">>'\n  fresh: \"true\"\n";

class ApplicationController : public seq_release_test {
 protected:
  // Both releases with start type `type`; 1.0.0's release config sets step to 2, 1.1.0's greeting.
  void lay_out_apps(const std::string& type) {
    write_file(root() / "releases" / "1.0.0" / "seqrel.rel.yaml",
               release_yaml_of("1.0.0", type, "config:\n  seqapp: {step: 2}\n"));
    write_file(root() / "releases" / "1.1.0" / "seqrel.rel.yaml",
               release_yaml_of("1.1.0", type, "config:\n  seqapp: {greeting: '<<\"hello\">>'}\n"));
    write_file(lib("1.0.0") / "seqapp.app.yaml", app_yaml_of("1.0.0", env_1_0_0));
    write_file(lib("1.1.0") / "seqapp.app.yaml", app_yaml_of("1.1.0", env_1_1_0));
  }

  static term get_env(const std::string& key) {
    return otp::gen_server::call(atom("seq_a_srv"), tuple(atom("get_env"), atom("seqapp"), atom(key)));
  }

  // The state of seqapp as the handler describes it: {State, Reason}.
  static term seqapp_state() {
    const term apps = rh::applications();
    for (const term& a : apps.elements())
      if (a.find(atom("name"))->is_atom(atom("seqapp"))) return tuple(*a.find(atom("state")), *a.find(atom("reason")));
    return atom("missing");
  }

  // Ends the top supervisor with `reason` and waits until it is gone.
  static void end_top_supervisor(const term& reason) {
    const term sup = otp::whereis(atom("seq_sup"));
    ASSERT_TRUE(sup.is_pid());
    const term ref = otp::monitor(sup);
    if (reason.is_atom(atom("normal")))
      otp::gen_server::stop(sup);
    else
      otp::exit(sup, reason);
    const auto down = otp::receive(
        [&](const term& m) { return m.is_tuple(5) && m[0].is_atom(atom("DOWN")) && m[1] == ref; }, must_happen_within);
    ASSERT_TRUE(down.has_value()) << "the top supervisor did not end";
  }

  // With the handler linked to this process (trapping exits): its exit reason, once it ended.
  static term handler_exit(const term& handler) {
    const auto exit =
        otp::receive([&](const term& m) { return m.is_tuple(3) && m[0].is_atom(atoms_exit()) && m[1] == handler; },
                     must_happen_within);
    if (!exit) return atom("still_running");
    return (*exit)[2];
  }
  static atom atoms_exit() { return otp::atoms::exit_; }

  static term start_handler(const otp::release::handler_options& o) {
    otp::trap_exit(true);
    const term started = rh::start_link(o);
    EXPECT_TRUE(started.is_tuple(2) && started[0].is_atom(atom("ok"))) << started;
    return started.is_tuple(2) ? started[1] : term();
  }
};

TEST_F(ApplicationController, EnvComesFromTheApplicationFileOverriddenByTheReleaseThenByTheNodeConfig) {
  lay_out_apps("permanent");
  write_file(dir_.path() / "node.config.yaml", "seqapp: {limit: 20}\n");
  auto o = options();
  o.config_file = dir_.path() / "node.config.yaml";
  rt_.run([&] {
    start_handler(o);
    EXPECT_EQ(get_env("step"), term(2)) << "the release's config over the application file";
    EXPECT_EQ(get_env("limit"), term(20)) << "the node's config file over both";
    EXPECT_EQ(get_env("greeting"), binary("hi")) << "the application file's";
    EXPECT_EQ(get_env("nothing"), atom("undefined"));
    EXPECT_EQ(rh::application_env(atom("seqapp")),
              otp::parse_term("[{step,2},{limit,20},{greeting,<<\"hi\">>},{dropped,x}]"));
    EXPECT_EQ(rh::application_env(),
              otp::parse_term("[{seqapp,[{step,2},{limit,20},{greeting,<<\"hi\">>},{dropped,x}]}]"));
    stop();
  });
  EXPECT_FALSE(otp::application::get_env(atom("seqapp"), atom("step"))) << "unloaded when the handler ends";
}

TEST_F(ApplicationController, ABadNodeConfigFileFailsTheBootNamingTheFileAndLine) {
  lay_out_apps("permanent");
  write_file(dir_.path() / "node.config.yaml", "seqapp:\n  limit: \"{unclosed\"\n");
  auto o = options();
  o.config_file = dir_.path() / "node.config.yaml";
  rt_.run([&] {
    otp::trap_exit(true);
    const term started = rh::start_link(o);
    ASSERT_TRUE(started.is_tuple(2) && started[0].is_atom(atom("error"))) << started;
    const std::string text = started.to_string();
    EXPECT_NE(text.find("node.config.yaml:2:"), std::string::npos) << text;
    EXPECT_NE(text.find("the value of 'limit' is not a valid Erlang term"), std::string::npos) << text;
  });
}

TEST_F(ApplicationController, ModuleCodeSetsEnvAndReadsItBack) {
  lay_out_apps("permanent");
  rt_.run([&] {
    start_handler(options());
    EXPECT_EQ(otp::gen_server::call(atom("seq_a_srv"), tuple(atom("set_env"), atom("seqapp"), atom("limit"), term(7))),
              atom("ok"));
    EXPECT_EQ(get_env("limit"), term(7));
    EXPECT_EQ(otp::application::get_env(atom("seqapp"), atom("limit")), term(7));
    stop();
  });
}

TEST_F(ApplicationController, APermanentApplicationThatExhaustsItsIntensityStopsTheNode) {
  lay_out_apps("permanent");
  rt_.run([&] {
    const term handler = start_handler(options());
    otp::exit(child("a"), atom("kill"));  // intensity 0: the supervisor gives up at once
    EXPECT_EQ(handler_exit(handler), otp::parse_term("{application_exited,seqapp,shutdown}"));
    EXPECT_EQ(otp::whereis(atom("seq_sup")), atom("undefined"));
  });
  const auto events = history();
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().kind, "application_exit");
  EXPECT_EQ(events.back().name, "seqapp");
  EXPECT_EQ(events.back().vsn, "1.0.0");
  EXPECT_EQ(events.back().reason, "shutdown");
}

TEST_F(ApplicationController, ATemporaryApplicationsDeathIsOnlyReported) {
  lay_out_apps("temporary");
  rt_.run([&] {
    const term handler = start_handler(options());
    end_top_supervisor(atom("kill"));
    EXPECT_EQ(seqapp_state(), otp::parse_term("{stopped,killed}"));
    EXPECT_TRUE(otp::is_process_alive(handler));
    stop();
  });
  EXPECT_EQ(history_kinds(), (std::vector<std::string>{"unpack", "boot", "make_permanent"}));
}

TEST_F(ApplicationController, ATransientApplicationThatEndsNormallyIsOnlyReported) {
  lay_out_apps("transient");
  rt_.run([&] {
    const term handler = start_handler(options());
    end_top_supervisor(atom("normal"));
    EXPECT_EQ(seqapp_state(), otp::parse_term("{stopped,normal}"));
    EXPECT_TRUE(otp::is_process_alive(handler));
    stop();
  });
}

TEST_F(ApplicationController, ATransientApplicationThatEndsAbnormallyStopsTheNode) {
  lay_out_apps("transient");
  rt_.run([&] {
    const term handler = start_handler(options());
    otp::exit(otp::whereis(atom("seq_sup")), atom("kill"));
    EXPECT_EQ(handler_exit(handler), otp::parse_term("{application_exited,seqapp,killed}"));
  });
  EXPECT_EQ(history().back().kind, "application_exit");
}

TEST_F(ApplicationController, StoppingAPermanentApplicationOnRequestKeepsTheNodeAndItStartsAgain) {
  lay_out_apps("permanent");
  rt_.run([&] {
    const term handler = start_handler(options());
    EXPECT_EQ(rh::stop_application(atom("seqapp")), atom("ok"));
    EXPECT_EQ(seqapp_state(), otp::parse_term("{stopped,stopped}"));
    EXPECT_EQ(rh::stop_application(atom("seqapp")), otp::parse_term("{error,{not_started,seqapp}}"));
    EXPECT_TRUE(otp::is_process_alive(handler));
    EXPECT_EQ(rh::start_application(atom("seqapp")), atom("ok"));
    EXPECT_EQ(seqapp_state(), otp::parse_term("{running,undefined}"));
    EXPECT_EQ(rh::start_application(atom("seqapp")), otp::parse_term("{error,{already_started,seqapp}}"));
    EXPECT_EQ(rh::start_application(atom("nosuch")), otp::parse_term("{error,{not_in_release,nosuch}}"));
    stop();
  });
}

TEST_F(ApplicationController, AnUpgradeCallsConfigChangeWithChangedNewAndRemoved) {
  lay_out_apps("permanent");
  rt_.run([&] {
    otp::register_name(atom("observer"), otp::self());
    start_handler(options());
    ASSERT_EQ(rh::unpack("1.1.0"), tuple(atom("ok"), binary("1.1.0")));
    const term installed = rh::install("1.1.0");
    ASSERT_TRUE(installed.is_tuple(3) && installed[0].is_atom(atom("ok"))) << installed;
    const auto change = otp::receive([](const term& m) { return m.is_tuple(5) && m[0].is_atom(atom("config_change")); },
                                     must_happen_within);
    ASSERT_TRUE(change.has_value()) << "config_change was not called";
    EXPECT_EQ(*change, otp::parse_term("{config_change,seq_a,[{step,1},{limit,15},{greeting,<<\"hello\">>}],"
                                       "[{fresh,true}],[dropped]}"));
    EXPECT_EQ(get_env("fresh"), atom("true"));
    EXPECT_EQ(get_env("dropped"), atom("undefined"));
    stop();
  });
}

TEST(ApplicationEnvDiff, AnUnchangedEnvironmentIsNoChange) {
  const otp::application::environment env{{atom("a"), term(1)}};
  EXPECT_TRUE(otp::release::diff_env(env, env).empty());
}

}  // namespace
