// Application files in YAML: every field, defaults, positioned errors of each kind (including the
// supervisor's own child-spec and flags validation), the conversion to child specs, and a real
// supervision tree started from a file (registered start functions and /bin/sleep).
#include "otp/application_file.hpp"

#include <gtest/gtest.h>

#include <memory>

#include "../supervisor/sup_test_support.hpp"
#include "otp/log.hpp"
#include "otp/os_process.hpp"
#include "release_test_support.hpp"

namespace {

using otp::atom;
using otp::parse_term;
using otp::term;
using otp::release::child_entry;
using otp::release::load_application_file;
using otp::release::parse_application;
using rel_test::expect_yaml_error;
namespace sup = otp::supervisor;

constexpr const char* kFull = R"(name: counter
vsn: "1.0.0"
description: A counter
modules: [counter, counter_store]
registered: [counter, counter_sup]
applications: [kernel, stdlib]
supervisor:
  name: counter_sup
  strategy: rest_for_one
  intensity: 3
  period: 10
  auto_shutdown: any_significant
  children:
    - id: counter
      start: {module: counter, arg: "{initial, 5}"}
      restart: transient
      significant: true
      shutdown: brutal_kill
      type: worker
      modules: [counter, counter_store]
    - id: sleeper
      executable:
        path: /bin/sleep
        arguments: ["60"]
        environment: {GREETING: hello}
        working_directory: /tmp
      restart: temporary
      shutdown: infinity
      modules: dynamic
    - id: workers
      supervisor:
        strategy: one_for_all
        children:
          - {id: w1, start: worker}
      shutdown: 2000
)";

TEST(ApplicationFile, ParsesEveryField) {
  const auto app = parse_application(kFull, "counter.app.yaml");
  EXPECT_EQ(app.name, atom("counter"));
  EXPECT_EQ(app.vsn, "1.0.0");
  EXPECT_EQ(app.description, "A counter");
  EXPECT_EQ(app.modules, (std::vector<atom>{atom("counter"), atom("counter_store")}));
  EXPECT_EQ(app.registered, (std::vector<atom>{atom("counter"), atom("counter_sup")}));
  EXPECT_EQ(app.applications, (std::vector<atom>{atom("kernel"), atom("stdlib")}));
  EXPECT_EQ(app.source, "counter.app.yaml");
  ASSERT_TRUE(app.supervisor);
  const auto& t = *app.supervisor;
  EXPECT_EQ(t.name, atom("counter_sup"));
  EXPECT_EQ(t.flags.restart_strategy, sup::strategy::rest_for_one);
  EXPECT_EQ(t.flags.intensity, 3);
  EXPECT_EQ(t.flags.period, 10);
  EXPECT_EQ(t.flags.auto_shutdown, sup::auto_shutdown::any_significant);
  ASSERT_EQ(t.children.size(), 3u);

  const child_entry& c = t.children[0];
  EXPECT_EQ(c.tag, child_entry::kind::module);
  EXPECT_EQ(c.id, atom("counter"));
  EXPECT_EQ(c.module, atom("counter"));
  EXPECT_EQ(c.arg, parse_term("{initial, 5}"));
  EXPECT_EQ(c.restart, sup::restart_type::transient);
  EXPECT_TRUE(c.significant);
  EXPECT_EQ(c.shutdown, sup::shutdown_spec::brutal_kill());
  EXPECT_EQ(c.type, sup::child_type::worker);
  EXPECT_EQ(c.modules, parse_term("[counter, counter_store]"));
  EXPECT_EQ(c.line, 14u);
  EXPECT_EQ(c.column, 7u);

  const child_entry& s = t.children[1];
  EXPECT_EQ(s.tag, child_entry::kind::executable);
  EXPECT_EQ(s.process.executable, "/bin/sleep");
  EXPECT_EQ(s.process.arguments, std::vector<std::string>{"60"});
  EXPECT_EQ(s.process.environment.at("GREETING"), "hello");
  EXPECT_EQ(s.process.working_directory, "/tmp");
  EXPECT_EQ(s.restart, sup::restart_type::temporary);
  EXPECT_EQ(s.shutdown, sup::shutdown_spec::infinity());
  EXPECT_EQ(s.modules, term(atom("dynamic")));

  const child_entry& w = t.children[2];
  EXPECT_EQ(w.tag, child_entry::kind::supervisor);
  EXPECT_EQ(w.type, sup::child_type::supervisor);
  EXPECT_EQ(w.shutdown, sup::shutdown_spec::after(2000));
  ASSERT_TRUE(w.nested);
  EXPECT_EQ(w.nested->flags.restart_strategy, sup::strategy::one_for_all);
  ASSERT_EQ(w.nested->children.size(), 1u);
  EXPECT_EQ(w.nested->children[0].module, atom("worker"));
  EXPECT_EQ(w.nested->children[0].arg, term());  // start: M is {M, start_link, [[]]}
}

