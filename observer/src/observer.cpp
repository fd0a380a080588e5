// The observer's routes (observer.hpp) over http_server, node_view for the data and the assets
// built into the library.
#include "otp/observer.hpp"

#include <algorithm>
#include <charconv>
#include <stdexcept>
#include <string_view>
#include <utility>

#include "assets.hpp"
#include "http_server.hpp"
#include "node_view.hpp"

namespace otp::observer {

namespace {

using detail::http_request;
using detail::http_response;

constexpr const char* json_type = "application/json";
constexpr std::int64_t default_history = 100;
// How long an endpoint waits for the node: an install keeps the release handler busy a few seconds
// at most.
constexpr std::chrono::milliseconds request_timeout{10000};

// The value of `key` in a query string (a=1&b=2), "" when absent.
std::string query_value(std::string_view query, std::string_view key) {
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    if (pair.size() > key.size() && pair.substr(0, key.size()) == key && pair[key.size()] == '=')
      return std::string(pair.substr(key.size() + 1));
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return "";
}

std::int64_t number_or(const std::string& text, std::int64_t fallback) {
  std::int64_t n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  return ec == std::errc() && end == text.data() + text.size() && n > 0 ? n : fallback;
}

// Processes sorted by `key` (descending), the first `limit` of them.
boost::json::array sorted_processes(boost::json::array all, const std::string& key, std::int64_t limit) {
  if (key == "message_queue_len" || key == "memory" || key == "messages_received")
    std::stable_sort(all.begin(), all.end(), [&](const boost::json::value& a, const boost::json::value& b) {
      return a.at(key).to_number<std::int64_t>() > b.at(key).to_number<std::int64_t>();
    });
  if (limit > 0 && static_cast<std::size_t>(limit) < all.size()) all.resize(static_cast<std::size_t>(limit));
  return all;
}

http_response json(const boost::json::value& v) { return {200, json_type, boost::json::serialize(v)}; }

std::string text_of_env(const term& v) {
  if (v.is_binary()) return std::string(v.as_binary());
  if (v.is_atom()) return std::string(v.as_atom().text());
  if (v.is_proper_list()) {  // an Erlang string: a list of character codes
    std::string s;
    for (const term& c : v.elements()) {
      if (!c.is_integer() || c.as_int() < 1 || c.as_int() > 127) throw std::invalid_argument("not text");
      s += static_cast<char>(c.as_int());
    }
    return s;
  }
  throw std::invalid_argument("not text");
}

}  // namespace

struct observer::impl {
  explicit impl(observer_options o)
      : options(std::move(o)),
        view(options.node, request_timeout),
        live(options.node, std::max(options.update_interval, std::chrono::milliseconds(500))),
        server(
            options.bind, options.port, [this](const http_request& r) { return answer(r); }, "/events",
            [this](const http_request&, detail::event_stream& s) { stream(s); }) {}

  http_response answer(const http_request& r) const {
    if (r.path == "/" || r.path == "/index.html") return asset("index.html");
    if (r.path == "/metrics") return {200, "text/plain; version=0.0.4; charset=utf-8", view.metrics()};
    if (r.path == "/api/overview") return json(view.overview());
    if (r.path == "/api/status") return json(view.status());
    if (r.path == "/api/processes")
      return json(sorted_processes(view.processes(), query_value(r.query, "sort"),
                                   number_or(query_value(r.query, "limit"), 0)));
    if (r.path == "/api/applications") return json(view.applications());
    if (r.path == "/api/releases") return json(view.releases());
    if (r.path == "/api/history") return json(view.history(number_or(query_value(r.query, "limit"), default_history)));
    if (r.path == "/api/install") return json(view.install());
    if (r.path.size() > 1) {
      const std::string name = r.path.substr(1);
      if (detail::find_asset(name) != nullptr) return asset(name);
    }
    return {404, "text/plain; charset=utf-8", "no such page: " + r.path + "\n"};
  }

  static http_response asset(const std::string& name) {
    const detail::asset* a = detail::find_asset(name);
    return {200, std::string(a->content_type), std::string(a->bytes)};
  }

  // What an `update` event carries. Each part is asked for separately and left out (named in
  // `stale`) when it did not come in time: while the release handler runs an install it answers
  // nothing, so the parts it gives are skipped as soon as one times out, and the install's own
  // progress (the node agent's) still arrives every update. Throws when nothing came at all.
  boost::json::object snapshot() const {
    boost::json::object o;
    boost::json::array stale;
    auto part = [&](const char* key, const auto& get) {
      try {
        o[key] = get();
        return true;
      } catch (const std::exception&) {
        stale.push_back(boost::json::string(key));
        return false;
      }
    };
    const bool agent = part("install", [&] { return live.install(); });
    if (part("overview", [&] { return boost::json::value(live.overview()); })) {
      part("status", [&] { return boost::json::value(live.status()); });
      part("applications", [&] { return boost::json::value(live.applications()); });
      part("releases", [&] { return boost::json::value(live.releases()); });
      part("history", [&] { return boost::json::value(live.history(default_history)); });
    } else {
      for (const char* key : {"status", "applications", "releases", "history"})
        stale.push_back(boost::json::string(key));
    }
    if (agent)
      part("processes", [&] { return boost::json::value(sorted_processes(live.processes(), "message_queue_len", 0)); });
    else
      stale.push_back("processes");
    if (stale.size() == 7) throw std::runtime_error("node " + node_text() + " does not answer");
    o["stale"] = std::move(stale);
    return o;
  }

  std::string node_text() const {
    return std::string((options.node == atoms::undefined ? atom("this node") : options.node).text());
  }

  void stream(detail::event_stream& s) const {
    do {
      std::string event = "update";
      std::string data;
      try {
        data = boost::json::serialize(snapshot());
      } catch (const std::exception& e) {
        event = "failure";
        data = boost::json::serialize(boost::json::object{{"error", e.what()}});
      }
      if (!s.send(event, data)) return;
    } while (s.pause(options.update_interval));
  }

  observer_options options;
  detail::node_view view;      // for the endpoints
  detail::node_view live;      // for the events: it waits no longer than an update's interval
  detail::http_server server;  // last: it stops (joining its threads) before the rest goes
};

observer::observer(observer_options options) : impl_(std::make_unique<impl>(std::move(options))) {}
observer::~observer() = default;

std::uint16_t observer::port() const noexcept { return impl_->server.port(); }

std::string observer::url() const {
  const std::string& host = impl_->options.bind;
  return "http://" + (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port()) +
         "/";
}

std::optional<observer_options> options_from_config(const release::configuration& config) {
  for (const auto& [app, env] : config) {
    if (!(app == atom("observer"))) continue;
    observer_options o;
    for (const auto& [key, value] : env) {
      if (key == atom("port")) {
        if (!value.is_integer() || value.as_int() < 0 || value.as_int() > 65535)
          throw std::invalid_argument("observer: port must be 0..65535, not " + value.to_string());
        o.port = static_cast<std::uint16_t>(value.as_int());
      } else if (key == atom("bind")) {
        try {
          o.bind = text_of_env(value);
        } catch (const std::invalid_argument&) {
          throw std::invalid_argument("observer: bind must be an address, such as \"127.0.0.1\", not " +
                                      value.to_string());
        }
      } else {
        throw std::invalid_argument("observer: unknown key " + std::string(key.text()) + " (port, bind)");
      }
    }
    return o;
  }
  return std::nullopt;
}

}  // namespace otp::observer
