// The relup planner (otp/relup.hpp): scripts checked against what systools:make_relup emits, up
// and down; the expansions of the high-level instructions, dependency groups, application
// instructions, and the errors.
#include "otp/relup.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "otp/term_text.hpp"

namespace {

using namespace otp::appup;
using otp::atom;
using otp::parse_term;
using otp::term;

atom at(std::string_view s) { return atom(s); }
std::vector<atom> mods(std::initializer_list<std::string_view> names) {
  std::vector<atom> out;
  for (auto n : names) out.emplace_back(n);
  return out;
}

// One application `x` going from "1.0" to "2.0" (and back), with the given modules and appup
// instructions for both directions.
struct one_app {
  release old_rel{"rel", "1", {{at("x"), "1.0"}}};
  release new_rel{"rel", "2", {{at("x"), "2.0"}}};
  app_catalog catalog;

  one_app(std::vector<atom> modules, std::vector<instruction> up_instrs, std::vector<instruction> down_instrs) {
    appup_spec spec;
    spec.vsn = "2.0";
    spec.source = "x.appup.yaml";
    spec.up.push_back({version_pattern::exact("1.0"), std::move(up_instrs)});
    spec.down.push_back({version_pattern::exact("1.0"), std::move(down_instrs)});
    catalog.add({at("x"), "1.0", modules, std::nullopt});
    catalog.add({at("x"), "2.0", modules, spec});
  }
  std::string up() const { return lines(plan_upgrade(old_rel, new_rel, catalog)); }
  std::string down() const { return lines(plan_downgrade(new_rel, old_rel, catalog)); }