TEST(ApplicationFile, Defaults) {
  const auto app = parse_application("name: lib\nvsn: \"0.1\"\n");
  EXPECT_EQ(app.description, "");
  EXPECT_TRUE(app.modules.empty());
  EXPECT_TRUE(app.registered.empty());
  EXPECT_TRUE(app.applications.empty());
  EXPECT_FALSE(app.supervisor);

  const auto with_tree =
      parse_application("name: a\nvsn: \"1\"\nsupervisor:\n  children:\n    - {id: c, start: {module: m}}\n");
  const auto& t = *with_tree.supervisor;
  EXPECT_FALSE(t.name);
  EXPECT_EQ(t.flags.restart_strategy, sup::strategy::one_for_one);
  EXPECT_EQ(t.flags.intensity, 1);
  EXPECT_EQ(t.flags.period, 5);
  EXPECT_EQ(t.flags.auto_shutdown, sup::auto_shutdown::never);
  const auto spec = otp::release::to_child_spec(t.children.at(0));
  // OTP's defaults, as get_childspec shows them.
  EXPECT_EQ(spec.to_term(), parse_term("#{id => c, start => {m, start_link, [[]]}, restart => permanent, "
                                       "significant => false, shutdown => 5000, type => worker, modules => [m]}"));
}

TEST(ApplicationFile, ConvertsToChildSpecs) {
  const auto app = parse_application(kFull);
  const auto& kids = app.supervisor->children;
  EXPECT_EQ(otp::release::to_child_spec(kids[0]).to_term(),
            parse_term("#{id => counter, start => {counter, start_link, [{initial, 5}]}, restart => transient, "
                       "significant => true, shutdown => brutal_kill, type => worker, "
                       "modules => [counter, counter_store]}"));
  const auto sleeper = otp::release::to_child_spec(kids[1]);
  EXPECT_EQ(sleeper.to_term(), parse_term("#{id => sleeper, start => {os_process, start_link, [<<\"/bin/sleep\">>]}, "
                                          "restart => temporary, significant => false, shutdown => infinity, "
                                          "type => worker, modules => dynamic}"));
  EXPECT_TRUE(sleeper.start_fn);
  const auto nested = otp::release::to_child_spec(kids[2]);
  EXPECT_EQ(nested.to_term(), parse_term("#{id => workers, start => {supervisor, start_link, [workers]}, "
                                         "restart => permanent, significant => false, shutdown => 2000, "
                                         "type => supervisor, modules => [supervisor]}"));
  EXPECT_TRUE(nested.start_fn);
  for (const auto& k : kids)
    EXPECT_NO_THROW(otp::release::to_child_spec(k).validate(sup::auto_shutdown::any_significant));
}

TEST(ApplicationFile, LoadsFromDisk) {
  rel_test::temp_dir dir;
  rel_test::write_file(dir.path() / "counter.app.yaml", kFull);
  const auto app = load_application_file(dir.path() / "counter.app.yaml");
  EXPECT_EQ(app.source, (dir.path() / "counter.app.yaml").string());
  EXPECT_EQ(app.supervisor->children.size(), 3u);
}

// ---- errors, each with its exact position ---------------------------------------------------------

std::string app_with_child(const std::string& child_lines, const std::string& flags = "") {
  return "name: a\nvsn: \"1\"\nsupervisor:\n" + flags + "  children:\n" + child_lines;
}

TEST(ApplicationFileErrors, BadSyntax) {
  expect_yaml_error([] { parse_application("name: a\nvsn: \"1\"\nmodules: [a, b\n"); }, 4, 1,
                    "end of sequence flow not found");
  expect_yaml_error([] { parse_application("name: a\nvsn: \"1\"\nsupervisor:\n  children:\n   - id: x\n  - id: y\n"); },
                    6, 3, "end of map not found");
}

