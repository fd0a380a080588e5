// Rolling updates in appups and the planner (docs/appup.md, "Rolling updates"): `mode: rolling` read
// from YAML, a dependency group of rolling updates planned as one rolling_update, and each rule the
// planner and check_script enforce.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "otp/appup_yaml.hpp"
#include "otp/relup.hpp"
#include "otp/term_text.hpp"

namespace {

using namespace otp::appup;
using otp::atom;
using otp::parse_term;
using otp::term;

std::vector<atom> mods(std::initializer_list<std::string_view> names) {
  std::vector<atom> out;
  for (auto n : names) out.emplace_back(n);
  return out;
}

update rolling(std::string_view m, std::string_view extra, std::vector<atom> deps = {}) {
  update u{atom(m)};
  u.change = change_spec::advanced_with(parse_term(extra));
  u.dep_mods = std::move(deps);
  u.mode = update_mode::rolling;
  return u;
}

update ordinary(std::string_view m, std::vector<atom> deps = {}) {
  update u{atom(m)};
  u.change = change_spec::advanced_with(term());
  u.dep_mods = std::move(deps);
  return u;
}

// Application x from "1.0" to "2.0" with these modules, the same instructions both ways.
struct two_versions {
  release v1{"rel", "1", {{atom("x"), "1.0"}}};
  release v2{"rel", "2", {{atom("x"), "2.0"}}};
  app_catalog catalog;

