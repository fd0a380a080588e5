// The observer's actions against real nodes (docs/observer.md, "Actions"): off unless enabled
// (403 and the node unchanged), then only with the token (401 and the node unchanged), and with it
// a child restarted (a new pid, in /api/status too), a release installed and rolled back; bodies
// that are not what an action takes are 400, and requests over the server's limits 413 and 431.
// The same actions from `otpctl observer --actions` on another node.
#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "observer_test_support.hpp"

namespace {

using namespace otp_observer_test;
namespace json = boost::json;

const std::string bearer_cookie = "Bearer " + std::string(cookie);

// The counter worker and its supervisor in the status document's first application.
json::object counter_supervisor(std::uint16_t port) {
  return get_json(port, "/api/status").as_array().at(0).at("tree").as_object();
}
std::string counter_pid(std::uint16_t port) {
  return std::string(counter_supervisor(port).at("children").as_array().at(0).at("pid").as_string());
}

std::map<std::string, std::string> release_statuses(std::uint16_t port) {
  std::map<std::string, std::string> statuses;
  for (const json::value& r : get_array(port, "/api/releases"))
    statuses[std::string(r.at("vsn").as_string())] = std::string(r.at("status").as_string());
  return statuses;
}

std::string restart_body(std::uint16_t port) {
  return json::serialize(json::object{{"supervisor", counter_supervisor(port).at("pid")}, {"child", "counter"}});
}

std::string error_of(const http_reply& r) { return std::string(json::parse(r.body).at("error").as_string()); }

TEST(ObserverActions, OffByDefaultEveryActionIs403AndTheNodeIsUnchanged) {
  counter_root root;
  observed_node node(root);
  ASSERT_EQ(otpctl_on(node.name(), "unpack", {"--vsn", "1.1.0", example_counter_root().string()}).code, 0);
  EXPECT_EQ(get_json(node.port(), "/api/actions"), json::parse(R"({"enabled":false,"token_is_cookie":true})"));
  const std::string pid = counter_pid(node.port());
  const std::map<std::string, std::string> statuses = release_statuses(node.port());
  for (const auto& [route, body] : std::map<std::string, std::string>{
           {"relup", R"({"vsn":"1.1.0"})"}, {"rollback", "{}"}, {"restart_child", restart_body(node.port())}}) {
    const http_reply r = http_post(node.port(), "/api/actions/" + route, body, bearer_cookie);
    EXPECT_EQ(r.status, 403u) << route << ": " << r.body;
    EXPECT_NE(r.body.find("--observer-actions"), std::string::npos) << r.body;
  }
  EXPECT_EQ(counter_pid(node.port()), pid);
  EXPECT_EQ(release_statuses(node.port()), statuses);
  EXPECT_EQ(statuses.at("1.1.0"), "unpacked");
}

TEST(ObserverActions, WithoutTheTokenOrWithAWrongOneEveryActionIs401AndTheNodeIsUnchanged) {
  counter_root root;
  observed_node node(root, {"--observer-port", "0", "--observer-actions"});
  ASSERT_EQ(otpctl_on(node.name(), "unpack", {"--vsn", "1.1.0", example_counter_root().string()}).code, 0);
  const http_reply said = http_get(node.port(), "/api/actions");
  EXPECT_EQ(json::parse(said.body), json::parse(R"({"enabled":true,"token_is_cookie":true})"));
  EXPECT_EQ(said.body.find(cookie), std::string::npos);
  const std::string pid = counter_pid(node.port());
  const std::map<std::string, std::string> statuses = release_statuses(node.port());
  for (const std::string& authorization :
       std::vector<std::string>{"", "Bearer wrong", bearer_cookie + "x", "Basic " + std::string(cookie), cookie})
    for (const auto& [route, body] : std::map<std::string, std::string>{
             {"relup", R"({"vsn":"1.1.0"})"}, {"rollback", "{}"}, {"restart_child", restart_body(node.port())}}) {
      const http_reply r = http_post(node.port(), "/api/actions/" + route, body, authorization);
      EXPECT_EQ(r.status, 401u) << route << " with '" << authorization << "': " << r.body;
      EXPECT_NE(error_of(r).find("Authorization: Bearer"), std::string::npos) << r.body;
    }
  EXPECT_EQ(counter_pid(node.port()), pid);
  EXPECT_EQ(release_statuses(node.port()), statuses);
}

TEST(ObserverActions, RestartChildGivesTheChildANewPidThatTheStatusShows) {
  counter_root root;
  observed_node node(root, {"--observer-port", "0", "--observer-actions", "--observer-token", "s3cret-token"});
  // A token given on the command line is as secret as a cookie: gone from the command line.
  EXPECT_EQ(slurp("/proc/" + std::to_string(node.program().pid()) + "/cmdline").find("s3cret-token"),
            std::string::npos);
  EXPECT_EQ(get_json(node.port(), "/api/actions").at("token_is_cookie"), false);
  // With a token given, the cookie is not it.
  EXPECT_EQ(http_post(node.port(), "/api/actions/restart_child", restart_body(node.port()), bearer_cookie).status,
            401u);

  const std::string before = counter_pid(node.port());
  const http_reply r =
      http_post(node.port(), "/api/actions/restart_child", restart_body(node.port()), "Bearer s3cret-token");
  ASSERT_EQ(r.status, 200u) << r.body;
  const json::object restarted = json::parse(r.body).as_object();
  EXPECT_EQ(restarted.at("old_pid"), before.c_str());
  EXPECT_EQ(restarted.at("child"), "counter");
  EXPECT_NE(restarted.at("pid"), before.c_str());
  EXPECT_EQ(counter_pid(node.port()), restarted.at("pid").as_string());
  // A restart asked for is not a restart after an exit: the count stays.
  EXPECT_EQ(counter_supervisor(node.port()).at("children").as_array().at(0).at("restarts"), 0);
  // The restarted counter serves.
  const outcome value = otpctl_on(node.name(), "call", {"counter", "get"});
  EXPECT_EQ(value.code, 0) << value.err;

  // The supervisor by its registered name.
  const http_reply by_name = http_post(node.port(), "/api/actions/restart_child",
                                       R"({"supervisor":"counter_sup","child":"counter"})", "Bearer s3cret-token");
  ASSERT_EQ(by_name.status, 200u) << by_name.body;
  EXPECT_EQ(counter_pid(node.port()), json::parse(by_name.body).at("pid").as_string());

  // What the node's trees lack.
  const std::string worker = counter_pid(node.port());
  for (const auto& [body, why] : std::map<std::string, std::string>{
           {R"({"supervisor":"counter_sup","child":"nobody"})", "has no child nobody"},
           {R"({"supervisor":"no_such_name","child":"counter"})", "no process is registered as no_such_name"},
           {R"({"supervisor":")" + worker + R"(","child":"counter"})", "no supervisor " + worker}}) {
    const http_reply missing = http_post(node.port(), "/api/actions/restart_child", body, "Bearer s3cret-token");
    EXPECT_EQ(missing.status, 404u) << body << ": " << missing.body;
    EXPECT_NE(error_of(missing).find(why), std::string::npos) << missing.body;
  }
  EXPECT_EQ(counter_pid(node.port()), worker);
}

TEST(ObserverActions, RelupInstallsAReleaseAndRollbackGoesBack) {
  counter_root root;
  observed_node node(root, {"--observer-port", "0", "--observer-actions"});
  ASSERT_EQ(otpctl_on(node.name(), "unpack", {"--vsn", "1.1.0", example_counter_root().string()}).code, 0);

  const http_reply up = http_post(node.port(), "/api/actions/relup", R"({"vsn":"1.1.0"})", bearer_cookie);
  ASSERT_EQ(up.status, 200u) << up.body;
  const json::object installed = json::parse(up.body).as_object();
  EXPECT_EQ(installed.at("node"), node.name().c_str());
  EXPECT_EQ(installed.at("vsn"), "1.1.0");
  EXPECT_EQ(installed.at("from_vsn"), "1.0.0");
  EXPECT_EQ(installed.at("direction"), "up");
  EXPECT_EQ(installed.at("processes_migrated"), 1);
  EXPECT_GE(installed.at("longest_pause_us").to_number<std::int64_t>(), 0);
  EXPECT_EQ(installed.at("permanent"), false);
  EXPECT_EQ(release_statuses(node.port()),
            (std::map<std::string, std::string>{{"1.0.0", "permanent"}, {"1.1.0", "current"}}));
  EXPECT_EQ(get_json(node.port(), "/api/install").at("state"), "ok");

  // Refusals are worded as otpctl words them.
  const http_reply again = http_post(node.port(), "/api/actions/relup", R"({"vsn":"1.1.0"})", bearer_cookie);
  EXPECT_EQ(again.status, 409u) << again.body;
  EXPECT_EQ(error_of(again), "release 1.1.0 is already the one running on node " + node.name());
  const http_reply unknown = http_post(node.port(), "/api/actions/relup", R"({"vsn":"9.9.9"})", bearer_cookie);
  EXPECT_EQ(unknown.status, 409u) << unknown.body;
  EXPECT_EQ(error_of(unknown), "no release 9.9.9 on node " + node.name());

  const http_reply back = http_post(node.port(), "/api/actions/rollback", "{}", bearer_cookie);
  ASSERT_EQ(back.status, 200u) << back.body;
  const json::object rolled = json::parse(back.body).as_object();
  EXPECT_EQ(rolled.at("vsn"), "1.0.0");
  EXPECT_EQ(rolled.at("from_vsn"), "1.1.0");
  EXPECT_EQ(rolled.at("direction"), "down");
  EXPECT_EQ(rolled.at("permanent"), true);
  EXPECT_EQ(get_json(node.port(), "/api/overview").at("vsn"), "1.0.0");
  const http_reply nothing = http_post(node.port(), "/api/actions/rollback", "", bearer_cookie);
  EXPECT_EQ(nothing.status, 409u) << nothing.body;
  EXPECT_EQ(error_of(nothing), "release 1.0.0 is already running on node " + node.name() + ": nothing to roll back");
  const http_reply named = http_post(node.port(), "/api/actions/rollback", R"({"vsn":"0.9.0"})", bearer_cookie);
  EXPECT_EQ(named.status, 409u) << named.body;
  EXPECT_EQ(error_of(named), "no release 0.9.0 on node " + node.name());
}

TEST(ObserverActions, ABodyThatIsNotWhatTheActionTakesIs400AndNamesWhatIsWrong) {
  counter_root root;
  observed_node node(root, {"--observer-port", "0", "--observer-actions"});
  const std::string pid = counter_pid(node.port());
  struct bad {
    std::string route, body, said;
  };
  for (const bad& b : {bad{"relup", "{\"vsn\":", "the body is not JSON"},
                       bad{"relup", "[\"1.1.0\"]", "the body must be a JSON object"},
                       bad{"relup", "{}", "\"vsn\" (a string: the release to install) is missing"},
                       bad{"relup", R"({"vsn":110})", "\"vsn\""}, bad{"rollback", R"({"vsn":null})", "\"vsn\""},
                       bad{"restart_child", R"({"child":"counter"})", "\"supervisor\""},
                       bad{"restart_child", R"({"supervisor":"counter_sup"})", "\"child\""}}) {
    const http_reply r = http_post(node.port(), "/api/actions/" + b.route, b.body, bearer_cookie);
    EXPECT_EQ(r.status, 400u) << b.route << " " << b.body << ": " << r.body;
    EXPECT_NE(error_of(r).find(b.said), std::string::npos) << b.body << ": " << r.body;
  }
  EXPECT_EQ(counter_pid(node.port()), pid);
  // Each route takes its own method.
  EXPECT_EQ(http_get(node.port(), "/api/actions/relup").status, 405u);
  EXPECT_EQ(http_post(node.port(), "/api/status", "{}", bearer_cookie).status, 405u);
  EXPECT_EQ(http_post(node.port(), "/api/actions/stop", "{}", bearer_cookie).status, 404u);
  // The CORS preflight a script of another page would need before it could send the token is
  // never granted.
  EXPECT_EQ(
      raw_status_line(node.port(),
                      "OPTIONS /api/actions/restart_child HTTP/1.1\r\nHost: x\r\nOrigin: http://elsewhere.example\r\n"
                      "Access-Control-Request-Method: POST\r\nAccess-Control-Request-Headers: authorization\r\n\r\n"),
      "HTTP/1.1 405 Method Not Allowed");
}

TEST(ObserverActions, ARequestOverTheLimitsIsRefusedWithoutBeingRead) {
  counter_root root;
  observed_node node(root, {"--observer-port", "0", "--observer-actions"});
  const std::string pid = counter_pid(node.port());
  // A body one byte over 16 KiB.
  const std::string big(16 * 1024 + 1, ' ');
  const http_reply over = http_post(node.port(), "/api/actions/restart_child", big, bearer_cookie);
  EXPECT_EQ(over.status, 413u) << over.body;
  // A length declared far over the limit is refused from the header alone: no body is sent.
  EXPECT_EQ(raw_status_line(node.port(), "POST /api/actions/relup HTTP/1.1\r\nHost: x\r\nAuthorization: " +
                                             bearer_cookie + "\r\nContent-Length: 1000000000\r\n\r\n"),
            "HTTP/1.1 413 Payload Too Large");
  // So is a header over 8 KiB.
  EXPECT_EQ(raw_status_line(node.port(), "GET /api/overview HTTP/1.1\r\nHost: x\r\nX-Filler: " +
                                             std::string(9000, 'a') + "\r\n\r\n"),
            "HTTP/1.1 431 Request Header Fields Too Large");
  EXPECT_EQ(counter_pid(node.port()), pid);
  EXPECT_EQ(http_get(node.port(), "/api/overview").status, 200u);
}

TEST(ObserverActions, TheConfigFileTurnsThemOnWithItsToken) {
  counter_root root;
  const fs::path config = root.root() / "node.config.yaml";
  // docs/observer.md's entry, with port 0.
  std::ofstream(config) << "observer:\n  port: 0\n  actions: true\n  token: '\"5f1c0e2a9b7d4e38\"'\n";
  observed_node node(root, {"--config", config.string()});
  EXPECT_EQ(get_json(node.port(), "/api/actions"), json::parse(R"({"enabled":true,"token_is_cookie":false})"));
  EXPECT_EQ(http_post(node.port(), "/api/actions/restart_child", restart_body(node.port()), bearer_cookie).status,
            401u);
  EXPECT_EQ(
      http_post(node.port(), "/api/actions/restart_child", restart_body(node.port()), "Bearer 5f1c0e2a9b7d4e38").status,
      200u);
}

TEST(ObserverActions, ATokenWithoutActionsIsAUsageError) {
  counter_root root;
  const outcome r = otpctl({"start", "--name", unique_node(), "--root", root.root().string(), "--cookie", cookie,
                            "--observer-port", "0", "--observer-token", "t"});
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("--observer-token needs --observer-actions"), std::string::npos) << r.err;
  const outcome o = otpctl({"observer", "--node", unique_node(), "--cookie", cookie, "--token", "t"});
  EXPECT_EQ(o.code, 2) << o.err;
  EXPECT_NE(o.err.find("--token needs --actions"), std::string::npos) << o.err;
}