TEST(ApplicationFileErrors, UnknownKeys) {
  expect_yaml_error([] { parse_application("name: a\nvsn: \"1\"\nmodlues: [a]\n"); }, 3, 1,
                    "unknown key 'modlues' in the application; expected name, vsn, description, modules, registered, "
                    "applications, supervisor");
  expect_yaml_error([] { parse_application(app_with_child("    - {id: c, start: m, restrat: temporary}\n")); }, 5, 25,
                    "unknown key 'restrat' in a child");
  expect_yaml_error([] { parse_application(app_with_child("    - {id: c, start: m}\n", "  stratgy: one_for_all\n")); },
                    4, 3, "unknown key 'stratgy' in the 'supervisor'");
  expect_yaml_error(
      [] { parse_application(app_with_child("    - id: c\n      executable: {path: /bin/true, args: [x]}\n")); }, 6, 37,
      "unknown key 'args' in 'executable'");
}

TEST(ApplicationFileErrors, WrongTypes) {
  expect_yaml_error([] { parse_application("name: a\nvsn: \"1\"\nmodules: counter\n"); }, 3, 10,
                    "'modules' must be a list of names, e.g. [a, b], got 'counter'");
  expect_yaml_error([] { parse_application("name: [a]\nvsn: \"1\"\n"); }, 1, 7, "'name' must be a name, got a list");
  expect_yaml_error([] { parse_application(app_with_child("    - {id: c, start: m, modules: {a: b}}\n")); }, 5, 34,
                    "'modules' must be a list of module names or dynamic, got a map");
  expect_yaml_error([] { parse_application("name: a\nvsn: \"1\"\nsupervisor:\n  children: {id: c}\n"); }, 4, 13,
                    "'children' must be a list of child specs, got a map");
  expect_yaml_error(
      [] { parse_application(app_with_child("    - {id: c, start: {module: m, arg: \"{unclosed\"}}\n")); }, 5, 39,
      "'arg' is not a valid Erlang term");
}

TEST(ApplicationFileErrors, MissingRequiredKeys) {
  expect_yaml_error([] { parse_application("vsn: \"1\"\n"); }, 1, 1, "missing required key 'name' in the application");
  expect_yaml_error([] { parse_application(app_with_child("    - start: m\n      restart: temporary\n")); }, 5, 7,
                    "missing required key 'id' in a child");
  expect_yaml_error([] { parse_application(app_with_child("    - id: c\n      restart: temporary\n")); }, 5, 7,
                    "missing required key 'start' (a module), 'executable' (an OS process) or 'supervisor'");
  expect_yaml_error([] { parse_application(app_with_child("    - id: c\n      executable: {arguments: [x]}\n")); }, 6,
                    19, "missing required key 'path' in 'executable'");
  expect_yaml_error(
      [] { parse_application(app_with_child("    - id: c\n      start: m\n      executable: {path: x}\n")); }, 7, 7,
      "exactly one of 'start', 'executable' and 'supervisor'");
}

TEST(ApplicationFileErrors, BadChildSpecValuesUseTheSupervisorsValidation) {
  expect_yaml_error(
      [] { parse_application(app_with_child("    - id: c\n      start: m\n      restart: sometimes\n")); }, 7, 16,
      "'restart' must be permanent, transient or temporary ({invalid_restart_type,sometimes})");
  expect_yaml_error([] { parse_application(app_with_child("    - id: c\n      start: m\n      shutdown: -1\n")); }, 7,
                    17, "({invalid_shutdown,-1})");
  expect_yaml_error([] { parse_application(app_with_child("    - id: c\n      start: m\n      shutdown: soon\n")); }, 7,
                    17, "'shutdown' must be brutal_kill, infinity or an integer >= 0");
  expect_yaml_error([] { parse_application(app_with_child("    - id: c\n      start: m\n      type: boss\n")); }, 7, 13,
                    "({invalid_child_type,boss})");
  expect_yaml_error(
      [] { parse_application(app_with_child("    - id: c\n      start: m\n      significant: perhaps\n")); }, 7, 20,
      "({invalid_significant,perhaps})");
  // significant needs auto_shutdown other than never ...
  expect_yaml_error(
      [] {
        parse_application(
            app_with_child("    - id: c\n      start: m\n      restart: transient\n      significant: true\n"));
      },
      8, 20, "({bad_combination,[{auto_shutdown,never},{significant,true}]})");
  // ... and a restart other than permanent.
  expect_yaml_error(
      [] {
        parse_application(app_with_child("    - id: c\n      start: m\n      significant: true\n",
                                         "  auto_shutdown: any_significant\n"));
      },
      8, 20, "({bad_combination,[{restart,permanent},{significant,true}]})");
  expect_yaml_error(
      [] {
        parse_application(
            app_with_child("    - {id: c, start: m}\n    - {id: d, start: m}\n    - {id: c, start: n}\n"));
      },
      7, 7, "duplicate child id 'c' ({duplicate_child_name,c})");
  expect_yaml_error(
      [] { parse_application(app_with_child("    - id: c\n      supervisor: {}\n      type: worker\n")); }, 7, 13,
      "a nested 'supervisor' child has type supervisor");
}