  two_versions(std::vector<atom> modules, std::vector<instruction> instrs) {
    appup_spec spec;
    spec.vsn = "2.0";
    spec.up.push_back({version_pattern::exact("1.0"), instrs});
    spec.down.push_back({version_pattern::exact("1.0"), instrs});
    catalog.add({atom("x"), "1.0", modules, std::nullopt});
    catalog.add({atom("x"), "2.0", modules, spec});
  }
  relup_script up() const { return plan_upgrade(v1, v2, catalog); }
  relup_script down() const { return plan_downgrade(v2, v1, catalog); }
};

std::string lines(const relup_script& s) {
  std::string out;
  for (const auto& i : s.instructions) out += format(i) + "\n";
  return out;
}

term planning_error(std::vector<instruction> instrs) {
  try {
    two_versions(mods({"a", "b", "c"}), std::move(instrs)).up();
  } catch (const relup_error& e) {
    return e.reason();
  }
  return atom("no_error");
}

term check_error(const std::vector<low_instruction>& script) {
  try {
    check_script(script);
  } catch (const relup_error& e) {
    return e.reason();
  }
  return atom("ok");
}

// --- YAML ---------------------------------------------------------------------------------------

const std::string head = "vsn: \"2\"\nup:\n  - from: \"1\"\n    instructions:\n";

TEST(RollingYaml, ModeRollingIsReadAndTheDefaultIsOtpsOrder) {
  const auto spec = parse_appup(head +
                                    "      - update: a\n        mode: rolling\n        change: {advanced: \"[]\"}\n"
                                    "      - update: b\n        mode: suspend_all\n"
                                    "      - update: c\n",
                                "t.yaml");
  const auto& instrs = spec.up.at(0).instructions;
  EXPECT_EQ(std::get<update>(instrs.at(0)).mode, update_mode::rolling);
  EXPECT_EQ(std::get<update>(instrs.at(1)).mode, update_mode::suspend_all);
  EXPECT_EQ(std::get<update>(instrs.at(2)).mode, update_mode::suspend_all);
  EXPECT_EQ(to_term(instrs.at(0)), parse_term("{update,a,dynamic,default,{advanced,[]},brutal_purge,brutal_purge,[],"
                                              "rolling}"));
  EXPECT_EQ(to_term(instrs.at(2)), parse_term("{update,c,dynamic,default,soft,brutal_purge,brutal_purge,[]}"));
}

TEST(RollingYaml, ABadModeAndARollingSupervisorNameTheFileAndThePlace) {
  try {
    parse_appup(head + "      - update: a\n        mode: gradual\n", "x.appup.yaml");
    ADD_FAILURE() << "no error for mode: gradual";
  } catch (const yaml_error& e) {
    EXPECT_STREQ(e.what(), "x.appup.yaml:6:15: 'mode' of an update must be rolling or suspend_all, got 'gradual'");
  }
  try {
    parse_appup(head + "      - update: sup\n        supervisor: true\n        mode: rolling\n", "x.appup.yaml");
    ADD_FAILURE() << "no error for a rolling supervisor";
  } catch (const yaml_error& e) {
    EXPECT_EQ(e.line(), 7u);
    EXPECT_EQ(e.column(), 9u);
    EXPECT_NE(e.message().find("a supervisor is never rolled"), std::string::npos) << e.message();
  }
}

// --- planning ------------------------------------------------------------------------------------

TEST(RollingPlan, ADependencyGroupOfRollingUpdatesIsOneRollingUpdateInLoadOrder) {
  two_versions x(mods({"a", "b"}), {rolling("a", "xa", mods({"b"})), rolling("b", "xb")});
  EXPECT_EQ(lines(x.up()),
            "{load_object_code,{x,\"2.0\",[b,a]}}\n"
            "point_of_no_return\n"
            "{rolling_update,up,[{b,dynamic,default,{advanced,xb},brutal_purge,brutal_purge},"
            "{a,dynamic,default,{advanced,xa},brutal_purge,brutal_purge}]}\n")
      << "dependencies first on the way up";
  EXPECT_EQ(lines(x.down()),
            "{load_object_code,{x,\"1.0\",[a,b]}}\n"
            "point_of_no_return\n"
            "{rolling_update,down,[{a,dynamic,default,{advanced,xa},brutal_purge,brutal_purge},"
            "{b,dynamic,default,{advanced,xb},brutal_purge,brutal_purge}]}\n")
      << "dependers first on the way down";
}

TEST(RollingPlan, OtpOrderIsUnchangedForTheOtherGroupsAndTheDryRunNamesTheRollingGroup) {
  two_versions x(mods({"a", "b", "c"}), {ordinary("c"), rolling("a", "[]"), rolling("b", "[]")});
  const relup_script up = x.up();
  EXPECT_EQ(lines(up),
            "{load_object_code,{x,\"2.0\",[c,a,b]}}\n"
            "point_of_no_return\n"
            "{suspend,[c]}\n"
            "{load,{c,brutal_purge,brutal_purge}}\n"
            "{code_change,up,[{c,[]}]}\n"
            "{resume,[c]}\n"
            "{rolling_update,up,[{a,dynamic,default,{advanced,[]},brutal_purge,brutal_purge}]}\n"
            "{rolling_update,up,[{b,dynamic,default,{advanced,[]},brutal_purge,brutal_purge}]}\n");
  const std::string text = up.to_string();
  EXPECT_NE(text.find("%% rolling group: a (each process migrated on its own while the others serve)\n"
                      "{rolling_update,up,[{a,"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("%% rolling group: b ("), std::string::npos) << text;
  // Each line still reads back as its term.
  for (const auto& i : up.instructions) EXPECT_EQ(parse_term(format(i)), to_term(i));
}

// --- the rules ------------------------------------------------------------------------------------

TEST(RollingRules, NoDepModsBetweenARollingUpdateAndOneInOtpsOrder) {
  EXPECT_EQ(planning_error({rolling("a", "[]", mods({"b"})), ordinary("b")}), parse_term("{rolling_dependency,a,b}"));
  EXPECT_EQ(planning_error({ordinary("a", mods({"b"})), rolling("b", "[]")}), parse_term("{rolling_dependency,a,b}"));
}

TEST(RollingRules, NoDepModsBetweenARollingUpdateAndALoadedAddedOrDeletedModule) {
  EXPECT_EQ(planning_error({rolling("a", "[]", mods({"b"})), load_module{atom("b")}}),
            parse_term("{rolling_dependency,a,b}"));
  EXPECT_EQ(planning_error({add_module{atom("c"), mods({"a"})}, rolling("a", "[]")}),
            parse_term("{rolling_dependency,c,a}"));
  EXPECT_EQ(planning_error({rolling("a", "[]", mods({"c"})), delete_module{atom("c")}}),
            parse_term("{rolling_dependency,a,c}"));
}

TEST(RollingRules, ASupervisorIsNeverRolled) {
  update sup = update::supervisor(atom("a"));
  sup.mode = update_mode::rolling;
  EXPECT_EQ(planning_error({sup}), parse_term("{rolling_supervisor,a}"));
  update same_fields = update::supervisor(atom("a"));
  same_fields.is_supervisor = false;
  same_fields.mode = update_mode::rolling;
  EXPECT_EQ(planning_error({same_fields}), atom("no_error")) << "only a supervisor's update is refused";
}

TEST(RollingRules, AModuleIsRolledOnceAndNotAlsoInOtpsOrder) {
  EXPECT_EQ(planning_error({rolling("a", "[]"), load_module{atom("a")}}), parse_term("{muldef_module,a}"));
}

TEST(RollingChecks, HandWrittenScriptsFollowTheSameRules) {
  const low_instruction loc_a = load_object_code{atom("x"), "1", mods({"a"})};
  const low_instruction ponr = point_of_no_return{};
  const low_instruction roll_a = rolling_update{change_mode::up, {{atom("a")}}};
  EXPECT_EQ(check_error({loc_a, ponr, roll_a}), atom("ok"));
  EXPECT_EQ(check_error({ponr, roll_a}), parse_term("{no_object_code,a}"));
  EXPECT_EQ(check_error({loc_a, roll_a, ponr}),
            parse_term("{bad_op_before_point_of_no_return,{rolling_update,up,[{a,dynamic,default,soft,brutal_purge,"
                       "brutal_purge}]}}"));
  EXPECT_EQ(check_error({loc_a, ponr, roll_a, roll_a}), parse_term("{muldef_module,a}"));
  EXPECT_EQ(check_error({loc_a, ponr, load{atom("a")}, roll_a}), parse_term("{muldef_module,a}"));
  EXPECT_EQ(check_error({loc_a, ponr, suspend{{{atom("a"), {}}}}, roll_a, resume{mods({"a"})}}),
            parse_term("{rolling_conflict,[a]}"));
  EXPECT_EQ(check_error({loc_a, ponr, roll_a, otp::appup::remove{atom("a")}}), parse_term("{rolling_conflict,[a]}"));
  EXPECT_EQ(check_error({loc_a, ponr, roll_a, stop{mods({"a"})}, start{mods({"a"})}}),
            parse_term("{rolling_conflict,[a]}"));
  EXPECT_EQ(check_error({loc_a, ponr, rolling_update{change_mode::up, {}}}),
            parse_term("{empty_rolling_update,{rolling_update,up,[]}}"));
}

}  // namespace
