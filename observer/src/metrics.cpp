// The Prometheus text described in metrics.hpp.
#include "metrics.hpp"

#include <algorithm>
#include <cstdint>
#include <map>
#include <sstream>

#include "otp/status_json.hpp"

namespace otp::observer::detail {
namespace {

std::int64_t integer_at(const term& m, const char* key) {
  const term* v = m.is_map() ? m.find(atom(key)) : nullptr;
  return v != nullptr && v->is_integer() ? v->as_int() : 0;
}

class exposition {
 public:
  // A family's HELP and TYPE lines, written once before its first sample.
  void family(const std::string& name, const char* type, const char* help) {
    out_ << "# HELP " << name << " " << help << "\n# TYPE " << name << " " << type << "\n";
  }
  void sample(const std::string& name, const std::string& labels, double value) {
    out_ << name;
    if (!labels.empty()) out_ << "{" << labels << "}";
    out_ << " " << value << "\n";
  }
  void sample(const std::string& name, const std::string& labels, std::int64_t value) {
    out_ << name;
    if (!labels.empty()) out_ << "{" << labels << "}";
    out_ << " " << value << "\n";
  }
  std::string text() const { return out_.str(); }

 private:
  std::ostringstream out_;
};

std::string label(const char* name, const std::string& value) {
  return std::string(name) + "=\"" + label_value(value) + "\"";
}

// Each child of each supervisor of a tree, with its restart count; `path` names the supervisor
// from the application's top one down (ids joined by '/'), so that two supervisors with one id in
// different places stay apart.
void restarts_of(exposition& e, const std::string& app, const term& node, const std::string& path) {
  const term* children = node.find(atom("children"));
  if (children == nullptr) return;
  for (const term& child : children->elements()) {
    const std::string id = text_of(child.find(atom("id")));
    e.sample("otp_supervisor_child_restarts_total",
             label("application", app) + "," + label("supervisor", path) + "," + label("child", id),
             integer_at(child, "restarts"));
    restarts_of(e, app, child, path + "/" + id);
  }
}

// A node's name as it is written (shop@127.0.0.1), not as an Erlang atom ('shop@127.0.0.1').
std::string node_text(const term* node) {
  return node != nullptr && node->is_atom() ? std::string(node->as_atom().text()) : text_of(node);
}

}  // namespace

std::string label_value(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string prometheus_text(const metrics_input& in) {
  exposition e;
  const term& s = in.statistics;
  e.family("otp_processes", "gauge", "Processes alive on the node.");
  e.sample("otp_processes", "", integer_at(s, "processes"));
  e.family("otp_messages_sent_total", "counter", "Messages, calls and replies sent by the node's processes.");
  e.sample("otp_messages_sent_total", "", integer_at(s, "messages_sent"));
  e.family("otp_messages_received_total", "counter", "Messages that entered the queue of a process of the node.");
  e.sample("otp_messages_received_total", "", integer_at(s, "messages_received"));

  const term* schedulers = s.is_map() ? s.find(atom("schedulers")) : nullptr;
  if (schedulers != nullptr && schedulers->is_proper_list()) {
    const char* per_thread[][3] = {
        {"otp_scheduler_run_queue_length", "gauge", "Processes waiting in a scheduler thread's run queue."},
        {"otp_scheduler_messages_sent_total", "counter", "Messages sent by the processes a scheduler thread ran."},
        {"otp_scheduler_messages_received_total", "counter",
         "Messages received by the processes a scheduler thread ran."}};
    const char* keys[] = {"run_queue", "messages_sent", "messages_received"};
    for (int k = 0; k < 3; ++k) {
      e.family(per_thread[k][0], per_thread[k][1], per_thread[k][2]);
      int index = 0;
      for (const term& t : schedulers->elements())
        e.sample(per_thread[k][0], label("scheduler", std::to_string(index++)), integer_at(t, keys[k]));
    }
  }

  e.family("otp_supervisor_child_restarts_total", "counter",
           "Restarts of a supervisor's child after it exited, per application, supervisor path and child id.");
  if (in.status.is_proper_list())
    for (const term& app : in.status.elements()) {
      const term* tree = app.find(atom("tree"));
      if (tree == nullptr || !tree->is_map()) continue;
      restarts_of(e, text_of(app.find(atom("app"))), *tree, text_of(tree->find(atom("id"))));
    }
  e.family("otp_supervisor_intensity_exhaustions_total", "counter",
           "Supervisors that reached their maximum restart intensity and shut down.");
  e.sample("otp_supervisor_intensity_exhaustions_total", "", integer_at(s, "intensity_exhaustions"));

  std::map<std::string, std::int64_t> installs{{"ok", 0}, {"failed", 0}, {"interrupted", 0}};
  std::int64_t install_ms = 0;
  std::int64_t installs_timed = 0;
  if (in.history.is_proper_list())
    for (const term& event : in.history.elements()) {
      const std::string kind = text_of(event.find(atom("kind")));
      if (kind == "install_interrupted") ++installs["interrupted"];
      if (kind != "install_end") continue;
      ++installs[text_of(event.find(atom("outcome")))];
      if (event.find(atom("duration_ms")) != nullptr) {
        install_ms += integer_at(event, "duration_ms");
        ++installs_timed;
      }
    }
  e.family("otp_release_installs_total", "counter", "Release installs (upgrades and downgrades) by outcome.");
  for (const auto& [outcome, count] : installs)
    e.sample("otp_release_installs_total", label("outcome", outcome), count);
  e.family("otp_release_install_duration_seconds", "summary", "How long the release installs that ended took.");
  e.sample("otp_release_install_duration_seconds_sum", "", static_cast<double>(install_ms) / 1000.0);
  e.sample("otp_release_install_duration_seconds_count", "", installs_timed);

  e.family("otp_dist_connections", "gauge", "Connected nodes, visible and hidden.");
  e.sample("otp_dist_connections", label("visibility", "visible"), integer_at(s, "visible_nodes"));
  e.sample("otp_dist_connections", label("visibility", "hidden"), integer_at(s, "hidden_nodes"));

  const term* connections = s.is_map() ? s.find(atom("connections")) : nullptr;
  const char* bytes[][3] = {
      {"otp_dist_sent_bytes_total", "bytes_sent", "Bytes written to a connected node's socket."},
      {"otp_dist_received_bytes_total", "bytes_received", "Bytes read from a connected node's socket."}};
  for (const auto& [name, key, help] : bytes) {
    e.family(name, "counter", help);
    if (connections != nullptr && connections->is_proper_list())
      for (const term& c : connections->elements())
        e.sample(name, label("node", node_text(c.find(atom("node")))), integer_at(c, key));
  }

  e.family("otp_release_info", "gauge", "The node's releases: 1 for each, its status as a label.");
  for (const release::release_handler::release_entry& r : in.releases)
    e.sample("otp_release_info",
             label("name", r.name) + "," + label("vsn", r.vsn) + "," +
                 label("status", std::string(release::to_string(r.status))),
             std::int64_t{1});
  e.family("otp_release_current_info", "gauge", "The release the node runs now: 1, its name and vsn as labels.");
  for (const release::release_handler::release_entry& r : in.releases)
    if (r.status == release::release_status::current ||
        (r.status == release::release_status::permanent &&
         std::none_of(in.releases.begin(), in.releases.end(), [](const release::release_handler::release_entry& x) {
           return x.status == release::release_status::current;
         })))
      e.sample("otp_release_current_info", label("name", r.name) + "," + label("vsn", r.vsn), std::int64_t{1});
  return e.text();
}

}  // namespace otp::observer::detail