TEST(OtpctlObserver, ActionsOnAnotherNodeGoOverDistribution) {
  counter_root root;
  observed_node node(root, {});
  child_program observer(
      {OTP_OTPCTL, "observer", "--node", node.name(), "--cookie", cookie, "--port", "0", "--actions"}, root.log());
  const std::string line = observer.read_line();
  ASSERT_TRUE(line.starts_with("observer of node " + node.name() + " at http://127.0.0.1:")) << line;
  const std::uint16_t port = port_in(line);
  EXPECT_EQ(http_post(port, "/api/actions/restart_child", restart_body(port), "Bearer wrong").status, 401u);

  const std::string before = counter_pid(port);
  const http_reply r = http_post(port, "/api/actions/restart_child", restart_body(port), bearer_cookie);
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_NE(json::parse(r.body).at("pid"), before.c_str());
  EXPECT_EQ(counter_pid(port), json::parse(r.body).at("pid").as_string());

  ASSERT_EQ(otpctl_on(node.name(), "unpack", {"--vsn", "1.1.0", example_counter_root().string()}).code, 0);
  const http_reply up = http_post(port, "/api/actions/relup", R"({"vsn":"1.1.0"})", bearer_cookie);
  ASSERT_EQ(up.status, 200u) << up.body;
  EXPECT_EQ(json::parse(up.body).at("node"), node.name().c_str());
  EXPECT_EQ(get_json(port, "/api/overview").at("vsn"), "1.1.0");
  EXPECT_EQ(observer.stop(SIGTERM), 0);
}

}  // namespace
