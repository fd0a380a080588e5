// The observer's routes (observer.hpp) over http_server, node_view for the data, node_actions for
// the actions and the assets built into the library.
#include "otp/observer.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <stdexcept>
#include <string_view>
#include <utility>

#include "assets.hpp"
#include "http_server.hpp"
#include "node_actions.hpp"
#include "node_view.hpp"
#include "otp/detail/release_errors.hpp"
#include "otp/node.hpp"
#include "otp/process.hpp"

namespace otp::observer {

namespace {

using detail::http_request;
using detail::http_response;

constexpr const char* json_type = "application/json";
constexpr const char* text_type = "text/plain; charset=utf-8";
constexpr std::string_view actions_prefix = "/api/actions/";
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

http_response json(const boost::json::value& v) { return {200, json_type, boost::json::serialize(v), {}}; }

http_response json_error(unsigned status, const std::string& why) {
  return {status, json_type, boost::json::serialize(boost::json::object{{"error", why}}), {}};
}

// A body that is not what an action takes (400); what() names what is wrong.
struct bad_body : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

// The text of `key` in an action's body; throws bad_body when it is missing or not a non-empty string.
std::string required_text(const boost::json::object& body, const char* key, const char* what) {
  const boost::json::value* v = body.if_contains(key);
  if (v == nullptr || !v->is_string() || v->as_string().empty())
    throw bad_body(std::string("\"") + key + "\" (a string: " + what + ") is missing");
  return std::string(v->as_string());
}

// Whether `header` is "Bearer <token>" (the scheme in any case). The time it takes depends on the
// token's length only, never on how much of it a guess got right.
bool bearer_matches(std::string_view header, const std::string& token) {
  constexpr std::string_view scheme = "bearer ";
  if (header.size() < scheme.size() || !std::equal(scheme.begin(), scheme.end(), header.begin(), [](char a, char b) {
        return a == std::tolower(static_cast<unsigned char>(b));
      }))
    return false;
  const std::string_view given = header.substr(scheme.size());
  unsigned diff = given.size() == token.size() ? 0 : 1;
  for (std::size_t i = 0; i < token.size(); ++i)
    diff |= static_cast<unsigned char>(token[i]) ^ static_cast<unsigned char>(i < given.size() ? given[i] : 0);
  return diff == 0;
}

// The token the actions take: the one given, else the node's cookie; none when actions are off.
std::string actions_token(const observer_options& o) {
  if (!o.actions) return "";
  const std::string token = o.token.empty() ? node::cookie() : o.token;
  if (token.empty())
    throw std::invalid_argument("observer actions need a token, and this process has no node cookie to stand for it");
  return token;
}

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
        actions(options.node, view),
        token(actions_token(options)),
        server(
            options.bind, options.port, [this](const http_request& r) { return answer(r); }, "/events",
            [this](const http_request&, detail::event_stream& s) { stream(s); }) {}

  http_response answer(const http_request& r) const {
    if (r.path.starts_with(actions_prefix)) return act(r);
    if (r.method == "POST")
      return {405, text_type, "only GET and HEAD are served at " + r.path + "\n", {{"Allow", "GET, HEAD"}}};
    if (r.path == "/" || r.path == "/index.html") return asset("index.html");
    if (r.path == "/api/actions")
      return json(boost::json::object{{"enabled", options.actions}, {"token_is_cookie", options.token.empty()}});
    if (r.path == "/metrics") return {200, "text/plain; version=0.0.4; charset=utf-8", view.metrics(), {}};
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
    return {404, text_type, "no such page: " + r.path + "\n", {}};
  }

  static http_response asset(const std::string& name) {
    const detail::asset* a = detail::find_asset(name);
    return {200, std::string(a->content_type), std::string(a->bytes), {}};
  }

  // An action: which one, whether actions are on (403), the token (401), the body (400), then
  // its outcome.
  http_response act(const http_request& r) const {
    const std::string action = r.path.substr(actions_prefix.size());
    if (action != "relup" && action != "rollback" && action != "restart_child")
      return json_error(404, "no action " + action + " (relup, rollback, restart_child)");
    if (r.method != "POST") return {405, text_type, "an action is a POST\n", {{"Allow", "POST"}}};
    if (!options.actions)
      return json_error(403,
                        "actions are disabled on this observer: start the node with --observer-actions (or "
                        "`actions: true` in its config file's observer entry), or run otpctl observer with --actions");
    if (!bearer_matches(r.authorization, token)) {
      http_response refused =
          json_error(401, std::string("actions need the header 'Authorization: Bearer TOKEN' with ") +
                              (options.token.empty() ? "the node's cookie" : "the observer's token"));
      refused.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"otp-cpp observer\"");
      return refused;
    }
    boost::system::error_code ec;
    const boost::json::value body = r.body.empty() ? boost::json::object() : boost::json::parse(r.body, ec);
    if (ec) return json_error(400, "the body is not JSON: " + ec.message());
    if (!body.is_object()) return json_error(400, "the body must be a JSON object");
    const boost::json::object& fields = body.as_object();
    try {
      if (action == "relup") return json(actions.relup(required_text(fields, "vsn", "the release to install")));
      if (action == "rollback") {
        const bool named = fields.contains("vsn");
        return json(actions.rollback(named ? std::optional(required_text(fields, "vsn", "the release to go back to"))
                                           : std::nullopt));
      }
      const boost::json::value* child = fields.if_contains("child");
      if (child == nullptr || child->is_null())
        throw bad_body("\"child\" (the child's id, as /api/status shows it) is missing");
      return json(actions.restart_child(
          required_text(fields, "supervisor", "the supervisor's pid as /api/status shows it, or its registered name"),
          *child));
    } catch (const bad_body& e) {
      return json_error(400, e.what());
    } catch (const detail::action_error& e) {
      return json_error(e.status, e.what());
    } catch (const exit_exception& e) {
      return json_error(502, release::explain_call_failure(e.reason(), observed()));
    }
  }

  atom observed() const { return options.node == atoms::undefined ? node::name() : options.node; }

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
  detail::node_view view;        // for the endpoints
  detail::node_view live;        // for the events: it waits no longer than an update's interval
  detail::node_actions actions;  // the actions, which find supervisors through `view`
  std::string token;             // the actions' bearer token; "" while they are off
  detail::http_server server;    // last: it stops (joining its threads) before the rest goes
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
      } else if (key == atom("actions")) {
        if (!value.is_atom(atoms::true_) && !value.is_atom(atoms::false_))
          throw std::invalid_argument("observer: actions must be true or false, not " + value.to_string());
        o.actions = value.is_atom(atoms::true_);
      } else if (key == atom("token")) {
        const std::invalid_argument bad("observer: token must be a non-empty text, such as \"s3cret\", not " +
                                        value.to_string());
        try {
          o.token = text_of_env(value);
        } catch (const std::invalid_argument&) {
          throw bad;
        }
        if (o.token.empty()) throw bad;
      } else {
        throw std::invalid_argument("observer: unknown key " + std::string(key.text()) +
                                    " (port, bind, actions, token)");
      }
    }
    return o;
  }
  return std::nullopt;
}

}  // namespace otp::observer
