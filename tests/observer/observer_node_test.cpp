// The observer's HTTP endpoints against real nodes (docs/observer.md): a node started by
// `otpctl start --observer-port 0` from a copy of the counter example, and `otpctl observer`
// serving another node over distribution. The tree JSON is otpctl status --json's, a crash shows
// as a restart, an install shows its steps, /metrics passes `promtool check metrics` and its
// message counters move when messages flow.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include "observer_test_support.hpp"

namespace {

using namespace otp_observer_test;
namespace json = boost::json;

// `status` with each pid's node part dropped: "<0.85.0>" and "<1.85.0>" become "<.85.0>". A pid's
// text names its node by the viewer's index for it (Erlang's notation): 0 on the node itself, 1 in
// otpctl, whose only connection is that node. Everything else must be equal.
json::value without_pid_nodes(json::value status) {
  std::function<void(json::value&)> walk = [&](json::value& v) {
    if (v.is_object()) {
      for (auto& [key, child] : v.as_object()) {
        if (key == "pid" && child.is_string() && child.as_string().starts_with("<")) {
          const std::string text(child.as_string());
          child = "<" + text.substr(text.find('.'));
        } else {
          walk(child);
        }
      }
    } else if (v.is_array()) {
      for (json::value& e : v.as_array()) walk(e);
    }
  };
  walk(status);
  return status;
}

// The counter worker of the status document's first application.
json::object counter_worker(const json::value& status) {
  return status.as_array().at(0).at("tree").at("children").as_array().at(0).as_object();
}

// The value of the sample whose name and labels are `series` (e.g. otp_processes or
// otp_release_installs_total{outcome="ok"}); -1 when absent.
double sample(const std::string& metrics, const std::string& series) {
  std::istringstream in(metrics);
  for (std::string line; std::getline(in, line);)
    if (line.starts_with(series + " ")) return std::stod(line.substr(series.size() + 1));
  return -1;
}

// promtool check metrics on `text`: its exit code and what it said. Fails the test (not skips)
// when promtool is missing: scripts/setup.sh installs Debian's prometheus package.
std::pair<int, std::string> promtool_check(const std::string& text) {
  temp_dir dir("promtool");
  const fs::path in = dir.path() / "metrics.txt";
  const fs::path said = dir.path() / "said.txt";
  std::ofstream(in) << text;
  const std::string command = "promtool check metrics < " + in.string() + " > " + said.string() + " 2>&1";
  const int status = std::system(command.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(said)};
}

TEST(ObserverNode, TheTreeJsonIsWhatOtpctlStatusJsonPrints) {
  counter_root root;
  observed_node node(root);
  ASSERT_NE(node.port(), 0);
  const outcome status = otpctl_on(node.name(), "status", {"--json"});
  ASSERT_EQ(status.code, 0) << status.err;
  const json::value served = get_json(node.port(), "/api/status");
  EXPECT_EQ(without_pid_nodes(served), without_pid_nodes(json::parse(status.out)));
  EXPECT_TRUE(counter_worker(served).at("pid").as_string().starts_with("<0.")) << served;
  EXPECT_TRUE(counter_worker(json::parse(status.out)).at("pid").as_string().starts_with("<1.")) << status.out;
  const json::object overview = get_json(node.port(), "/api/overview").as_object();
  EXPECT_EQ(overview.at("node").as_string(), node.name());
  EXPECT_EQ(overview.at("release").as_string(), "counter");
  EXPECT_EQ(overview.at("vsn").as_string(), "1.0.0");
}

TEST(ObserverNode, APageAndItsAssetsAreServedFromTheBinary) {
  counter_root root;
  observed_node node(root);
  const http_reply page = http_get(node.port(), "/");
  EXPECT_EQ(page.status, 200u);
  EXPECT_TRUE(page.content_type.starts_with("text/html")) << page.content_type;
  EXPECT_NE(page.body.find("<script src=\"observer.js\">"), std::string::npos);
  const http_reply script = http_get(node.port(), "/observer.js");
  EXPECT_EQ(script.status, 200u);
  EXPECT_NE(script.body.find("EventSource"), std::string::npos);
  EXPECT_EQ(http_get(node.port(), "/observer.css").status, 200u);
  EXPECT_EQ(http_get(node.port(), "/no-such-page").status, 404u);
}

TEST(ObserverNode, ACrashOfAChildShowsAsARestart) {
  counter_root root;
  observed_node node(root);
  const json::object before = counter_worker(get_json(node.port(), "/api/status"));
  EXPECT_EQ(before.at("restarts").to_number<int>(), 0);
  // {increment, x} is no number: the counter crashes and its supervisor restarts it.
  const outcome crash = otpctl_on(node.name(), "cast", {"counter", "{increment, x}"});
  ASSERT_EQ(crash.code, 0) << crash.err;
  json::object after;
  EXPECT_TRUE(eventually([&] {
    after = counter_worker(get_json(node.port(), "/api/status"));
    return after.at("restarts").to_number<int>() == 1;
  })) << json::serialize(after);
  EXPECT_NE(after.at("pid"), before.at("pid"));
  const std::string metrics = http_get(node.port(), "/metrics").body;
  EXPECT_EQ(
      sample(metrics,
             R"(otp_supervisor_child_restarts_total{application="counter",supervisor="counter",child="counter"})"),
      1)
      << metrics;
}

TEST(ObserverNode, MetricsPassPromtoolAndTheirMessageCountersMove) {
  counter_root root;
  observed_node node(root);
  const http_reply first = http_get(node.port(), "/metrics");
  ASSERT_EQ(first.status, 200u);
  EXPECT_TRUE(first.content_type.starts_with("text/plain; version=0.0.4")) << first.content_type;
  const auto [code, said] = promtool_check(first.body);
  EXPECT_EQ(code, 0) << "promtool check metrics said:\n" << said << "\non:\n" << first.body;
  EXPECT_GT(sample(first.body, "otp_processes"), 5);
  EXPECT_GE(sample(first.body, R"(otp_scheduler_run_queue_length{scheduler="0"})"), 0);
  EXPECT_EQ(sample(first.body, R"(otp_release_current_info{name="counter",vsn="1.0.0"})"), 1);
  EXPECT_EQ(sample(first.body, R"(otp_dist_connections{visibility="hidden"})"), 0);
  const double received = sample(first.body, "otp_messages_received_total");
  const double sent = sample(first.body, "otp_messages_sent_total");
  ASSERT_GT(received, 0);
  constexpr int increments = 20;
  for (int i = 0; i < increments; ++i) {
    const outcome r = otpctl_on(node.name(), "cast", {"counter", "{increment, 1}"});
    ASSERT_EQ(r.code, 0) << r.err;
  }
  const outcome get = otpctl_on(node.name(), "call", {"counter", "get"});
  ASSERT_EQ(get.code, 0) << get.err;
  EXPECT_EQ(get.out, std::to_string(increments) + "\n");
  const std::string second = http_get(node.port(), "/metrics").body;
  EXPECT_GE(sample(second, "otp_messages_received_total"), received + increments + 1);
  EXPECT_GT(sample(second, "otp_messages_sent_total"), sent);
  // The counter's own count of messages handled moved by at least as much.
  bool found = false;
  for (const json::value& p : get_array(node.port(), "/api/processes"))
    if (p.at("registered_name") == "counter") {
      found = true;
      EXPECT_GE(p.at("messages_received").to_number<int>(), increments + 1);
    }
  EXPECT_TRUE(found);
}

TEST(ObserverNode, ProcessesSortByQueueMemoryAndMessagesHandled) {
  counter_root root;
  observed_node node(root);
  for (const std::string key : {"message_queue_len", "memory", "messages_received"}) {
    const json::array all = get_array(node.port(), "/api/processes?sort=" + key);
    ASSERT_GT(all.size(), 5u);
    for (std::size_t i = 1; i < all.size(); ++i)
      EXPECT_GE(all[i - 1].at(key).to_number<std::int64_t>(), all[i].at(key).to_number<std::int64_t>()) << key;
  }
  EXPECT_EQ(get_array(node.port(), "/api/processes?sort=memory&limit=3").size(), 3u);
  const json::array apps = get_array(node.port(), "/api/applications");
  ASSERT_EQ(apps.size(), 1u);
  EXPECT_EQ(apps[0].at("name"), "counter");
  EXPECT_EQ(apps[0].at("type"), "permanent");
  EXPECT_EQ(apps[0].at("state"), "running");
}

TEST(ObserverNode, AnInstallShowsItsStepsTheReleasesAndTheHistory) {
  counter_root root;
  observed_node node(root);
  EXPECT_TRUE(get_json(node.port(), "/api/install").is_null());
  const outcome unpack = otpctl_on(node.name(), "unpack", {"--vsn", "1.1.0", example_counter_root().string()});
  ASSERT_EQ(unpack.code, 0) << unpack.err;
  // On a terminal otpctl relup prints each step as it is done.
  const outcome relup = otpctl({"relup", "--node", node.name(), "--cookie", cookie, "1.1.0"}, true);
  ASSERT_EQ(relup.code, 0) << relup.err;

  const json::object install = get_json(node.port(), "/api/install").as_object();
  EXPECT_EQ(install.at("state"), "ok");
  EXPECT_EQ(install.at("from_vsn"), "1.0.0");
  EXPECT_EQ(install.at("to_vsn"), "1.1.0");
  EXPECT_GE(install.at("longest_suspension_us").to_number<std::int64_t>(), 0);
  std::vector<std::string> steps;
  for (const json::value& s : install.at("steps").as_array()) steps.push_back(std::string(s.at("step").as_string()));
  // The steps otpctl relup printed, in its order (docs/otpctl.md's session).
  const std::vector<std::string> expected{"{load_object_code,{counter,\"1.1.0\",[counter]}}",
                                          "point_of_no_return",
                                          "{suspend,[counter]}",
                                          "{load,{counter,brutal_purge,brutal_purge}}",
                                          "{code_change,up,[{counter,[]}]}",
                                          "{resume,[counter]}"};
  EXPECT_EQ(steps, expected);
  for (const std::string& step : expected) EXPECT_NE(relup.out.find("step: " + step), std::string::npos) << step;

  std::map<std::string, std::string> statuses;
  for (const json::value& r : get_array(node.port(), "/api/releases"))
    statuses[std::string(r.at("vsn").as_string())] = std::string(r.at("status").as_string());
  EXPECT_EQ(statuses, (std::map<std::string, std::string>{{"1.0.0", "permanent"}, {"1.1.0", "current"}}));
  bool ended = false;
  for (const json::value& e : get_array(node.port(), "/api/history"))
    ended = ended || (e.at("kind") == "install_end" && e.at("outcome") == "ok" && e.at("vsn") == "1.1.0");
  EXPECT_TRUE(ended);

  const std::string metrics = http_get(node.port(), "/metrics").body;
  EXPECT_EQ(sample(metrics, R"(otp_release_installs_total{outcome="ok"})"), 1) << metrics;
  EXPECT_EQ(sample(metrics, "otp_release_install_duration_seconds_count"), 1);
  EXPECT_EQ(sample(metrics, R"(otp_release_current_info{name="counter",vsn="1.1.0"})"), 1);
  EXPECT_EQ(promtool_check(metrics).first, 0);
}

TEST(ObserverNode, TheConfigFileTurnsItOn) {
  counter_root root;
  const fs::path config = root.root() / "node.config.yaml";
  // docs/observer.md's entry, with port 0. Every value of a config file is an Erlang term: the
  // address is an Erlang string.
  std::ofstream(config) << "observer:\n  port: 0\n  bind: '\"127.0.0.1\"'\n";
  observed_node node(root, {"--config", config.string()});
  ASSERT_NE(node.port(), 0);
  EXPECT_EQ(http_get(node.port(), "/api/overview").status, 200u);
}

TEST(ObserverNode, ANodeWhoseObserverCannotListenDoesNotStart) {
  counter_root root_a;
  counter_root root_b;
  observed_node a(root_a);
  child_program b({OTP_OTPCTL, "start", "--name", unique_node(), "--root", root_b.root().string(), "--cookie", cookie,
                   "--observer-port", std::to_string(a.port())},
                  root_b.log());
  EXPECT_EQ(b.read_line(), "");  // neither an observer line nor a ready line: it ends
  EXPECT_EQ(b.stop(0), 1);       // signal 0: only waits for its exit
  EXPECT_NE(slurp(root_b.log()).find("cannot start the node's services"), std::string::npos) << slurp(root_b.log());
}

TEST(ObserverNode, ItIsOffByDefault) {
  counter_root root;
  observed_node node(root, {});
  EXPECT_EQ(node.port(), 0);  // no "observer at" line
  EXPECT_EQ(slurp(root.log()).find("observer at"), std::string::npos);
}

TEST(OtpctlObserver, ServesAnotherNodeOverDistributionUntilStopped) {
  counter_root root;
  observed_node node(root, {});
  child_program observer({OTP_OTPCTL, "observer", "--node", node.name(), "--cookie", cookie, "--port", "0"},
                         root.log());
  const std::string line = observer.read_line();
  ASSERT_TRUE(line.starts_with("observer of node " + node.name() + " at http://127.0.0.1:")) << line;
  const std::uint16_t port = port_in(line);
  const outcome status = otpctl_on(node.name(), "status", {"--json"});
  ASSERT_EQ(status.code, 0) << status.err;
  EXPECT_EQ(get_json(port, "/api/status"), json::parse(status.out));
  const std::string metrics = http_get(port, "/metrics").body;
  EXPECT_EQ(promtool_check(metrics).first, 0) << metrics;
  // otpctl observer itself is a hidden node of the observed one.
  EXPECT_EQ(sample(metrics, R"(otp_dist_connections{visibility="hidden"})"), 1);
  // ... whose connection has carried the calls that made these answers.
  const std::string otpctl_node = "otpctl_" + std::to_string(observer.pid()) + "@127.0.0.1";
  EXPECT_GT(sample(metrics, "otp_dist_received_bytes_total{node=\"" + otpctl_node + "\"}"), 0) << metrics;
  EXPECT_GT(sample(metrics, "otp_dist_sent_bytes_total{node=\"" + otpctl_node + "\"}"), 0) << metrics;
  EXPECT_EQ(observer.stop(SIGTERM), 0);
}

TEST(OtpctlObserver, EndsWhenTheNodeGoesDown) {
  counter_root root;
  observed_node node(root, {});
  child_program observer({OTP_OTPCTL, "observer", "--node", node.name(), "--cookie", cookie}, root.log());
  ASSERT_TRUE(observer.read_line().starts_with("observer of node "));
  EXPECT_EQ(node.program().stop(SIGTERM), 0);
  EXPECT_EQ(observer.stop(0), 1);  // signal 0: only waits for its exit
}

}  // namespace

