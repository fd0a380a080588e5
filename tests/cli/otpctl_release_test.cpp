// otpctl's release commands against a real node booted from release 1.0.0 of the counter example:
// releases, unpack (1.1.0 from the example's root), relup (dry run, progress on a terminal, the real
// upgrade, with the counter's sum surviving and `reset` working), permanent, rollback, remove and
// history, in text and JSON, with their exit codes.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <string>
#include <vector>

#include "node_test_support.hpp"

namespace {

using namespace otpctl_node_test;
namespace json = boost::json;

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// {vsn: status} of `otpctl releases --json`.
std::vector<std::pair<std::string, std::string>> releases_of(const test_node& node) {
  const outcome r = otpctl_at(node, "releases", {"--json"});
  EXPECT_EQ(r.code, 0) << r.err;
  std::vector<std::pair<std::string, std::string>> out;
  const json::value listed = json::parse(r.out);
  for (const json::value& v : listed.as_array())
    out.emplace_back(std::string(v.at("vsn").as_string()), std::string(v.at("status").as_string()));
  return out;
}

using releases = std::vector<std::pair<std::string, std::string>>;

// A node running 1.0.0 with 1.1.0 unpacked.
void unpack_1_1_0(const test_node& node) {
  const outcome r = otpctl_at(node, "unpack", {"--vsn", "1.1.0", example_counter_root().string()});
  ASSERT_EQ(r.code, 0) << r.err;
  ASSERT_EQ(r.out, "unpacked release 1.1.0 on node " + node.name() + "\n");
}

TEST(OtpctlRelease, ReleasesListsThePermanentReleaseAsTextAndJson) {
  counter_root root;
  test_node node(root);
  const outcome text = otpctl_at(node, "releases");
  ASSERT_EQ(text.code, 0) << text.err;
  EXPECT_EQ(text.out, "NAME     VSN    STATUS\ncounter  1.0.0  permanent\n");
  const outcome as_json = otpctl_at(node, "releases", {"--json"});
  ASSERT_EQ(as_json.code, 0) << as_json.err;
  EXPECT_EQ(json::parse(as_json.out),
            json::parse(R"([{"name":"counter","vsn":"1.0.0","status":"permanent","applications":["counter-1.0.0"]}])"));
}

TEST(OtpctlRelease, UnpackSendsAReleaseOnceAndNamesWhatItCannotSend) {
  counter_root root;
  test_node node(root);
  unpack_1_1_0(node);
  EXPECT_EQ(releases_of(node), (releases{{"1.1.0", "unpacked"}, {"1.0.0", "permanent"}}));
  EXPECT_TRUE(fs::exists(root.root() / "lib" / "counter-1.1.0" / "counter.appup.yaml"));

  const outcome again = otpctl_at(node, "unpack", {"--vsn", "1.1.0", example_counter_root().string()});
  EXPECT_EQ(again.code, 1);
  EXPECT_EQ(again.err, "otpctl unpack: release 1.1.0 is already unpacked on node " + node.name() + "\n");

  const outcome unknown = otpctl_at(node, "unpack", {"--vsn", "9.9.9", example_counter_root().string()});
  EXPECT_EQ(unknown.code, 1);
  EXPECT_EQ(unknown.err,
            "otpctl unpack: " + example_counter_root().string() + " holds no release 9.9.9 (it holds 1.0.0, 1.1.0)\n");

  const outcome nothing = otpctl_at(node, "unpack", {"/nonexistent/root"});
  EXPECT_EQ(nothing.code, 1);
  EXPECT_EQ(nothing.err, "otpctl unpack: /nonexistent/root: neither a release archive nor a release root directory\n");
}

// A release whose application directory is a link out of its root is not sent; one whose
// application lists a module named ../x is refused by the node before it writes anything.
TEST(OtpctlRelease, UnpackRefusesAReleaseThatLeadsOutOfItsRoot) {
  counter_root root;
  test_node node(root);
  temp_dir crafted("crafted");
  const fs::path source = crafted.path() / "root";
  fs::create_directories(source / "releases");
  fs::create_directories(source / "lib");
  fs::copy(example_counter_root() / "releases" / "1.1.0", source / "releases" / "1.1.0", fs::copy_options::recursive);
  fs::copy(example_counter_root() / "lib" / "counter-1.1.0", crafted.path() / "elsewhere", fs::copy_options::recursive);
  fs::create_directory_symlink(crafted.path() / "elsewhere", source / "lib" / "counter-1.1.0");
  const outcome linked = otpctl_at(node, "unpack", {source.string()});
  EXPECT_EQ(linked.code, 1);
  EXPECT_EQ(linked.err, "otpctl unpack: release 1.1.0 of " + source.string() + " is not complete:\n  " +
                            (source / "lib" / "counter-1.1.0").string() +
                            ": is a symbolic link; the files and directories of a release root must not be links\n");

  fs::remove(source / "lib" / "counter-1.1.0");
  fs::rename(crafted.path() / "elsewhere", source / "lib" / "counter-1.1.0");
  const fs::path app = source / "lib" / "counter-1.1.0" / "counter.app.yaml";
  std::string text = slurp(app);
  const auto modules = text.find("modules: [");
  ASSERT_NE(modules, std::string::npos) << text;
  text.insert(modules + 10, "\"../../../../tmp/evil\", ");
  std::ofstream(app, std::ios::trunc) << text;
  const outcome escaping = otpctl_at(node, "unpack", {source.string()});
  EXPECT_EQ(escaping.code, 1);
  EXPECT_NE(escaping.err.find("each entry of 'modules' must be a plain file name, got '../../../../tmp/evil'"),
            std::string::npos)
      << escaping.err;
  EXPECT_FALSE(fs::exists(root.root() / "releases" / "1.1.0")) << "nothing written";
  EXPECT_FALSE(fs::exists(root.root() / "lib" / "counter-1.1.0"));
  EXPECT_EQ(releases_of(node), (releases{{"1.0.0", "permanent"}}));
}

TEST(OtpctlRelease, RelupDryRunPrintsTheScriptAndChangesNothing) {
  counter_root root;
  test_node node(root);
  unpack_1_1_0(node);
  const outcome dry = otpctl_at(node, "relup", {"1.1.0", "--dry-run"});
  ASSERT_EQ(dry.code, 0) << dry.err;
  EXPECT_TRUE(dry.out.starts_with("node " + node.name() +
                                  ": upgrade from 1.0.0 to 1.1.0 would run (dry run: nothing changed):\n"))
      << dry.out;
  EXPECT_TRUE(contains(dry.out, "counter")) << dry.out;
  EXPECT_GT(lines(dry.out).size(), 2u) << dry.out;
  const outcome as_json = otpctl_at(node, "relup", {"1.1.0", "--dry-run", "--json"});
  ASSERT_EQ(as_json.code, 0) << as_json.err;
  const json::value v = json::parse(as_json.out);
  EXPECT_EQ(v.at("from_vsn").as_string(), "1.0.0");
  EXPECT_EQ(v.at("direction").as_string(), "up");
  EXPECT_EQ(v.at("script").as_string(), dry.out.substr(dry.out.find('\n') + 1));
  EXPECT_EQ(releases_of(node), (releases{{"1.1.0", "unpacked"}, {"1.0.0", "permanent"}}));
  const json::value history = json::parse(otpctl_at(node, "history", {"--json"}).out);
  for (const json::value& e : history.as_array())
    EXPECT_NE(e.at("kind").as_string(), "install_start") << "a dry run installs nothing";

  const outcome unknown = otpctl_at(node, "relup", {"2.0.0", "--dry-run"});
  EXPECT_EQ(unknown.code, 1);
  EXPECT_EQ(unknown.err, "otpctl relup: no release 2.0.0 on node " + node.name() + "\n");
}

TEST(OtpctlRelease, RelupUpgradesTheRunningCounterAndItsSumSurvives) {
  counter_root root;
  test_node node(root);
  ASSERT_EQ(otpctl_at(node, "cast", {"counter", "{increment, 5}"}).code, 0);
  ASSERT_EQ(otpctl_at(node, "cast", {"counter", "{increment, 37}"}).code, 0);
  EXPECT_EQ(otpctl_at(node, "call", {"counter", "reset"}).out, "{error,{unknown_call,reset}}\n") << "1.0.0";
  unpack_1_1_0(node);

  const outcome up = otpctl_at(node, "relup", {"1.1.0"});
  ASSERT_EQ(up.code, 0) << up.err;
  const std::vector<std::string> l = lines(up.out);
  ASSERT_EQ(l.size(), 2u) << up.out << " (no progress lines: stdout is not a terminal)";
  EXPECT_TRUE(l[0].starts_with("node " + node.name() + ": upgraded from 1.0.0 to 1.1.0 in ")) << l[0];
  EXPECT_NE(l[0].find(" ms (1 module changed, 1 process migrated; longest pause of any process "), std::string::npos)
      << l[0];
  EXPECT_TRUE(l[0].ends_with("s)")) << l[0];
  EXPECT_EQ(l[1], "release 1.1.0 runs until the node restarts; 'otpctl permanent 1.1.0' makes it stay");
  EXPECT_EQ(releases_of(node), (releases{{"1.1.0", "current"}, {"1.0.0", "permanent"}}));

  EXPECT_EQ(otpctl_at(node, "call", {"counter", "get"}).out, "42\n") << "the sum survived the upgrade";
  const outcome reset = otpctl_at(node, "call", {"counter", "reset"});
  EXPECT_EQ(reset.code, 0) << reset.err;
  EXPECT_EQ(reset.out, "ok\n");
  EXPECT_EQ(otpctl_at(node, "call", {"counter", "get"}).out, "0\n");

  const outcome again = otpctl_at(node, "relup", {"1.1.0"});
  EXPECT_EQ(again.code, 1);
  EXPECT_EQ(again.err, "otpctl relup: release 1.1.0 is already the one running on node " + node.name() + "\n");
}

TEST(OtpctlRelease, RelupOnATerminalPrintsAProgressLinePerStep) {
  counter_root root;
  test_node node(root);
  unpack_1_1_0(node);
  const outcome up = otpctl_at(node, "relup", {"1.1.0"}, /*on_tty=*/true);
  ASSERT_EQ(up.code, 0) << up.err;
  const std::vector<std::string> l = lines(up.out);
  std::size_t steps = 0;
  while (steps < l.size() && l[steps].starts_with("  step: ")) ++steps;
  EXPECT_GE(steps, 3u) << up.out;
  ASSERT_EQ(l.size(), steps + 2) << up.out;
  EXPECT_TRUE(l[steps].starts_with("node " + node.name() + ": upgraded from 1.0.0 to 1.1.0 in ")) << up.out;
  bool suspended_the_counter = false;
  for (std::size_t i = 0; i < steps; ++i)
    suspended_the_counter = suspended_the_counter || (contains(l[i], "suspend") && contains(l[i], "[<"));
  EXPECT_TRUE(suspended_the_counter) << up.out;
}

TEST(OtpctlRelease, RelupJsonReportsTheInstall) {
  counter_root root;
  test_node node(root);
  unpack_1_1_0(node);
  const outcome up = otpctl_at(node, "relup", {"1.1.0", "--json"});
  ASSERT_EQ(up.code, 0) << up.err;
  const json::value v = json::parse(up.out);
  EXPECT_EQ(v.at("node").as_string(), node.name());
  EXPECT_EQ(v.at("vsn").as_string(), "1.1.0");
  EXPECT_EQ(v.at("from_vsn").as_string(), "1.0.0");
  EXPECT_EQ(v.at("direction").as_string(), "up");
  EXPECT_EQ(v.at("modules_changed").to_number<int>(), 1);
  EXPECT_EQ(v.at("processes_migrated").to_number<int>(), 1);
  EXPECT_GE(v.at("longest_pause_us").to_number<int>(), 0);
  EXPECT_GE(v.at("duration_ms").to_number<int>(), 0);
  EXPECT_FALSE(v.at("permanent").as_bool());
}

TEST(OtpctlRelease, RollbackReturnsToThePermanentReleaseWithTheStateMigratedDown) {
  counter_root root;
  test_node node(root);
  ASSERT_EQ(otpctl_at(node, "cast", {"counter", "{increment, 7}"}).code, 0);
  const outcome nothing_yet = otpctl_at(node, "rollback");
  EXPECT_EQ(nothing_yet.code, 1);
  EXPECT_EQ(nothing_yet.err,
            "otpctl rollback: release 1.0.0 is already running on node " + node.name() + ": nothing to roll back\n");
  unpack_1_1_0(node);
  ASSERT_EQ(otpctl_at(node, "relup", {"1.1.0"}).code, 0);
  ASSERT_EQ(otpctl_at(node, "cast", {"counter", "{increment, 3}"}).code, 0);

  const outcome unknown = otpctl_at(node, "rollback", {"0.9.0"});
  EXPECT_EQ(unknown.code, 1);
  EXPECT_EQ(unknown.err, "otpctl rollback: no release 0.9.0 on node " + node.name() + "\n");

  const outcome back = otpctl_at(node, "rollback");
  ASSERT_EQ(back.code, 0) << back.err;
  EXPECT_TRUE(back.out.starts_with("node " + node.name() + ": downgraded from 1.1.0 to 1.0.0 in ")) << back.out;
  EXPECT_EQ(lines(back.out).size(), 1u) << back.out << " (1.0.0 is permanent: no hint)";
  EXPECT_EQ(otpctl_at(node, "call", {"counter", "get"}).out, "10\n") << "the sum survived the downgrade";
  EXPECT_EQ(otpctl_at(node, "call", {"counter", "reset"}).out, "{error,{unknown_call,reset}}\n");
  EXPECT_EQ(releases_of(node), (releases{{"1.1.0", "old"}, {"1.0.0", "permanent"}}));

  const outcome again = otpctl_at(node, "rollback", {"1.0.0"});
  EXPECT_EQ(again.code, 1);
  EXPECT_TRUE(contains(again.err, "release 1.0.0 is already running")) << again.err;
}

TEST(OtpctlRelease, PermanentAndRemoveChangeWhatTheNodeKeeps) {
  counter_root root;
  test_node node(root);
  unpack_1_1_0(node);
  const outcome too_early = otpctl_at(node, "permanent", {"1.1.0"});
  EXPECT_EQ(too_early.code, 1);
  EXPECT_EQ(too_early.err, "otpctl permanent: the release is unpacked on node " + node.name() +
                               ": only an installed (current) release can be made permanent\n");
  ASSERT_EQ(otpctl_at(node, "relup", {"1.1.0"}).code, 0);
  const outcome running = otpctl_at(node, "remove", {"1.1.0"});
  EXPECT_EQ(running.code, 1);
  EXPECT_EQ(running.err, "otpctl remove: release 1.1.0 is running on node " + node.name() + ": it cannot be removed\n");

  const outcome permanent = otpctl_at(node, "permanent", {"1.1.0"});
  ASSERT_EQ(permanent.code, 0) << permanent.err;
  EXPECT_EQ(permanent.out, "release 1.1.0 is permanent on node " + node.name() + "\n");
  EXPECT_EQ(releases_of(node), (releases{{"1.1.0", "permanent"}, {"1.0.0", "old"}}));
  const outcome unknown = otpctl_at(node, "permanent", {"9.9.9"});
  EXPECT_EQ(unknown.code, 1);
  EXPECT_EQ(unknown.err, "otpctl permanent: no release 9.9.9 on node " + node.name() + "\n");

  const outcome keep = otpctl_at(node, "remove", {"1.1.0"});
  EXPECT_EQ(keep.code, 1);
  EXPECT_EQ(keep.err, "otpctl remove: release 1.1.0 is the permanent release on node " + node.name() +
                          ": it cannot be removed\n");
  const outcome removed = otpctl_at(node, "remove", {"1.0.0"});
  ASSERT_EQ(removed.code, 0) << removed.err;
  EXPECT_EQ(removed.out, "removed release 1.0.0 from node " + node.name() + "\n");
  EXPECT_EQ(releases_of(node), (releases{{"1.1.0", "permanent"}}));
  EXPECT_FALSE(fs::exists(root.root() / "releases" / "1.0.0"));
  EXPECT_EQ(otpctl_at(node, "remove", {"1.0.0"}).code, 1);
}

TEST(OtpctlRelease, HistoryListsTheEventsAsATableAndJson) {
  counter_root root;
  test_node node(root);
  unpack_1_1_0(node);
  ASSERT_EQ(otpctl_at(node, "relup", {"1.1.0"}).code, 0);
  const outcome text = otpctl_at(node, "history");
  ASSERT_EQ(text.code, 0) << text.err;
  const std::vector<std::string> l = lines(text.out);
  ASSERT_GE(l.size(), 5u) << text.out;
  EXPECT_TRUE(l[0].starts_with("ID  AT")) << l[0];
  EXPECT_TRUE(contains(l[0], "KIND")) << l[0];
  EXPECT_TRUE(contains(l[0], "OUTCOME  DETAILS")) << l[0];
  const std::string& last = l.back();
  EXPECT_TRUE(contains(last, "install_end")) << last;
  EXPECT_TRUE(contains(last, "1.1.0")) << last;
  EXPECT_TRUE(contains(last, "1.0.0")) << last;
  EXPECT_TRUE(contains(last, " ok ")) << last;
  EXPECT_TRUE(contains(last, "1 module changed, 1 process migrated, longest pause ")) << last;
  EXPECT_TRUE(last.ends_with(" µs")) << last << " (an install in OTP's order rolls no module)";

  const outcome as_json = otpctl_at(node, "history", {"--json"});
  ASSERT_EQ(as_json.code, 0) << as_json.err;
  const json::array events = json::parse(as_json.out).as_array();
  ASSERT_EQ(events.size(), l.size() - 1);
  std::vector<std::string> kinds;
  for (const json::value& e : events) kinds.emplace_back(e.at("kind").as_string());
  EXPECT_EQ(std::vector<std::string>(kinds.end() - 3, kinds.end()),
            (std::vector<std::string>{"unpack", "install_start", "install_end"}));
  const json::object& end = events.back().as_object();
  EXPECT_EQ(end.at("vsn").as_string(), "1.1.0");
  EXPECT_EQ(end.at("from_vsn").as_string(), "1.0.0");
  EXPECT_EQ(end.at("outcome").as_string(), "ok");
  EXPECT_EQ(end.at("processes_migrated").to_number<int>(), 1);
  EXPECT_GE(end.at("longest_pause_us").to_number<int>(), 0);
  EXPECT_FALSE(end.contains("rolling_modules"));

  const outcome limited = otpctl_at(node, "history", {"--limit", "2", "--json"});
  ASSERT_EQ(limited.code, 0) << limited.err;
  const json::array two = json::parse(limited.out).as_array();
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two[1], events.back());
}

}  // namespace
