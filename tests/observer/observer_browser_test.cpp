// The observer's page in a real browser: headless Chromium (Debian's chromium, installed by
// scripts/setup.sh; the test fails when it is missing) loads the page of a node started with
// --observer-port, and the test reads the page's DOM through the DevTools protocol (a WebSocket,
// Boost.Beast's client) while it runs: the counter's tree appears, and after a crash of the
// counter the restart count on the page changes without a reload. With --observer-actions, the
// counter's restart button, clicked with the token entered, gives it a new pid. Every wait polls
// the DOM until a condition holds or the deadline passes.
#include <gtest/gtest.h>

#include <boost/beast/core/detail/base64.hpp>
#include <boost/beast/websocket.hpp>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>

#include "observer_test_support.hpp"

namespace {

using namespace otp_observer_test;
namespace json = boost::json;

// A headless Chromium showing `url`, with its DevTools protocol on a free port.
class browser {
 public:
  browser(const std::string& url, const fs::path& log)
      : profile_("chromium"),
        program_({"/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                  "--remote-debugging-port=0", "--remote-allow-origins=*",
                  "--user-data-dir=" + profile_.path().string(), "--window-size=1280,900", url},
                 log, true) {
    // Chromium writes the port it took to DevToolsActivePort in its profile.
    const fs::path active = profile_.path() / "DevToolsActivePort";
    if (!eventually([&] {
          return fs::exists(active) && !slurp(active).empty() && slurp(active).find('\n') != std::string::npos;
        }))
      throw std::runtime_error("chromium did not open its DevTools port; its log: " + slurp(log));
    port_ = static_cast<std::uint16_t>(std::stoi(slurp(active)));
  }

  // The page's DevTools WebSocket, once the page showing `url` exists.
  void attach(const std::string& url) {
    std::string ws;
    if (!eventually([&] {
          for (const json::value& t : get_array(port_, "/json/list"))
            if (t.at("type") == "page" && std::string(t.at("url").as_string()).starts_with(url)) {
              ws = std::string(t.at("webSocketDebuggerUrl").as_string());
              return true;
            }
          return false;
        }))
      throw std::runtime_error("chromium shows no page at " + url);
    socket_.emplace(io_);
    socket_->next_layer().connect({boost::asio::ip::make_address("127.0.0.1"), port_});
    boost::beast::websocket::response_type answer;
    boost::system::error_code ec;
    socket_->handshake(answer, "127.0.0.1:" + std::to_string(port_), ws.substr(ws.find("/devtools/")), ec);
    if (ec) {
      std::ostringstream said;
      said << answer;
      throw std::runtime_error("chromium refused the DevTools WebSocket " + ws + ": " + ec.message() + "\n" +
                               said.str());
    }
  }

  // Runtime.evaluate of `expression` in the page: its value (JSON), null when it threw.
  json::value evaluate(const std::string& expression) {
    const json::object result =
        command("Runtime.evaluate", json::object{{"expression", expression}, {"returnByValue", true}});
    if (result.contains("exceptionDetails")) return nullptr;
    const json::object& value = result.at("result").as_object();
    return value.contains("value") ? value.at("value") : json::value(nullptr);
  }

  // The page as a PNG (Page.captureScreenshot), in base64.
  std::string screenshot() {
    return std::string(command("Page.captureScreenshot", json::object{{"format", "png"}}).at("data").as_string());
  }

 private:
  // One DevTools command and its result (events that come meanwhile are skipped).
  json::object command(const std::string& method, json::object params) {
    const int id = ++last_id_;
    const json::object request{{"id", id}, {"method", method}, {"params", std::move(params)}};
    socket_->write(boost::asio::buffer(json::serialize(request)));
    for (;;) {
      boost::beast::flat_buffer buffer;
      socket_->read(buffer);
      const json::value reply = json::parse(boost::beast::buffers_to_string(buffer.data()));
      if (!reply.is_object() || !reply.as_object().contains("id") || reply.at("id") != id) continue;
      return reply.at("result").as_object();
    }
  }

 public:
 private:
  temp_dir profile_;
  child_program program_;
  std::uint16_t port_ = 0;
  boost::asio::io_context io_;
  std::optional<boost::beast::websocket::stream<boost::asio::ip::tcp::socket>> socket_;
  int last_id_ = 0;
};

std::string base64_decoded(const std::string& text) {
  std::string out;
  std::string::size_type size = boost::beast::detail::base64::decoded_size(text.size());
  out.resize(size);
  const auto [written, read] = boost::beast::detail::base64::decode(out.data(), text.data(), text.size());
  out.resize(written);
  return out;
}

// The counter worker's entry on the page: <li data-id="counter"> under the top supervisor's.
constexpr const char* worker_restarts =
    R"((() => { const li = document.querySelector('#trees ul.tree > li[data-id="counter"] > ul > li[data-id="counter"]');
             return li ? li.dataset.restarts : null; })())";

// The counter worker's pid on the page, and its restart button.
constexpr const char* worker_pid =
    R"((() => { const li = document.querySelector('#trees ul.tree > li[data-id="counter"] > ul > li[data-id="counter"]');
             return li ? li.dataset.pid : null; })())";
