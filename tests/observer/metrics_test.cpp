// The Prometheus text of metrics.hpp from made-up node replies: the families and their samples,
// nested supervisors kept apart by their path, label values escaped, installs counted by outcome,
// and `promtool check metrics` accepting the whole (Debian's prometheus package; the test fails
// when promtool is missing).
#include "metrics.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>

#include "node_test_support.hpp"
#include "otp/release_history.hpp"

namespace {

using namespace otp;
using otpctl_node_test::slurp;
using otpctl_node_test::temp_dir;

term worker(const char* id, std::int64_t restarts) {
  return map({{atom("id"), atom(id)}, {atom("type"), atom("worker")}, {atom("restarts"), term(restarts)}});
}

term supervisor_node(const char* id, std::int64_t restarts, std::vector<term> children) {
  return map({{atom("id"), atom(id)},
              {atom("type"), atom("supervisor")},
              {atom("restarts"), term(restarts)},
              {atom("children"), term::make_list(std::move(children))}});
}

observer::detail::metrics_input example() {
  observer::detail::metrics_input in;
  in.statistics = map({{atom("processes"), term(std::int64_t{42})},
                       {atom("messages_sent"), term(std::int64_t{1000})},
                       {atom("messages_received"), term(std::int64_t{990})},
                       {atom("intensity_exhaustions"), term(std::int64_t{2})},
                       {atom("visible_nodes"), term(std::int64_t{1})},
                       {atom("hidden_nodes"), term(std::int64_t{0})},
                       {atom("connections"), list(map({{atom("node"), atom("b@127.0.0.1")},
                                                       {atom("hidden"), false},
                                                       {atom("bytes_sent"), term(std::int64_t{5000})},
                                                       {atom("bytes_received"), term(std::int64_t{7000})}}))},
                       {atom("schedulers"), list(map({{atom("run_queue"), term(std::int64_t{3})},
                                                      {atom("messages_sent"), term(std::int64_t{600})},
                                                      {atom("messages_received"), term(std::int64_t{500})}}),
                                                 map({{atom("run_queue"), term(std::int64_t{0})},
                                                      {atom("messages_sent"), term(std::int64_t{400})},
                                                      {atom("messages_received"), term(std::int64_t{490})}}))}});
  // Two supervisors called `pool` under different parents, and a child id with a quote in it.
  const term tree = supervisor_node(
      "shop", 0,
      {supervisor_node("left", 0, {supervisor_node("pool", 1, {worker("w", 4)})}),
       supervisor_node("right", 0, {supervisor_node("pool", 0, {worker("w", 0)})}), worker("say\"hi\"", 2)});
  in.status = list(map({{atom("app"), atom("shop")}, {atom("vsn"), binary("1.0.0")}, {atom("tree"), tree}}));
  in.history = list(map({{atom("kind"), atom("install_end")},
                         {atom("outcome"), binary("ok")},
                         {atom("duration_ms"), term(std::int64_t{250})}}),
                    map({{atom("kind"), atom("install_end")},
                         {atom("outcome"), binary("failed")},
                         {atom("duration_ms"), term(std::int64_t{50})}}),
                    map({{atom("kind"), atom("install_interrupted")}}), map({{atom("kind"), atom("boot")}}));
  in.releases = {{"shop", "1.1.0", {"shop-1.1.0"}, release::release_status::current},
                 {"shop", "1.0.0", {"shop-1.0.0"}, release::release_status::permanent}};
  return in;
}

bool has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos || text.starts_with(line + "\n");
}

TEST(ObserverMetrics, EveryFamilyWithItsSamples) {
  const std::string text = observer::detail::prometheus_text(example());
  for (const char* line : {
           "# TYPE otp_processes gauge",
           "otp_processes 42",
           "# TYPE otp_messages_sent_total counter",
           "otp_messages_sent_total 1000",
           "otp_messages_received_total 990",
           "otp_scheduler_run_queue_length{scheduler=\"0\"} 3",
           "otp_scheduler_run_queue_length{scheduler=\"1\"} 0",
           "otp_scheduler_messages_received_total{scheduler=\"1\"} 490",
           "otp_supervisor_child_restarts_total{application=\"shop\",supervisor=\"shop/left\",child=\"pool\"} 1",
           "otp_supervisor_child_restarts_total{application=\"shop\",supervisor=\"shop/left/pool\",child=\"w\"} 4",
           "otp_supervisor_child_restarts_total{application=\"shop\",supervisor=\"shop/right/pool\",child=\"w\"} 0",
           // An atom id is its Erlang text, as otpctl status prints it: 'say"hi"'.
           "otp_supervisor_child_restarts_total{application=\"shop\",supervisor=\"shop\",child=\"'say\\\"hi\\\"'\"} 2",
           "otp_supervisor_intensity_exhaustions_total 2",
           "otp_release_installs_total{outcome=\"ok\"} 1",
           "otp_release_installs_total{outcome=\"failed\"} 1",
           "otp_release_installs_total{outcome=\"interrupted\"} 1",
           "otp_release_install_duration_seconds_sum 0.3",
           "otp_release_install_duration_seconds_count 2",
           "otp_dist_connections{visibility=\"visible\"} 1",
           "# TYPE otp_dist_sent_bytes_total counter",
           "otp_dist_sent_bytes_total{node=\"b@127.0.0.1\"} 5000",
           "otp_dist_received_bytes_total{node=\"b@127.0.0.1\"} 7000",
           "otp_release_info{name=\"shop\",vsn=\"1.0.0\",status=\"permanent\"} 1",
           "otp_release_current_info{name=\"shop\",vsn=\"1.1.0\"} 1",
       })
    EXPECT_TRUE(has_line(text, line)) << line << "\nin:\n" << text;
  EXPECT_EQ(text.find("otp_release_current_info{name=\"shop\",vsn=\"1.0.0\"}"), std::string::npos);
}

TEST(ObserverMetrics, LabelValuesAreEscaped) {
  EXPECT_EQ(observer::detail::label_value("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
}

TEST(ObserverMetrics, PromtoolAcceptsTheText) {
  temp_dir dir("metrics");
  const auto in = dir.path() / "metrics.txt";
  std::ofstream(in) << observer::detail::prometheus_text(example());
  const std::string command =
      "promtool check metrics < " + in.string() + " > " + (dir.path() / "said").string() + " 2>&1";
  const int status = std::system(command.c_str());
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << slurp(dir.path() / "said");
}

}  // namespace