  static std::string lines(const relup_script& s) {
    std::string out;
    for (const auto& i : s.instructions) out += format(i) + "\n";
    return out;
  }
};

update advanced(std::string_view m, std::string_view extra, std::vector<atom> deps = {}) {
  update u{at(m)};
  u.change = change_spec::advanced_with(parse_term(extra));
  u.dep_mods = std::move(deps);
  return u;
}

// As systools:make_relup orders {update,a,{advanced,xa},[b]}, {update,b,{advanced,xb}}.
TEST(RelupOrder, DependersSuspendedFirstDependenciesLoadedFirstOnUpgrade) {
  std::vector<instruction> instrs = {advanced("a", "xa", mods({"b"})), advanced("b", "xb")};
  one_app x(mods({"a", "b"}), instrs, instrs);
  EXPECT_EQ(x.up(),
            "{load_object_code,{x,\"2.0\",[a,b]}}\n"
            "point_of_no_return\n"
            "{suspend,[a,b]}\n"
            "{load,{b,brutal_purge,brutal_purge}}\n"
            "{load,{a,brutal_purge,brutal_purge}}\n"
            "{code_change,up,[{a,xa},{b,xb}]}\n"
            "{resume,[b,a]}\n");
}

TEST(RelupOrder, DowngradeRunsCodeChangeBeforeLoadsInDependencyOrder) {
  std::vector<instruction> instrs = {advanced("a", "xa", mods({"b"})), advanced("b", "xb")};
  one_app x(mods({"a", "b"}), instrs, instrs);
  EXPECT_EQ(x.down(),
            "{load_object_code,{x,\"1.0\",[a,b]}}\n"
            "point_of_no_return\n"
            "{suspend,[a,b]}\n"
            "{code_change,down,[{a,xa},{b,xb}]}\n"
            "{load,{a,brutal_purge,brutal_purge}}\n"
            "{load,{b,brutal_purge,brutal_purge}}\n"
            "{resume,[b,a]}\n");
}

TEST(RelupOrder, InputOrderDoesNotChangeTheDependencyOrder) {
  // The dependency written first: the group is still a (depender) before b.
  std::vector<instruction> instrs = {advanced("b", "xb"), advanced("a", "xa", mods({"b"}))};
  one_app x(mods({"a", "b"}), instrs, instrs);
  EXPECT_EQ(x.up(),
            "{load_object_code,{x,\"2.0\",[a,b]}}\n"
            "point_of_no_return\n"
            "{suspend,[a,b]}\n"
            "{load,{b,brutal_purge,brutal_purge}}\n"
            "{load,{a,brutal_purge,brutal_purge}}\n"
            "{code_change,up,[{a,xa},{b,xb}]}\n"
            "{resume,[b,a]}\n");
}

TEST(RelupOrder, SupervisorUpdateIsOneContiguousBlock) {
  std::vector<instruction> instrs = {update::supervisor(at("mysup"))};
  one_app x(mods({"mysup"}), instrs, instrs);
  EXPECT_EQ(x.up(),
            "{load_object_code,{x,\"2.0\",[mysup]}}\n"
            "point_of_no_return\n"
            "{suspend,[mysup]}\n"
            "{load,{mysup,brutal_purge,brutal_purge}}\n"
            "{code_change,up,[{mysup,[]}]}\n"
            "{resume,[mysup]}\n");
  // static: load, then code_change, in both directions.
  EXPECT_EQ(x.down(),
            "{load_object_code,{x,\"1.0\",[mysup]}}\n"
            "point_of_no_return\n"
            "{suspend,[mysup]}\n"
            "{load,{mysup,brutal_purge,brutal_purge}}\n"
            "{code_change,down,[{mysup,[]}]}\n"
            "{resume,[mysup]}\n");
}

TEST(RelupOrder, LoadModuleWithSoftPurgesHasNoSuspend) {
  std::vector<instruction> instrs = {load_module{at("c"), purge_method::soft_purge, purge_method::soft_purge, {}}};
  one_app x(mods({"c"}), instrs, instrs);
  EXPECT_EQ(x.up(),
            "{load_object_code,{x,\"2.0\",[c]}}\n"
            "point_of_no_return\n"
            "{load,{c,soft_purge,soft_purge}}\n");
  EXPECT_EQ(x.down(),
            "{load_object_code,{x,\"1.0\",[c]}}\n"
            "point_of_no_return\n"
            "{load,{c,soft_purge,soft_purge}}\n");
}

TEST(RelupOrder, DeleteModuleIsRemoveThenPurgeWithoutObjectCode) {
  std::vector<instruction> instrs = {delete_module{at("e")}};
  one_app x(mods({"a"}), instrs, instrs);
  EXPECT_EQ(x.up(),
            "point_of_no_return\n"
            "{remove,{e,brutal_purge,brutal_purge}}\n"
            "{purge,[e]}\n");
}

// The whole appup of otp-experiments/relup_order_example.appup, both ways, as systools
// translates it: each group where its first instruction stood, a static module's down
// code_change after its load, the apply where it was written.
TEST(RelupOrder, MixedAppupBothWays) {
  update dynm = advanced("dynm", "xd");
  dynm.type = mod_type::static_;
  load_module cc{at("cc"), purge_method::soft_purge, purge_method::soft_purge, {}};
  apply hi{at("io"), at("format"), {parse_term("\"hi~n\"")}};
  std::vector<instruction> up = {advanced("a", "xa", mods({"b"})),
                                 advanced("b", "xb"),
                                 dynm,
                                 cc,
                                 update::supervisor(at("mysup")),
                                 add_module{at("d")},
                                 delete_module{at("e")},
                                 low_instruction{hi}};
  std::vector<instruction> down = {advanced("a", "xa", mods({"b"})),
                                   advanced("b", "xb"),
                                   dynm,
                                   cc,
                                   update::supervisor(at("mysup")),
                                   delete_module{at("d")},
                                   add_module{at("e")},
                                   low_instruction{hi}};
  appup_spec spec;
  spec.vsn = "2.0";
  spec.up.push_back({version_pattern::regex("1\\.[0-9]+"), up});
  spec.down.push_back({version_pattern::exact("1.0"), down});
  app_catalog catalog;
  catalog.add({at("x"), "1.0", mods({"a", "b", "dynm", "cc", "mysup", "e"}), std::nullopt});
  catalog.add({at("x"), "2.0", mods({"a", "b", "dynm", "cc", "mysup", "d"}), spec});
  release v1{"rel", "1", {{at("x"), "1.0"}}};
  release v2{"rel", "2", {{at("x"), "2.0"}}};

  EXPECT_EQ(one_app::lines(plan_upgrade(v1, v2, catalog)),
            "{load_object_code,{x,\"2.0\",[a,b,dynm,cc,mysup,d]}}\n"
            "point_of_no_return\n"
            "{suspend,[a,b]}\n"
            "{load,{b,brutal_purge,brutal_purge}}\n"
            "{load,{a,brutal_purge,brutal_purge}}\n"
            "{code_change,up,[{a,xa},{b,xb}]}\n"
            "{resume,[b,a]}\n"
            "{suspend,[dynm]}\n"
            "{load,{dynm,brutal_purge,brutal_purge}}\n"
            "{code_change,up,[{dynm,xd}]}\n"
            "{resume,[dynm]}\n"
            "{load,{cc,soft_purge,soft_purge}}\n"
            "{suspend,[mysup]}\n"
            "{load,{mysup,brutal_purge,brutal_purge}}\n"
            "{code_change,up,[{mysup,[]}]}\n"
            "{resume,[mysup]}\n"
            "{load,{d,brutal_purge,brutal_purge}}\n"
            "{remove,{e,brutal_purge,brutal_purge}}\n"
            "{purge,[e]}\n"
            "{apply,{io,format,[[104,105,126,110]]}}\n");
  EXPECT_EQ(one_app::lines(plan_downgrade(v2, v1, catalog)),
            "{load_object_code,{x,\"1.0\",[a,b,dynm,cc,mysup,e]}}\n"
            "point_of_no_return\n"
            "{suspend,[a,b]}\n"
            "{code_change,down,[{a,xa},{b,xb}]}\n"
            "{load,{a,brutal_purge,brutal_purge}}\n"
            "{load,{b,brutal_purge,brutal_purge}}\n"
            "{resume,[b,a]}\n"
            "{suspend,[dynm]}\n"
            "{load,{dynm,brutal_purge,brutal_purge}}\n"
            "{code_change,down,[{dynm,xd}]}\n"
            "{resume,[dynm]}\n"
            "{load,{cc,soft_purge,soft_purge}}\n"
            "{suspend,[mysup]}\n"
            "{load,{mysup,brutal_purge,brutal_purge}}\n"
            "{code_change,down,[{mysup,[]}]}\n"
            "{resume,[mysup]}\n"
            "{remove,{d,brutal_purge,brutal_purge}}\n"
            "{purge,[d]}\n"
            "{load,{e,brutal_purge,brutal_purge}}\n"
            "{apply,{io,format,[[104,105,126,110]]}}\n");
}

TEST(RelupOrder, DowngradeOfDynamicAndStaticInOneGroup) {
  // a (dynamic) depends on s (static): dynamic code_change before the loads, static after.
  update a = advanced("a", "xa", mods({"s"}));
  update s = advanced("s", "xs");
  s.type = mod_type::static_;
  std::vector<instruction> instrs = {a, s};
  one_app x(mods({"a", "s"}), instrs, instrs);
  EXPECT_EQ(x.down(),
            "{load_object_code,{x,\"1.0\",[a,s]}}\n"
            "point_of_no_return\n"
            "{suspend,[a,s]}\n"
            "{code_change,down,[{a,xa}]}\n"
            "{load,{a,brutal_purge,brutal_purge}}\n"
            "{load,{s,brutal_purge,brutal_purge}}\n"
            "{code_change,down,[{s,xs}]}\n"
            "{resume,[s,a]}\n");
  EXPECT_EQ(x.up(),
            "{load_object_code,{x,\"2.0\",[a,s]}}\n"
            "point_of_no_return\n"
            "{suspend,[a,s]}\n"
            "{load,{s,brutal_purge,brutal_purge}}\n"
            "{load,{a,brutal_purge,brutal_purge}}\n"
            "{code_change,up,[{a,xa},{s,xs}]}\n"
            "{resume,[s,a]}\n");
}

TEST(RelupOrder, ChainOfThreeAndACycle) {
  // c -> b -> a : suspend c,b,a; load a,b,c on the way up.
  std::vector<instruction> chain = {update{at("a")}, update{.module = at("b"), .dep_mods = mods({"a"})},
                                    update{.module = at("c"), .dep_mods = mods({"b"})}};
  one_app x(mods({"a", "b", "c"}), chain, chain);
  EXPECT_EQ(x.up(),
            "{load_object_code,{x,\"2.0\",[c,b,a]}}\n"
            "point_of_no_return\n"
            "{suspend,[c,b,a]}\n"
            "{load,{a,brutal_purge,brutal_purge}}\n"
            "{load,{b,brutal_purge,brutal_purge}}\n"
            "{load,{c,brutal_purge,brutal_purge}}\n"
            "{resume,[a,b,c]}\n");
  // p <-> q form one strongly connected component: input order inside it.
  std::vector<instruction> cycle = {update{.module = at("q"), .dep_mods = mods({"p"})},
                                    update{.module = at("p"), .dep_mods = mods({"q"})}};
  one_app y(mods({"p", "q"}), cycle, cycle);
  EXPECT_EQ(y.up(),
            "{load_object_code,{x,\"2.0\",[q,p]}}\n"
            "point_of_no_return\n"
            "{suspend,[q,p]}\n"
            "{load,{p,brutal_purge,brutal_purge}}\n"
            "{load,{q,brutal_purge,brutal_purge}}\n"
            "{resume,[p,q]}\n");
}

TEST(RelupOrder, TimeoutsGoIntoTheSuspend) {
  update u{at("a")};
  u.timeout = timeout_spec::millis(5000);
  update v{at("b")};
  v.timeout = timeout_spec::infinite();
  std::vector<instruction> instrs = {u, v};
  one_app x(mods({"a", "b"}), instrs, instrs);
  auto script = plan_upgrade(x.old_rel, x.new_rel, x.catalog);
  EXPECT_EQ(one_app::lines(script),
            "{load_object_code,{x,\"2.0\",[a,b]}}\n"
            "point_of_no_return\n"
            "{suspend,[{a,5000}]}\n"
            "{load,{a,brutal_purge,brutal_purge}}\n"
            "{resume,[a]}\n"
            "{suspend,[{b,infinity}]}\n"
            "{load,{b,brutal_purge,brutal_purge}}\n"
            "{resume,[b]}\n");
}

// --- defaults and expansions -----------------------------------------------------------------------

TEST(RelupDefaults, HighLevelDefaultsAreSystools) {
  EXPECT_EQ(to_term(instruction{update{at("m")}}),
            parse_term("{update,m,dynamic,default,soft,brutal_purge,brutal_purge,[]}"));
  EXPECT_EQ(to_term(instruction{update::supervisor(at("m"))}),
            parse_term("{update,m,static,default,{advanced,[]},brutal_purge,brutal_purge,[]}"));
  EXPECT_EQ(to_term(instruction{load_module{at("m")}}), parse_term("{load_module,m,brutal_purge,brutal_purge,[]}"));
  EXPECT_EQ(to_term(instruction{add_module{at("m")}}), parse_term("{add_module,m,[]}"));
  EXPECT_EQ(to_term(instruction{delete_module{at("m")}}), parse_term("{delete_module,m,[]}"));
  EXPECT_EQ(to_term(instruction{add_application{at("app")}}), parse_term("{add_application,app,permanent}"));
}

TEST(RelupDefaults, SoftUpdateSuspendsButHasNoCodeChange) {
  std::vector<instruction> instrs = {update{at("m")}};
  one_app x(mods({"m"}), instrs, instrs);
  EXPECT_EQ(x.up(),
            "{load_object_code,{x,\"2.0\",[m]}}\n"
            "point_of_no_return\n"
            "{suspend,[m]}\n"
            "{load,{m,brutal_purge,brutal_purge}}\n"
            "{resume,[m]}\n");
}

TEST(RelupDefaults, AddModuleIsALoadWithBrutalPurges) {
  std::vector<instruction> instrs = {add_module{at("n")}};
  one_app x(mods({"n"}), instrs, instrs);
  EXPECT_EQ(x.up(),
            "{load_object_code,{x,\"2.0\",[n]}}\n"
            "point_of_no_return\n"
            "{load,{n,brutal_purge,brutal_purge}}\n");
}

TEST(RelupDefaults, PurgeMethodsPassThroughToTheLoad) {
  update u{at("m")};
  u.pre_purge = purge_method::soft_purge;
  u.post_purge = purge_method::soft_purge;
  std::vector<instruction> instrs = {u};
  one_app x(mods({"m"}), instrs, instrs);
  EXPECT_EQ(x.up(),
            "{load_object_code,{x,\"2.0\",[m]}}\n"
            "point_of_no_return\n"
            "{suspend,[m]}\n"
            "{load,{m,soft_purge,soft_purge}}\n"
            "{resume,[m]}\n");
}

TEST(RelupDefaults, LowLevelInstructionsPassThrough) {
  std::vector<instruction> instrs = {
      low_instruction{load_object_code{at("x"), "2.0", mods({"m"})}},
      low_instruction{apply{at("io"), at("format"), {parse_term("\"before\"")}}},
      low_instruction{point_of_no_return{}},
      low_instruction{stop{mods({"w"})}},
      low_instruction{load{at("m"), purge_method::brutal_purge, purge_method::soft_purge}},
      low_instruction{start{mods({"w"})}},
      low_instruction{sync_nodes{parse_term("id1"), mods({"n1@h", "n2@h"}), std::nullopt}},
  };
  one_app x(mods({"m", "w"}), instrs, instrs);
  EXPECT_EQ(x.up(),
            "{load_object_code,{x,\"2.0\",[m]}}\n"
            "{apply,{io,format,[[98,101,102,111,114,101]]}}\n"
            "point_of_no_return\n"
            "{stop,[w]}\n"
            "{load,{m,brutal_purge,soft_purge}}\n"
            "{start,[w]}\n"
            "{sync_nodes,id1,[n1@h,n2@h]}\n");
}

TEST(RelupDefaults, EmulatorRestartsMoveToTheEnds) {
  std::vector<instruction> instrs = {low_instruction{restart_emulator{}}, load_module{at("m")},
                                     low_instruction{restart_new_emulator{}}};
  one_app x(mods({"m"}), instrs, instrs);
  EXPECT_EQ(x.up(),
            "restart_new_emulator\n"
            "{load_object_code,{x,\"2.0\",[m]}}\n"
            "point_of_no_return\n"
            "{load,{m,brutal_purge,brutal_purge}}\n"
            "restart_emulator\n");
  EXPECT_EQ(x.down(),
            "{load_object_code,{x,\"1.0\",[m]}}\n"
            "point_of_no_return\n"
            "{load,{m,brutal_purge,brutal_purge}}\n"
            "restart_emulator\n");
}

TEST(RelupDefaults, RestartEmulatorOptionAppendsOne) {
  std::vector<instruction> instrs = {load_module{at("m")}};
  one_app x(mods({"m"}), instrs, instrs);
  auto s = plan_upgrade(x.old_rel, x.new_rel, x.catalog, {.restart_emulator = true});
  EXPECT_EQ(one_app::lines(s),
            "{load_object_code,{x,\"2.0\",[m]}}\n"
            "point_of_no_return\n"
            "{load,{m,brutal_purge,brutal_purge}}\n"
            "restart_emulator\n");
}

// --- applications ---------------------------------------------------------------------------------

struct three_apps {
  app_catalog catalog;
  three_apps() {
    appup_spec a2;
    a2.vsn = "2";
    a2.up.push_back({version_pattern::exact("1"), {update{at("a1")}}});
    a2.down.push_back({version_pattern::exact("1"), {update{at("a1")}}});
    catalog.add({at("a"), "1", mods({"a1"}), std::nullopt});
    catalog.add({at("a"), "2", mods({"a1"}), a2});
    catalog.add({at("old"), "1", mods({"o1", "o2"}), std::nullopt});
    catalog.add({at("new"), "1", mods({"n1", "n2"}), std::nullopt});
    catalog.add({at("same"), "1", mods({"s1"}), std::nullopt});
  }
};

TEST(RelupApplications, RemovedThenAddedThenChangedInReleaseOrder) {
  three_apps t;
  release v1{"rel", "1", {{at("same"), "1"}, {at("a"), "1"}, {at("old"), "1"}}};
  release v2{"rel", "2", {{at("same"), "1"}, {at("new"), "1", start_type::transient}, {at("a"), "2"}}};
  EXPECT_EQ(one_app::lines(plan_upgrade(v1, v2, t.catalog)),
            "{load_object_code,{new,\"1\",[n1,n2]}}\n"
            "{load_object_code,{a,\"2\",[a1]}}\n"
            "point_of_no_return\n"
            "{apply,{application,stop,[old]}}\n"
            "{remove,{o1,brutal_purge,brutal_purge}}\n"
            "{remove,{o2,brutal_purge,brutal_purge}}\n"
            "{purge,[o1,o2]}\n"
            "{apply,{application,unload,[old]}}\n"
            "{load,{n1,brutal_purge,brutal_purge}}\n"
            "{load,{n2,brutal_purge,brutal_purge}}\n"
            "{apply,{application,start,[new,transient]}}\n"
            "{suspend,[a1]}\n"
            "{load,{a1,brutal_purge,brutal_purge}}\n"
            "{resume,[a1]}\n");
  // And back: `new` is removed, `old` added (with its type in the target release).
  EXPECT_EQ(one_app::lines(plan_downgrade(v2, v1, t.catalog)),
            "{load_object_code,{old,\"1\",[o1,o2]}}\n"
            "{load_object_code,{a,\"1\",[a1]}}\n"
            "point_of_no_return\n"
            "{apply,{application,stop,[new]}}\n"
            "{remove,{n1,brutal_purge,brutal_purge}}\n"
            "{remove,{n2,brutal_purge,brutal_purge}}\n"
            "{purge,[n1,n2]}\n"
            "{apply,{application,unload,[new]}}\n"
            "{load,{o1,brutal_purge,brutal_purge}}\n"
            "{load,{o2,brutal_purge,brutal_purge}}\n"
            "{apply,{application,start,[old,permanent]}}\n"
            "{suspend,[a1]}\n"
            "{load,{a1,brutal_purge,brutal_purge}}\n"
            "{resume,[a1]}\n");
}

TEST(RelupApplications, AddApplicationStartTypes) {
  std::vector<planned_app> to = {{at("n"), "1", start_type::permanent, mods({"n1"})}};
  auto run = [&](start_type type) {
    std::string out;
    for (const auto& i : translate_scripts(change_mode::up, {{add_application{at("n"), type}}}, to, {}))
      out += format(i) + "\n";
    return out;
  };
  const std::string head =
      "{load_object_code,{n,\"1\",[n1]}}\n"
      "point_of_no_return\n"
      "{load,{n1,brutal_purge,brutal_purge}}\n";
  EXPECT_EQ(run(start_type::permanent), head + "{apply,{application,start,[n,permanent]}}\n");
  EXPECT_EQ(run(start_type::temporary), head + "{apply,{application,start,[n,temporary]}}\n");
  EXPECT_EQ(run(start_type::load), head + "{apply,{application,load,[n]}}\n");
  EXPECT_EQ(run(start_type::none), head);
}

TEST(RelupApplications, RestartApplicationStopsRemovesAndStartsWithTheNewType) {
  std::vector<planned_app> from = {{at("r"), "1", start_type::permanent, mods({"r1", "r2"})}};
  std::vector<planned_app> to = {{at("r"), "2", start_type::temporary, mods({"r1", "r3"})}};
  std::string out;
  for (const auto& i : translate_scripts(change_mode::up, {{restart_application{at("r")}}}, to, from))
    out += format(i) + "\n";
  EXPECT_EQ(out,
            "{load_object_code,{r,\"2\",[r1,r3]}}\n"
            "point_of_no_return\n"
            "{apply,{application,stop,[r]}}\n"
            "{remove,{r1,brutal_purge,brutal_purge}}\n"
            "{remove,{r2,brutal_purge,brutal_purge}}\n"
            "{purge,[r1,r2]}\n"
            "{load,{r1,brutal_purge,brutal_purge}}\n"
            "{load,{r3,brutal_purge,brutal_purge}}\n"
            "{apply,{application,start,[r,temporary]}}\n");
}

TEST(RelupApplications, UnchangedApplicationsContributeNothing) {
  three_apps t;
  release v1{"rel", "1", {{at("same"), "1"}}};
  release v2{"rel", "2", {{at("same"), "1"}}};
  auto s = plan_upgrade(v1, v2, t.catalog);
  EXPECT_EQ(one_app::lines(s), "point_of_no_return\n");
}

// --- version matching -------------------------------------------------------------------------------

TEST(RelupVersions, FirstMatchingEntryWins) {
  appup_spec spec;
  spec.vsn = "2.0";
  spec.up.push_back({version_pattern::exact("1.0.0"), {load_module{at("exact")}}});
  spec.up.push_back({version_pattern::regex("1\\.0\\.[0-9]+"), {load_module{at("regex")}}});
  spec.up.push_back({version_pattern::exact("1.0.5"), {load_module{at("never")}}});
  EXPECT_EQ(to_term(spec.find_up("1.0.0")->instructions[0]), to_term(instruction{load_module{at("exact")}}));
  EXPECT_EQ(to_term(spec.find_up("1.0.5")->instructions[0]), to_term(instruction{load_module{at("regex")}}));
  EXPECT_EQ(to_term(spec.find_up("1.0.17")->instructions[0]), to_term(instruction{load_module{at("regex")}}));
  EXPECT_EQ(spec.find_up("1.0.5.1"), nullptr);
  EXPECT_EQ(spec.find_up("21.0.5"), nullptr);
  EXPECT_EQ(spec.find_down("1.0.0"), nullptr);
}

TEST(RelupVersions, RegexMustSpanTheWholeVersionWithItsFirstMatch) {
  EXPECT_TRUE(version_pattern::regex("1\\.[0-9]+").matches("1.0"));
  EXPECT_FALSE(version_pattern::regex("1\\.[0-9]+").matches("1.0.1"));
  EXPECT_FALSE(version_pattern::regex("1\\.[0-9]+").matches("11.0"));
  EXPECT_TRUE(version_pattern::regex("^8\\.1$").matches("8.1"));
  // re:run's first match of 1\.0|1\.0\.1 in "1.0.1" is "1.0": not the whole version.
  EXPECT_FALSE(version_pattern::regex("1\\.0|1\\.0\\.1").matches("1.0.1"));
  EXPECT_TRUE(version_pattern::regex("1\\.0\\.1|1\\.0").matches("1.0.1"));
  // An exact string is not a pattern.
  EXPECT_TRUE(version_pattern::exact("1.0").matches("1.0"));
  EXPECT_FALSE(version_pattern::exact("1.0").matches("1x0"));
  EXPECT_FALSE(version_pattern::exact("1.0").matches("1.0.0"));
  EXPECT_THROW(version_pattern::regex("1\\.(0"), bad_version_pattern);
  // Perl syntax, as OTP's re: \\d works.
  EXPECT_TRUE(version_pattern::regex("\\d+\\.\\d+").matches("10.2"));
}

TEST(RelupVersions, NoMatchingEntryListsWhatTheAppupAccepts) {
  appup_spec spec;
  spec.vsn = "2.0";
  spec.source = "lib/x-2.0/x.appup.yaml";
  spec.up.push_back({version_pattern::exact("1.0"), {}});
  spec.up.push_back({version_pattern::regex("1\\.1\\.[0-9]+"), {}});
  spec.down.push_back({version_pattern::exact("1.0"), {}});
  app_catalog catalog;
  catalog.add({at("x"), "0.9", {}, std::nullopt});
  catalog.add({at("x"), "2.0", {}, spec});
  release old_rel{"rel", "0.9", {{at("x"), "0.9"}}};
  release new_rel{"rel", "2.0", {{at("x"), "2.0"}}};
  try {
    plan_upgrade(old_rel, new_rel, catalog);
    FAIL() << "expected an error";
  } catch (const relup_error& e) {
    EXPECT_STREQ(e.what(),
                 "lib/x-2.0/x.appup.yaml: no up-from entry of x-2.0 matches \"0.9\"; it accepts \"1.0\", regex "
                 "\"1\\\\.1\\\\.[0-9]+\"");
    EXPECT_EQ(e.reason(), parse_term("{no_relup,\"lib/x-2.0/x.appup.yaml\",x,\"0.9\"}"));
  }
  try {
    plan_downgrade(new_rel, old_rel, catalog);
    FAIL() << "expected an error";
  } catch (const relup_error& e) {
    EXPECT_STREQ(e.what(), "lib/x-2.0/x.appup.yaml: no down-to entry of x-2.0 matches \"0.9\"; it accepts \"1.0\"");
  }
  spec.down.clear();
  catalog.add({at("x"), "2.0", {}, spec});
  try {
    plan_downgrade(new_rel, old_rel, catalog);
    FAIL() << "expected an error";
  } catch (const relup_error& e) {
    EXPECT_STREQ(e.what(),
                 "lib/x-2.0/x.appup.yaml: no down-to entry of x-2.0 matches \"0.9\"; it has no down-to entries");
  }
}

TEST(RelupVersions, DowngradeUsesTheNewerVersionsAppup) {
  appup_spec newer;
  newer.vsn = "2.0";
  newer.down.push_back({version_pattern::exact("1.0"), {load_module{at("m")}}});
  appup_spec older;  // must not be read when going down from 2.0
  older.vsn = "1.0";
  older.up.push_back({version_pattern::exact("2.0"), {delete_module{at("m")}}});
  app_catalog catalog;
  catalog.add({at("x"), "1.0", mods({"m"}), older});
  catalog.add({at("x"), "2.0", mods({"m"}), newer});
  release v1{"rel", "1", {{at("x"), "1.0"}}};
  release v2{"rel", "2", {{at("x"), "2.0"}}};
  auto s = plan_downgrade(v2, v1, catalog);
  EXPECT_EQ(s.mode, change_mode::down);
  EXPECT_EQ(s.from_vsn, "2");
  EXPECT_EQ(s.to_vsn, "1");
  EXPECT_EQ(one_app::lines(s),
            "{load_object_code,{x,\"1.0\",[m]}}\n"
            "point_of_no_return\n"
            "{load,{m,brutal_purge,brutal_purge}}\n");
}

TEST(RelupVersions, AppupForAnotherVersionIsAWarning) {
  std::vector<instruction> instrs = {load_module{at("m")}};
  one_app x(mods({"m"}), instrs, instrs);
  appup_spec spec = *x.catalog.find(at("x"), "2.0")->appup;
  spec.vsn = "2.0-rc1";
  x.catalog.add({at("x"), "2.0", mods({"m"}), spec});
  auto s = plan_upgrade(x.old_rel, x.new_rel, x.catalog);
  ASSERT_EQ(s.warnings.size(), 1u);
  EXPECT_EQ(s.warnings[0], "x.appup.yaml: the appup is for version \"2.0-rc1\" but x is at \"2.0\"");
}

// --- planner errors ---------------------------------------------------------------------------------

term planning_error(const std::vector<instruction>& instrs, std::vector<atom> modules = mods({"a", "b"})) {
  one_app x(std::move(modules), instrs, instrs);
  try {
    x.up();
  } catch (const relup_error& e) {
    return e.reason();
  }
  return otp::atom("no_error");
}

TEST(RelupErrors, EachModuleOnce) {
  EXPECT_EQ(planning_error({update{at("a")}, load_module{at("a")}}), parse_term("{muldef_module,a}"));
  EXPECT_EQ(planning_error({add_module{at("a")}, delete_module{at("a")}}), parse_term("{muldef_module,a}"));
}

TEST(RelupErrors, DependencyOnAModuleNotInTheUpgrade) {
  EXPECT_EQ(planning_error({update{.module = at("a"), .dep_mods = mods({"zz"})}}), parse_term("{undef_module,zz}"));
}

TEST(RelupErrors, ModuleInNoTargetApplication) {
  EXPECT_EQ(planning_error({load_module{at("ghost")}}), parse_term("{no_such_module,ghost}"));
}

TEST(RelupErrors, PointOfNoReturnRules) {
  EXPECT_EQ(planning_error(
                {low_instruction{point_of_no_return{}}, load_module{at("a")}, low_instruction{point_of_no_return{}}}),
            parse_term("too_many_point_of_no_return"));
  EXPECT_EQ(planning_error({low_instruction{suspend{{{at("a"), {}}}}}, low_instruction{point_of_no_return{}}}),
            parse_term("{bad_op_before_point_of_no_return,{suspend,[a]}}"));
}

TEST(RelupErrors, PassedThroughLowLevelInstructionsAreChecked) {
  EXPECT_EQ(planning_error({low_instruction{suspend{{{at("a"), {}}}}}}), parse_term("{suspended_not_resumed,[a]}"));
  EXPECT_EQ(planning_error({low_instruction{load{at("a")}}}), parse_term("{no_object_code,a}"));
  EXPECT_EQ(planning_error({low_instruction{stop{mods({"a"})}}}), parse_term("{stop_not_start,[a]}"));
}

TEST(RelupErrors, ApplicationErrors) {
  std::vector<planned_app> apps = {{at("p"), "1", start_type::permanent, mods({"p1"})}};
  auto reason = [](auto&& fn) {
    try {
      fn();
    } catch (const relup_error& e) {
      return e.reason();
    }
    return term(otp::atom("no_error"));
  };
  EXPECT_EQ(reason([&] { translate_scripts(change_mode::up, {{remove_application{at("p")}}}, apps, apps); }),
            parse_term("{removed_application_present,p}"));
  EXPECT_EQ(reason([&] { translate_scripts(change_mode::up, {{add_application{at("q")}}}, apps, apps); }),
            parse_term("{no_such_application,q}"));
  EXPECT_EQ(reason([&] { translate_scripts(change_mode::up, {{restart_application{at("q")}}}, apps, apps); }),
            parse_term("{no_such_application,q}"));
  EXPECT_EQ(reason([&] {
              translate_scripts(change_mode::up,
                                {{low_instruction{load_object_code{at("p"), "1", mods({"p1"})}}},
                                 {low_instruction{load_object_code{at("p"), "2", mods({"p2"})}}}},
                                apps, apps);
            }),
            parse_term("{conflicting_versions,p,\"1\",\"2\"}"));
}

TEST(RelupErrors, MissingAppupOrModuleList) {
  release v1{"rel", "1", {{at("x"), "1.0"}}};
  release v2{"rel", "2", {{at("x"), "2.0"}}};
  app_catalog catalog;
  catalog.add({at("x"), "1.0", {}, std::nullopt});
  catalog.add({at("x"), "2.0", {}, std::nullopt});
  try {
    plan_upgrade(v1, v2, catalog);
    FAIL();
  } catch (const relup_error& e) {
    EXPECT_STREQ(e.what(), "no appup for x-2.0, needed to go up from \"1.0\"");
  }
  app_catalog empty;
  release v3{"rel", "3", {{at("y"), "1.0"}}};
  try {
    plan_upgrade(v1, v3, empty);
    FAIL();
  } catch (const relup_error& e) {
    EXPECT_EQ(e.reason(), parse_term("{no_such_application,y,\"1.0\"}"));
  }
}

// --- check_script on hand-written scripts -------------------------------------------------------------

term check_error(std::vector<low_instruction> script) {
  try {
    check_script(script);
  } catch (const relup_error& e) {
    return e.reason();
  }
  return otp::atom("ok");
}

TEST(RelupChecks, WellFormedScriptPasses) {
  EXPECT_EQ(check_error({load_object_code{at("x"), "1", mods({"a"})}, point_of_no_return{}, suspend{{{at("a"), {}}}},
                         load{at("a")}, code_change{change_mode::up, {{at("a"), term()}}}, resume{mods({"a"})}}),
            parse_term("ok"));
}

TEST(RelupChecks, MalformedScriptsFail) {
  auto loc = [] { return low_instruction{load_object_code{at("x"), "1", mods({"a"})}}; };
  low_instruction ponr = point_of_no_return{};
  low_instruction susp_a = suspend{{{at("a"), {}}}};
  low_instruction res_a = resume{mods({"a"})};
  EXPECT_EQ(check_error({ponr, susp_a}), parse_term("{suspended_not_resumed,[a]}"));
  EXPECT_EQ(check_error({ponr, res_a}), parse_term("{resumed_not_suspended,[a]}"));
  EXPECT_EQ(check_error({ponr, code_change{change_mode::up, {{at("a"), term()}}}}),
            parse_term("{code_change_not_suspended,[a]}"));
  EXPECT_EQ(check_error({ponr, ponr}), parse_term("too_many_point_of_no_return"));
  EXPECT_EQ(check_error({loc(), load{at("a")}, ponr}),
            parse_term("{bad_op_before_point_of_no_return,{load,{a,brutal_purge,brutal_purge}}}"));
  EXPECT_EQ(check_error({ponr, loc()}),
            parse_term("{bad_op_after_point_of_no_return,{load_object_code,{x,\"1\",[a]}}}"));
  EXPECT_EQ(check_error({ponr, load{at("a")}}), parse_term("{no_object_code,a}"));
  EXPECT_EQ(check_error({loc(), ponr, load{at("a")}, load{at("a")}}), parse_term("{muldef_module,a}"));
  EXPECT_EQ(check_error({loc(), loc(), ponr}), parse_term("{muldef_module,a}"));
  EXPECT_EQ(check_error({ponr, susp_a, susp_a, res_a}), parse_term("{muldef_module,a}"));
  EXPECT_EQ(check_error({ponr, stop{mods({"a"})}}), parse_term("{stop_not_start,[a]}"));
  EXPECT_EQ(check_error({ponr, start{mods({"a"})}}), parse_term("{start_not_stop,[a]}"));
  EXPECT_EQ(check_error({ponr, restart_new_emulator{}}), parse_term("{bad_position,restart_new_emulator}"));
  EXPECT_EQ(check_error({ponr, restart_emulator{}, stop{mods({"a"})}, start{mods({"a"})}}),
            parse_term("{bad_position,restart_emulator}"));
}

// --- output -----------------------------------------------------------------------------------------

TEST(RelupOutput, TermsAndText) {
  std::vector<instruction> instrs = {advanced("a", "{config,\"x\"}")};
  one_app x(mods({"a"}), instrs, instrs);
  auto s = plan_upgrade(x.old_rel, x.new_rel, x.catalog);
  EXPECT_EQ(s.to_term(), parse_term("[{load_object_code,{x,\"2.0\",[a]}}, point_of_no_return, {suspend,[a]},"
                                    " {load,{a,brutal_purge,brutal_purge}}, {code_change,up,[{a,{config,\"x\"}}]},"
                                    " {resume,[a]}]"));
  EXPECT_EQ(s.to_string(),
            "%% relup up from \"1\" to \"2\"\n"
            "{load_object_code,{x,\"2.0\",[a]}}\n"
            "point_of_no_return\n"
            "{suspend,[a]}\n"
            "{load,{a,brutal_purge,brutal_purge}}\n"
            "{code_change,up,[{a,{config,[120]}}]}\n"
            "{resume,[a]}\n");
  // Each printed line reads back as the instruction's term (versions as strings, i.e. lists).
  for (const auto& i : s.instructions) EXPECT_EQ(parse_term(format(i)), to_term(i)) << format(i);
}

TEST(RelupOutput, QuotedAtomsAndStrings) {
  low_instruction i = load_object_code{at("My App"), "1.0 \"beta\"", mods({"Mod"})};
  EXPECT_EQ(format(i), "{load_object_code,{'My App',\"1.0 \\\"beta\\\"\",['Mod']}}");
  EXPECT_EQ(parse_term(format(i)), to_term(i));
}

}  // namespace