namespace {

// The shell commands of docs/observer.md, run as written there but for the node's name, its root,
// the cookie file and the ports (0, a free one: a fixed port could be taken on a test machine).
std::pair<int, std::string> shell(const std::string& command) {
  temp_dir dir("shell");
  const fs::path said = dir.path() / "said";
  const int status = std::system((command + " > " + said.string() + " 2>&1").c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(said)};
}

// The guide's cookie file (shop.cookie in the root, its owner's only), as docs/observer.md makes it.
fs::path guide_cookie_file(const counter_root& root) {
  const fs::path cookie_file = root.root() / "shop.cookie";
  std::ofstream(cookie_file) << cookie << "\n";
  fs::permissions(cookie_file, fs::perms::owner_read | fs::perms::owner_write);
  return cookie_file;
}

// The guide's start line: otpctl start with the cookie file and an observer on a free port, and
// `extra` options.
std::vector<std::string> guide_start(const counter_root& root, const std::string& name, const fs::path& cookie_file,
                                     std::vector<std::string> extra = {}) {
  std::vector<std::string> args{
      OTP_OTPCTL,           "start",           "--name", name, "--root", root.root().string(), "--cookie-file",
      cookie_file.string(), "--observer-port", "0"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

TEST(ObserverDocs, TheCommandsOfTheGuide) {
  counter_root root;
  const fs::path cookie_file = guide_cookie_file(root);
  const std::string name = unique_node();
  child_program node(guide_start(root, name, cookie_file), root.log());
  const std::string observer_line = node.read_line();
  ASSERT_TRUE(observer_line.starts_with("observer at http://127.0.0.1:")) << observer_line << slurp(root.log());
  const std::uint16_t port = port_in(observer_line);
  EXPECT_EQ(node.read_line(), "node " + name + " is running release counter 1.0.0 (Ctrl-C or SIGTERM stops it)");
  const std::string url = "http://127.0.0.1:" + std::to_string(port);

  const auto [checked, said] = shell("curl -s " + url + "/metrics | promtool check metrics");
  EXPECT_EQ(checked, 0) << said;
  const auto [fetched, status] = shell("curl -s " + url + "/api/status");
  ASSERT_EQ(fetched, 0) << status;
  EXPECT_EQ(json::parse(status).at(0).at("tree").at("module"), "counter_sup") << status;

  child_program observer({OTP_OTPCTL, "observer", "--node", name, "--cookie-file", cookie_file.string(), "--port", "0"},
                         root.log());
  const std::string line = observer.read_line();
  EXPECT_TRUE(line.starts_with("observer of node " + name + " at http://127.0.0.1:")) << line;
  EXPECT_TRUE(line.ends_with("/ (Ctrl-C or SIGTERM stops it)")) << line;
  EXPECT_EQ(observer.stop(SIGINT), 0);
  EXPECT_EQ(node.stop(SIGINT), 0);
}

// The actions of the guide ("Actions"): the node started with --observer-actions, then the three
// curl commands with the cookie file's cookie as the token.
TEST(ObserverDocs, TheActionsOfTheGuide) {
  counter_root root;
  const fs::path cookie_file = guide_cookie_file(root);
  const std::string name = unique_node();
  child_program node(guide_start(root, name, cookie_file, {"--observer-actions"}), root.log());
  const std::uint16_t port = port_in(node.read_line());
  ASSERT_NE(port, 0) << slurp(root.log());
  ASSERT_TRUE(node.read_line().starts_with("node " + name + " is running"));
  ASSERT_EQ(otpctl_on(name, "unpack", {"--vsn", "1.1.0", example_counter_root().string()}).code, 0);
  const std::string url = "http://127.0.0.1:" + std::to_string(port);
  auto action = [&](const std::string& body, const std::string& route) {
    const auto [code, said] = shell("curl -s -H \"Authorization: Bearer $(cat " + cookie_file.string() + ")\" -d '" +
                                    body + "' " + url + "/api/actions/" + route);
    EXPECT_EQ(code, 0) << said;
    return json::parse(said);
  };

  const json::value restarted = action(R"({"supervisor":"counter_sup","child":"counter"})", "restart_child");
  EXPECT_EQ(restarted.at("child"), "counter") << restarted;
  EXPECT_NE(restarted.at("pid"), restarted.at("old_pid"));
  const json::value up = action(R"({"vsn":"1.1.0"})", "relup");
  EXPECT_EQ(up.at("direction"), "up") << up;
  EXPECT_EQ(up.at("from_vsn"), "1.0.0");
  const json::value down = action("{}", "rollback");
  EXPECT_EQ(down.at("direction"), "down") << down;
  EXPECT_EQ(down.at("vsn"), "1.0.0");
  EXPECT_EQ(down.at("permanent"), true);
  EXPECT_EQ(node.stop(SIGINT), 0);
}

}  // namespace
