// Appup YAML (otp/appup_yaml.hpp): every instruction form with its defaults, and every kind of
// malformed file with its exact line and column.
#include "otp/appup_yaml.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "otp/relup.hpp"
#include "otp/term_text.hpp"

namespace {

using namespace otp::appup;
using otp::atom;
using otp::parse_term;
using otp::term;

// The term of the single instruction of a one-entry appup whose instruction list is `item`.
term instruction_term(const std::string& item) {
  std::string text = "vsn: \"2\"\nup:\n  - from: \"1\"\n    instructions:\n" + item;
  auto spec = parse_appup(text, "t.yaml");
  EXPECT_EQ(spec.up.size(), 1u);
  EXPECT_EQ(spec.up[0].instructions.size(), 1u);
  return to_term(spec.up[0].instructions.at(0));
}

TEST(AppupYaml, TheCounterExampleFile) {
  auto spec = load_appup_file(OTP_TEST_DATA_DIR "/counter.appup.yaml");
  EXPECT_EQ(spec.vsn, "1.1.0");
  EXPECT_EQ(spec.source, OTP_TEST_DATA_DIR "/counter.appup.yaml");
  EXPECT_EQ(spec.to_term(), parse_term(R"({"1.1.0",
 [{"1.0.0",[{update,counter,dynamic,default,{advanced,{from,"1.0.0"}},brutal_purge,brutal_purge,[counter_store]},
            {add_module,counter_store,[]}]},
  {<<"1\\.0\\.[0-9]+">>,[{restart_application,counter}]}],
 [{"1.0.0",[{update,counter,dynamic,5000,{advanced,[]},brutal_purge,brutal_purge,[]},
            {delete_module,counter_store,[]}]}]})"));
  EXPECT_FALSE(spec.up[0].version.is_regex());
  EXPECT_TRUE(spec.up[1].version.is_regex());
  EXPECT_EQ(spec.find_up("1.0.0"), &spec.up[0]);
  EXPECT_EQ(spec.find_up("1.0.3"), &spec.up[1]);
  EXPECT_EQ(spec.find_up("1.1.0"), nullptr);
}

TEST(AppupYaml, TheCounterExamplePlannedBothWays) {
  auto spec = load_appup_file(OTP_TEST_DATA_DIR "/counter.appup.yaml");
  app_catalog catalog;
  catalog.add({atom("counter"), "1.0.0", {atom("counter")}, std::nullopt});
  catalog.add({atom("counter"), "1.1.0", {atom("counter"), atom("counter_store")}, spec});
  release v1{"demo", "1", {{atom("counter"), "1.0.0"}}};
  release v2{"demo", "2", {{atom("counter"), "1.1.0"}}};
  EXPECT_EQ(plan_upgrade(v1, v2, catalog).to_string(),
            "%% relup up from \"1\" to \"2\"\n"
            "{load_object_code,{counter,\"1.1.0\",[counter,counter_store]}}\n"
            "point_of_no_return\n"
            "{suspend,[counter]}\n"
            "{load,{counter_store,brutal_purge,brutal_purge}}\n"
            "{load,{counter,brutal_purge,brutal_purge}}\n"
            "{code_change,up,[{counter,{from,[49,46,48,46,48]}}]}\n"
            "{resume,[counter]}\n");
  EXPECT_EQ(plan_downgrade(v2, v1, catalog).to_string(),
            "%% relup down from \"2\" to \"1\"\n"
            "{load_object_code,{counter,\"1.0.0\",[counter]}}\n"
            "point_of_no_return\n"
            "{suspend,[{counter,5000}]}\n"
            "{code_change,down,[{counter,[]}]}\n"
            "{load,{counter,brutal_purge,brutal_purge}}\n"
            "{resume,[counter]}\n"
            "{remove,{counter_store,brutal_purge,brutal_purge}}\n"
            "{purge,[counter_store]}\n");
}

TEST(AppupYaml, HighLevelInstructionsAndTheirDefaults) {
  EXPECT_EQ(instruction_term("      - update: m\n"),
            parse_term("{update,m,dynamic,default,soft,brutal_purge,brutal_purge,[]}"));
  EXPECT_EQ(instruction_term("      - update: m\n        supervisor: true\n"),
            parse_term("{update,m,static,default,{advanced,[]},brutal_purge,brutal_purge,[]}"));
  EXPECT_EQ(instruction_term("      - update: m\n        change: soft\n        dep_mods: [a, b]\n"),
            parse_term("{update,m,dynamic,default,soft,brutal_purge,brutal_purge,[a,b]}"));
  EXPECT_EQ(instruction_term("      - update: m\n        change: {advanced: \"#{k => <<\\\"v\\\">>}\"}\n"),
            parse_term("{update,m,dynamic,default,{advanced,#{k => <<\"v\">>}},brutal_purge,brutal_purge,[]}"));
  EXPECT_EQ(instruction_term("      - update: m\n        mod_type: static\n        timeout: infinity\n"
                             "        change: {advanced: \"42\"}\n        pre_purge: soft_purge\n"
                             "        post_purge: soft_purge\n        dep_mods: []\n"),
            parse_term("{update,m,static,infinity,{advanced,42},soft_purge,soft_purge,[]}"));
  EXPECT_EQ(instruction_term("      - update: m\n        timeout: 250\n"),
            parse_term("{update,m,dynamic,250,soft,brutal_purge,brutal_purge,[]}"));
  EXPECT_EQ(instruction_term("      - update: m\n        supervisor: false\n        change: {advanced: x}\n"),
            parse_term("{update,m,dynamic,default,{advanced,x},brutal_purge,brutal_purge,[]}"));
  EXPECT_EQ(instruction_term("      - load_module: m\n"), parse_term("{load_module,m,brutal_purge,brutal_purge,[]}"));
  EXPECT_EQ(instruction_term("      - load_module: m\n        pre_purge: soft_purge\n        dep_mods: [d]\n"),
            parse_term("{load_module,m,soft_purge,brutal_purge,[d]}"));
  EXPECT_EQ(instruction_term("      - add_module: m\n"), parse_term("{add_module,m,[]}"));
  EXPECT_EQ(instruction_term("      - add_module: m\n        dep_mods: [d]\n"), parse_term("{add_module,m,[d]}"));
  EXPECT_EQ(instruction_term("      - delete_module: m\n"), parse_term("{delete_module,m,[]}"));
  EXPECT_EQ(instruction_term("      - add_application: extra\n"), parse_term("{add_application,extra,permanent}"));
  EXPECT_EQ(instruction_term("      - add_application: extra\n        type: load\n"),
            parse_term("{add_application,extra,load}"));
  EXPECT_EQ(instruction_term("      - remove_application: old\n"), parse_term("{remove_application,old}"));
  EXPECT_EQ(instruction_term("      - restart_application: app\n"), parse_term("{restart_application,app}"));
  EXPECT_EQ(instruction_term("      - apply: {module: io, function: format, args: '[\"hi~n\"]'}\n"),
            parse_term("{apply,{io,format,[\"hi~n\"]}}"));
  EXPECT_EQ(instruction_term("      - apply: {module: m, function: f}\n"), parse_term("{apply,{m,f,[]}}"));
  EXPECT_EQ(instruction_term("      - update: 'My Module'\n"),
            parse_term("{update,'My Module',dynamic,default,soft,brutal_purge,brutal_purge,[]}"));
}

TEST(AppupYaml, LowLevelInstructions) {
  EXPECT_EQ(instruction_term("      - point_of_no_return\n"), parse_term("point_of_no_return"));
  EXPECT_EQ(instruction_term("      - point_of_no_return:\n"), parse_term("point_of_no_return"));
  EXPECT_EQ(instruction_term("      - restart_new_emulator\n"), parse_term("restart_new_emulator"));
  EXPECT_EQ(instruction_term("      - restart_emulator\n"), parse_term("restart_emulator"));
  EXPECT_EQ(instruction_term("      - load_object_code: app\n        vsn: \"1.2\"\n        modules: [a, b]\n"),
            parse_term("{load_object_code,{app,\"1.2\",[a,b]}}"));
  EXPECT_EQ(instruction_term("      - load: m\n"), parse_term("{load,{m,brutal_purge,brutal_purge}}"));
  EXPECT_EQ(instruction_term("      - load: m\n        post_purge: soft_purge\n"),
            parse_term("{load,{m,brutal_purge,soft_purge}}"));
  EXPECT_EQ(instruction_term("      - remove: m\n        pre_purge: soft_purge\n"),
            parse_term("{remove,{m,soft_purge,brutal_purge}}"));
  EXPECT_EQ(instruction_term("      - purge: [a, b]\n"), parse_term("{purge,[a,b]}"));
  EXPECT_EQ(instruction_term("      - suspend: [a, {module: b, timeout: 300}]\n"), parse_term("{suspend,[a,{b,300}]}"));
  EXPECT_EQ(instruction_term("      - resume: [b, a]\n"), parse_term("{resume,[b,a]}"));
  EXPECT_EQ(instruction_term("      - code_change: [{module: a, extra: \"[]\"}]\n        mode: down\n"),
            parse_term("{code_change,down,[{a,[]}]}"));
  EXPECT_EQ(instruction_term("      - code_change: [{module: a, extra: \"x\"}]\n"),
            parse_term("{code_change,up,[{a,x}]}"));
  EXPECT_EQ(instruction_term("      - stop: [w]\n"), parse_term("{stop,[w]}"));
  EXPECT_EQ(instruction_term("      - start: [w]\n"), parse_term("{start,[w]}"));
  EXPECT_EQ(instruction_term("      - sync_nodes: \"id1\"\n        nodes: [a@h, b@h]\n"),
            parse_term("{sync_nodes,id1,['a@h','b@h']}"));
  EXPECT_EQ(instruction_term("      - sync_nodes: \"{my,id}\"\n        nodes_from: {module: m, function: nodes}\n"),
            parse_term("{sync_nodes,{my,id},{m,nodes,[]}}"));
}

TEST(AppupYaml, EmptyListsAndVersionsThatLookLikeNumbers) {
  auto spec = parse_appup("vsn: 1.10\nup: []\ndown:\n  - to: 1.9\n    instructions: []\n", "t.yaml");
  EXPECT_EQ(spec.vsn, "1.10");
  EXPECT_TRUE(spec.up.empty());
  ASSERT_EQ(spec.down.size(), 1u);
  EXPECT_TRUE(spec.down[0].version.matches("1.9"));
  EXPECT_FALSE(spec.down[0].version.matches("1.90"));
  EXPECT_TRUE(parse_appup("vsn: \"1\"\n", "t.yaml").down.empty());
}

// --- errors -------------------------------------------------------------------------------------

struct expected_error {
  std::size_t line;
  std::size_t column;
  std::string message;
};

expected_error error_of(const std::string& text) {
  try {
    parse_appup(text, "bad.yaml");
  } catch (const yaml_error& e) {
    EXPECT_EQ(e.file(), "bad.yaml");
    EXPECT_EQ(std::string(e.what()),
              "bad.yaml:" + std::to_string(e.line()) + ":" + std::to_string(e.column()) + ": " + e.message());
    return {e.line(), e.column(), e.message()};
  }
  ADD_FAILURE() << "no error for:\n" << text;
  return {};
}

#define EXPECT_YAML_ERROR(text, l, c, msg)      \
  do {                                          \
    auto e_ = error_of(text);                   \
    EXPECT_EQ(e_.line, l) << e_.message;        \
    EXPECT_EQ(e_.column, c) << e_.message;      \
    EXPECT_EQ(e_.message, msg) << "line " << l; \
  } while (0)

const std::string head = "vsn: \"2\"\nup:\n  - from: \"1\"\n    instructions:\n";  // 4 lines

TEST(AppupYamlErrors, YamlSyntax) {
  auto e = error_of("vsn: \"2\"\nup:\n  - from: \"1\"\n    instructions: [load_module: a\n");
  EXPECT_EQ(e.line, 5u);
  EXPECT_EQ(e.column, 1u);
  EXPECT_EQ(e.message, "end of sequence flow not found");
  e = error_of("vsn: \"2\"\n up: []\n");
  EXPECT_EQ(e.line, 2u);
  EXPECT_EQ(e.column, 2u);
  EXPECT_EQ(e.message, "end of map not found");
}

// Nesting past the YAML parser's depth limit is named as such (yaml-cpp itself says "bad file").
TEST(AppupYamlErrors, NestingPastTheParsersLimitIsNamed) {
  const auto e = error_of("vsn: " + std::string(5000, '[') + std::string(5000, ']') + "\n");
  EXPECT_EQ(e.line, 1u);
  EXPECT_EQ(e.message, "nested too deeply (past the YAML parser's depth limit)");
}

TEST(AppupYamlErrors, TopLevel) {
  EXPECT_YAML_ERROR("- vsn\n", 1u, 1u, "an appup must be a map with the keys vsn, up and down, got a list");
  EXPECT_YAML_ERROR("", 1u, 1u, "an appup must be a map with the keys vsn, up and down, got nothing");
  EXPECT_YAML_ERROR("up: []\n", 1u, 1u, "missing required key 'vsn' in the appup");
  EXPECT_YAML_ERROR("vsn: \"1\"\nupp: []\n", 2u, 1u, "unknown key 'upp' in the appup; expected vsn, up, down");
  EXPECT_YAML_ERROR("vsn: \"1\"\nvsn: \"2\"\n", 2u, 1u, "duplicate key 'vsn' in the appup");
  EXPECT_YAML_ERROR("vsn: [1]\n", 1u, 6u, "'vsn' must be a single value, got a list");
  EXPECT_YAML_ERROR("vsn: \"\"\n", 1u, 6u, "'vsn' must be a non-empty version string");
  EXPECT_YAML_ERROR("vsn: \"1\"\nup:\n  from: \"0\"\n", 3u, 3u,
                    "'up' must be a list of entries (- from: VSN, instructions: [...]), got a map");
}

TEST(AppupYamlErrors, Entries) {
  EXPECT_YAML_ERROR("vsn: \"2\"\nup:\n  - from: \"1\"\n", 3u, 5u,
                    "missing required key 'instructions' in an 'up' entry");
  EXPECT_YAML_ERROR("vsn: \"2\"\ndown:\n  - instructions: []\n", 3u, 5u,
                    "missing required key 'to' (an exact version) or 'to_regex' (a regular expression) in a 'down' "
                    "entry");
  EXPECT_YAML_ERROR("vsn: \"2\"\nup:\n  - from: \"1\"\n    from_regex: \"1\"\n    instructions: []\n", 4u, 5u,
                    "use either 'from' or 'from_regex' in an 'up' entry, not both");
  EXPECT_YAML_ERROR("vsn: \"2\"\nup:\n  - to: \"1\"\n    instructions: []\n", 3u, 5u,
                    "unknown key 'to' in an 'up' entry; expected from, from_regex, instructions");
  EXPECT_YAML_ERROR("vsn: \"2\"\nup:\n  - from: \"1\"\n    instructions: update\n", 4u, 19u,
                    "'instructions' must be a list, got 'update'");
  auto e = error_of("vsn: \"2\"\nup:\n  - from_regex: \"1\\\\.(0\"\n    instructions: []\n");
  EXPECT_EQ(e.line, 3u);
  EXPECT_EQ(e.column, 17u);
  EXPECT_EQ(e.message.rfind("'from_regex' is not a valid regular expression: ", 0), 0u) << e.message;
}

TEST(AppupYamlErrors, Instructions) {
  EXPECT_YAML_ERROR(head + "      - upgrade: counter\n", 5u, 9u,
                    "unknown instruction 'upgrade'; expected one of load_module, update, add_module, delete_module, "
                    "add_application, remove_application, restart_application, apply, load_object_code, "
                    "point_of_no_return, load, remove, purge, suspend, resume, code_change, stop, start, sync_nodes, "
                    "restart_new_emulator, restart_emulator");
  EXPECT_YAML_ERROR(head + "      - point_of_return\n", 5u, 9u,
                    "unknown instruction 'point_of_return'; expected one of load_module, update, add_module, "
                    "delete_module, add_application, remove_application, restart_application, apply, "
                    "load_object_code, point_of_no_return, load, remove, purge, suspend, resume, code_change, stop, "
                    "start, sync_nodes, restart_new_emulator, restart_emulator");
  EXPECT_YAML_ERROR(head + "      - update\n", 5u, 9u,
                    "instruction 'update' needs an argument: write it as '- update: ...'");
  EXPECT_YAML_ERROR(head + "      - [update, m]\n", 5u, 9u,
                    "an instruction must be a map such as '- update: my_module' or a plain word such as "
                    "'- point_of_no_return', got a list");
  EXPECT_YAML_ERROR(head + "      - update: counter\n        chnage: soft\n", 6u, 9u,
                    "unknown key 'chnage' in the 'update' instruction; expected update, change, mod_type, timeout, "
                    "pre_purge, post_purge, dep_mods, supervisor, mode");
  EXPECT_YAML_ERROR(head + "      - update: a\n        load_module: b\n", 6u, 9u,
                    "two instructions in one list item ('update' and 'load_module'); write each as its own '- ' item");
  EXPECT_YAML_ERROR(head + "      - update:\n", 5u, 9u, "'update' must be a module or application name, got nothing");
  EXPECT_YAML_ERROR(head + "      - update: a\n        update: b\n", 6u, 9u,
                    "duplicate key 'update' in the 'update' instruction");
  EXPECT_YAML_ERROR(head + "      - {}\n", 5u, 9u,
                    "an empty map is not an instruction; write e.g. '- update: my_module'");
  EXPECT_YAML_ERROR(head + "      - update: [a]\n", 5u, 17u,
                    "'update' must be a module or application name, got a list");
  EXPECT_YAML_ERROR(head + "      - point_of_no_return: now\n", 5u, 29u,
                    "'point_of_no_return' takes no value; write it as a plain list item: - point_of_no_return");
  EXPECT_YAML_ERROR(head + "      - load_object_code: app\n        modules: [a]\n", 5u, 9u,
                    "missing required key 'vsn' in the 'load_object_code' instruction");
}

TEST(AppupYamlErrors, WrongTypesAndValues) {
  EXPECT_YAML_ERROR(head + "      - update: counter\n        dep_mods: counter_store\n", 6u, 19u,
                    "'dep_mods' must be a list of names, e.g. [a, b], got 'counter_store'");
  EXPECT_YAML_ERROR(head + "      - update: counter\n        dep_mods: [a, [b]]\n", 6u, 23u,
                    "each entry of 'dep_mods' must be a module or application name, got a list");
  EXPECT_YAML_ERROR(head + "      - update: counter\n        pre_purge: gentle\n", 6u, 20u,
                    "'pre_purge' must be soft_purge or brutal_purge, got 'gentle'");
  EXPECT_YAML_ERROR(head + "      - load_module: counter\n        post_purge: [soft_purge]\n", 6u, 21u,
                    "'post_purge' must be soft_purge or brutal_purge, got a list");
  EXPECT_YAML_ERROR(head + "      - update: counter\n        timeout: -5\n", 6u, 18u,
                    "'timeout' must be default, infinity or a positive number of milliseconds, got '-5'");
  EXPECT_YAML_ERROR(head + "      - update: counter\n        timeout: 5s\n", 6u, 18u,
                    "'timeout' must be default, infinity or a positive number of milliseconds, got '5s'");
  EXPECT_YAML_ERROR(head + "      - update: counter\n        mod_type: dinamic\n", 6u, 19u,
                    "'mod_type' must be dynamic or static, got 'dinamic'");
  EXPECT_YAML_ERROR(head + "      - update: counter\n        change: hard\n", 6u, 17u,
                    "'change' must be soft or {advanced: \"Extra\"}, got 'hard'");
  EXPECT_YAML_ERROR(head + "      - update: counter\n        change: {advance: \"[]\"}\n", 6u, 18u,
                    "unknown key 'advance' in 'change'; expected advanced");
  EXPECT_YAML_ERROR(head + "      - update: counter\n        supervisor: yes\n", 6u, 21u,
                    "'supervisor' must be true or false, got 'yes'");
  EXPECT_YAML_ERROR(head + "      - update: sup\n        supervisor: true\n        change: soft\n", 7u, 9u,
                    "'supervisor: true' is {update, M, supervisor} and takes no 'change' (it means mod_type static, "
                    "change {advanced, []}, brutal purges)");
  EXPECT_YAML_ERROR(head + "      - add_application: extra\n        type: forever\n", 6u, 15u,
                    "'type' must be permanent, transient, temporary, load or none, got 'forever'");
  EXPECT_YAML_ERROR(head + "      - suspend: [{module: a, timeout: 0}]\n", 5u, 40u,
                    "'timeout' must be default, infinity or a positive number of milliseconds, got '0'");
  EXPECT_YAML_ERROR(head + "      - code_change: [{module: a}]\n", 5u, 23u,
                    "missing required key 'extra' in a 'code_change' entry");
  EXPECT_YAML_ERROR(head + "      - sync_nodes: \"id\"\n", 5u, 9u,
                    "missing required key 'nodes' (or 'nodes_from') in the 'sync_nodes' instruction");
}

// load_object_code's application and version name the directory its code comes from: they follow
// the file-name rule, so neither a path nor bytes that are not text get through (a fuzzer found a
// version of raw bytes that the instruction's Erlang text could not carry).
TEST(AppupYamlErrors, LoadObjectCodeNamesAreFileNames) {
  const auto path =
      error_of(head + "      - load_object_code: app\n        vsn: \"1/../../x\"\n        modules: [a]\n");
  EXPECT_NE(path.message.find("'vsn' must be a plain file name, got '1/../../x'"), std::string::npos) << path.message;
  const auto bytes =
      error_of(head + "      - load_object_code: app\n        vsn: \"1.\xff\xfe\"\n        modules: [a]\n");
  EXPECT_NE(bytes.message.find("it contains the byte 0xff"), std::string::npos) << bytes.message;
  const auto app = error_of(head + "      - load_object_code: \"../app\"\n        vsn: \"1\"\n        modules: [a]\n");
  EXPECT_NE(app.message.find("'load_object_code' must be a plain file name"), std::string::npos) << app.message;
}

TEST(AppupYamlErrors, ErlangTerms) {
  auto e = error_of(head + "      - update: counter\n        change: {advanced: \"{a,\"}\n");
  EXPECT_EQ(e.line, 6u);
  EXPECT_EQ(e.column, 28u);
  EXPECT_EQ(e.message.rfind("'advanced' is not a valid Erlang term: 1:4: ", 0), 0u) << e.message;
  EXPECT_YAML_ERROR(head + "      - update: counter\n        change: {advanced: [1]}\n", 6u, 28u,
                    "'advanced' must be an Erlang term written as a string, e.g. \"[]\" or \"{config, 1}\", got a "
                    "list");
  EXPECT_YAML_ERROR(head + "      - apply: {module: io, function: format, args: \"x\"}\n", 5u, 53u,
                    "'args' must be an Erlang list such as [a, 1], got x");
  e = error_of(head + "      - apply: {module: io, function: format, args: \"[X]\"}\n");
  EXPECT_EQ(e.line, 5u);
  EXPECT_EQ(e.column, 53u);
  EXPECT_EQ(e.message.rfind("'args' is not a valid Erlang term: 1:2: ", 0), 0u) << e.message;
  EXPECT_YAML_ERROR(head + "      - apply: {module: io, args: \"[]\"}\n", 5u, 16u,
                    "missing required key 'function' in 'apply' (module, function, args)");
}

TEST(AppupYamlErrors, UnreadableFile) {
  try {
    load_appup_file("/nonexistent/dir/x.appup.yaml");
    FAIL();
  } catch (const yaml_error& e) {
    EXPECT_EQ(e.line(), 0u);
    EXPECT_STREQ(e.what(), "/nonexistent/dir/x.appup.yaml: cannot open the file");
  }
}

}  // namespace