TEST(ApplicationFileErrors, BadFlagsUseTheSupervisorsValidation) {
  expect_yaml_error(
      [] { parse_application(app_with_child("    - {id: c, start: m}\n", "  strategy: one_for_none\n")); }, 4, 13,
      "({invalid_strategy,one_for_none})");
  expect_yaml_error([] { parse_application(app_with_child("    - {id: c, start: m}\n", "  intensity: -1\n")); }, 4, 14,
                    "'intensity' must be an integer >= 0 ({invalid_intensity,-1})");
  expect_yaml_error([] { parse_application(app_with_child("    - {id: c, start: m}\n", "  period: 0\n")); }, 4, 11,
                    "({invalid_period,0})");
  expect_yaml_error(
      [] { parse_application(app_with_child("    - {id: c, start: m}\n", "  auto_shutdown: sometimes\n")); }, 4, 18,
      "({invalid_auto_shutdown,sometimes})");
  expect_yaml_error(
      [] {
        parse_application(
            app_with_child("    - {id: c, start: m}\n    - {id: d, start: m}\n", "  strategy: simple_one_for_one\n"));
      },
      6, 5, "a simple_one_for_one supervisor has exactly one child");
  // Errors in a nested supervisor are positioned inside it.
  expect_yaml_error(
      [] {
        parse_application(
            app_with_child("    - id: n\n      supervisor:\n        children:\n          - {id: x, "
                           "start: m, shutdown: later}\n"));
      },
      8, 41, "({invalid_shutdown,later})");
}

// ---- a real supervision tree from a file --------------------------------------------------------------

constexpr const char* kRunnable = R"(name: runnable
vsn: "1.0.0"
supervisor:
  name: runnable_sup
  strategy: one_for_one
  intensity: 5
  children:
    - id: first
      start: {module: rel_test_worker, arg: first}
    - id: sleeper
      executable: {path: /bin/sleep, arguments: ["60"]}
      shutdown: 2000
    - id: inner
      supervisor:
        name: runnable_inner_sup
        children:
          - id: second
            start: {module: rel_test_worker, arg: second}
            restart: transient
)";