constexpr const char* click_restart =
    R"(document.querySelector('#trees li[data-id="counter"] > ul > li[data-id="counter"] > button[data-action="restart"]').click())";
constexpr const char* outcome_status =
    R"((() => { const o = document.getElementById('action-outcome'); return o.dataset.status || null; })())";

TEST(ObserverBrowser, ARestartClickedWithTheTokenGivesTheCounterANewPid) {
  counter_root root;
  observed_node node(root, {"--observer-port", "0", "--observer-actions"});
  const std::string url = "http://127.0.0.1:" + std::to_string(node.port()) + "/";
  browser chromium(url, root.log());
  chromium.attach(url);
  std::string before;
  ASSERT_TRUE(eventually([&] {
    const json::value pid = chromium.evaluate(worker_pid);
    if (pid.is_string()) before = std::string(pid.as_string());
    return pid.is_string() &&
           chromium.evaluate(R"(document.querySelector('#trees button[data-action="restart"]') !== null)") == true;
  })) << chromium.evaluate("document.body.innerHTML");
  EXPECT_EQ(chromium.evaluate("document.getElementById('actions').hidden"), false);
  auto enter_token = [&](const std::string& token) {
    chromium.evaluate("(() => { const t = document.getElementById('action-token'); t.value = '" + token +
                      "'; t.dispatchEvent(new Event('input')); })()");
  };

  // A wrong token: refused, and the counter keeps its pid.
  enter_token("wrong");
  chromium.evaluate(click_restart);
  EXPECT_TRUE(eventually([&] { return chromium.evaluate(outcome_status) == "401"; }))
      << chromium.evaluate("document.getElementById('action-outcome').textContent");
  EXPECT_EQ(chromium.evaluate(worker_pid), before.c_str());

  enter_token(cookie);
  EXPECT_EQ(chromium.evaluate("sessionStorage.getItem('otp-observer-token')"), cookie.c_str());
  chromium.evaluate(click_restart);
  EXPECT_TRUE(eventually([&] { return chromium.evaluate(outcome_status) == "200"; }))
      << chromium.evaluate("document.getElementById('action-outcome').textContent");
  json::value after;
  EXPECT_TRUE(eventually([&] {
    after = chromium.evaluate(worker_pid);
    return after.is_string() && after != before.c_str();
  })) << chromium.evaluate("document.body.innerHTML");
  const json::value said = chromium.evaluate("document.getElementById('action-outcome').textContent");
  EXPECT_NE(std::string(said.as_string()).find(std::string(after.as_string())), std::string::npos) << said;
}

TEST(ObserverBrowser, ThePageShowsTheTreeAndARestartWithoutAReload) {
  counter_root root;
  observed_node node(root);
  const std::string url = "http://127.0.0.1:" + std::to_string(node.port()) + "/";
  browser chromium(url, root.log());
  chromium.attach(url);

  EXPECT_TRUE(eventually([&] { return chromium.evaluate(worker_restarts) == "0"; }))
      << chromium.evaluate("document.body.innerHTML");
  EXPECT_EQ(chromium.evaluate("document.getElementById('node').textContent"), json::value(node.name()));
  EXPECT_EQ(chromium.evaluate("document.getElementById('connection').textContent"), "live");
  EXPECT_EQ(chromium.evaluate(R"(document.querySelector('#applications tbody td:nth-child(3)').textContent)"),
            "permanent");
  // A mark in the page's JavaScript state: a reload would lose it.
  chromium.evaluate("window.observerTestMark = 42");

  const outcome crash = otpctl_on(node.name(), "cast", {"counter", "{increment, x}"});
  ASSERT_EQ(crash.code, 0) << crash.err;
  EXPECT_TRUE(eventually([&] { return chromium.evaluate(worker_restarts) == "1"; }))
      << chromium.evaluate("document.body.innerHTML");
  EXPECT_EQ(chromium.evaluate("window.observerTestMark"), 42);

  // An install appears with its steps, and the releases with their new status.
  ASSERT_EQ(otpctl_on(node.name(), "unpack", {"--vsn", "1.1.0", example_counter_root().string()}).code, 0);
  ASSERT_EQ(otpctl_on(node.name(), "relup", {"1.1.0"}).code, 0);
  EXPECT_TRUE(eventually([&] {
    return chromium.evaluate(R"(document.querySelector('#install-summary[data-state="ok"]') !== null)") == true;
  })) << chromium.evaluate("document.getElementById('install').innerHTML");
  EXPECT_EQ(chromium.evaluate("document.querySelectorAll('#install ol.steps li').length"), 6);
  EXPECT_EQ(chromium.evaluate("document.getElementById('release').textContent"), "counter 1.1.0");
  EXPECT_EQ(chromium.evaluate("window.observerTestMark"), 42);

  // OTP_OBSERVER_SCREENSHOT=FILE keeps the page as it is now (docs/observer.png is taken so).
  if (const char* file = std::getenv("OTP_OBSERVER_SCREENSHOT")) {
    std::ofstream(file, std::ios::binary) << base64_decoded(chromium.screenshot());
    EXPECT_GT(fs::file_size(file), 1000u);
  }
}

}  // namespace