TEST(ApplicationTree, StartsARealSupervisorFromTheFile) {
  const auto app = parse_application(kRunnable, "runnable.app.yaml");
  sup_test::in_sup_test([&] {
    const term me = otp::self();
    // {rel_test_worker, start_link, [Id]} starts a test gen_server that reports to this process.
    sup::register_start_function(atom("rel_test_worker"), atom("start_link"), [me](const term& args) {
      const term id = args.elements()[0];
      return otp::gen_server::start_link(std::make_shared<sup_test::test_worker>(id, me, sup_test::worker_options{}),
                                         args);
    });
    const term top = sup_test::pid_of(otp::release::start_supervision_tree(app));
    EXPECT_EQ(otp::whereis(atom("runnable_sup")), top);
    const term first = sup_test::await_started(atom("first"));
    const term second = sup_test::await_started(atom("second"));
    // Children in reverse start order, as which_children gives them.
    const term which = sup::which_children(top);
    ASSERT_EQ(which.size(), 3u) << which;
    EXPECT_EQ(which.elements()[2], otp::tuple(atom("first"), first, atom("worker"), parse_term("[rel_test_worker]")));
    EXPECT_EQ(which.elements()[0][0], term(atom("inner")));
    EXPECT_EQ(which.elements()[0][2], term(atom("supervisor")));
    const term inner = otp::whereis(atom("runnable_inner_sup"));
    EXPECT_EQ(which.elements()[0][1], inner);
    EXPECT_EQ(sup::which_children(inner),
              otp::list(otp::tuple(atom("second"), second, atom("worker"), parse_term("[rel_test_worker]"))));
    // The OS process runs.
    const term sleeper = sup_test::child_pid(top, atom("sleeper"));
    ASSERT_TRUE(sleeper.is_pid());
    EXPECT_TRUE(otp::os_process::os_pid(sleeper).has_value());
    EXPECT_EQ(sup::get_childspec(top, atom("sleeper")),
              otp::tuple(otp::atoms::ok,
                         parse_term("#{id => sleeper, start => {os_process, start_link, [<<\"/bin/sleep\">>]}, "
                                    "restart => permanent, significant => false, shutdown => 2000, type => worker, "
                                    "modules => [os_process]}")));
    // A crash of the nested worker is handled by the nested supervisor.
    sup_test::kill_and_wait(second);
    const term second_again = sup_test::await_started(atom("second"));
    EXPECT_NE(second_again, second);
    // Shutting the tree down stops everything, the OS process included.
    sup_test::kill_and_wait(top, otp::atoms::shutdown);
    EXPECT_FALSE(otp::is_process_alive(inner));
    EXPECT_FALSE(otp::is_process_alive(sleeper));
    sup::unregister_start_function(atom("rel_test_worker"), atom("start_link"));
  });
}

TEST(ApplicationTree, LibraryApplicationHasNoTree) {
  sup_test::in_sup_test([] {
    EXPECT_EQ(otp::release::start_supervision_tree(parse_application("name: l\nvsn: \"1\"\n")), term(atom("ignore")));
  });
}

// ---- registered names ------------------------------------------------------------------------------

constexpr const char* kNamed = R"(name: kv
vsn: "1.0.0"
modules: [kv_store]
registered: [kv_store, kv_missing]
supervisor:
  children:
    - id: store
      start: {module: rel_named_worker, arg: store}
      name: kv_store
)";

TEST(ApplicationNames, AChildNameIsParsedWithItsPositionAndGoesToTheChildSpec) {
  const auto app = parse_application(kNamed);
  const child_entry& store = app.supervisor->children.at(0);
  ASSERT_TRUE(store.name.has_value());
  EXPECT_EQ(*store.name, atom("kv_store"));
  EXPECT_EQ(store.name_line, 9u);
  EXPECT_EQ(store.name_column, 13u);
  EXPECT_EQ(otp::release::to_child_spec(store).name, std::optional<atom>(atom("kv_store")));
}

TEST(ApplicationNames, ANestedSupervisorChildTakesItsNameInItsSupervisorMap) {
  expect_yaml_error(
      [] { parse_application(app_with_child("    - id: s\n      supervisor: {children: []}\n      name: x\n")); }, 7, 7,
      "a nested supervisor's registered name is the 'name' of its 'supervisor' map, not of the child");
}

TEST(ApplicationNames, TheTreeRegistersChildNamesAndWarnsAboutListedNamesNobodyRegistered) {
  const auto app = parse_application(kNamed, "kv.app.yaml");
  sup_test::in_sup_test([&] {
    const term me = otp::self();
    sup::register_start_function(atom("rel_named_worker"), atom("start_link"), [me](const term& args) {
      return otp::gen_server::start_link(
          std::make_shared<sup_test::test_worker>(args.elements()[0], me, sup_test::worker_options{}), args);
    });
    otp::log::capture log;
    const term top = sup_test::pid_of(otp::release::start_supervision_tree(app));
    const term store = sup_test::await_started(atom("store"));
    EXPECT_EQ(otp::whereis(atom("kv_store")), store);  // the module did not register itself
    EXPECT_TRUE(
        log.contains("application kv started, but no process registered 'kv_missing', which its "
                     "'registered' lists (kv.app.yaml)"));
    EXPECT_FALSE(log.contains("registered 'kv_store'"));
    sup_test::kill_and_wait(top, otp::atoms::shutdown);
    sup::unregister_start_function(atom("rel_named_worker"), atom("start_link"));
  });
}

}  // namespace
