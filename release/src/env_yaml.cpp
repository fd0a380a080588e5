// Application environments in YAML: maps of names to Erlang terms.
#include "env_yaml.hpp"

#include <algorithm>

namespace otp::release::detail {

using otp::detail::cat;

application::environment env_reader::environment(const YAML::Node& n, const std::string& what) const {
  if (!n.IsMap()) fail(n, cat(what, " must be a map of keys to Erlang terms (e.g. port: 8080), got ", describe(n)));
  application::environment env;
  for (auto it = n.begin(); it != n.end(); ++it) {
    const atom key = name(it->first, cat("a key of ", what));
    if (std::any_of(env.begin(), env.end(), [&](const auto& e) { return e.first == key; }))
      fail(it->first, cat("duplicate key '", key.text(), "' in ", what));
    env.emplace_back(key, erlang_term(it->second, cat("the value of '", key.text(), "'")));
  }
  return env;
}

configuration env_reader::config(const YAML::Node& n, const std::string& what) const {
  if (n.IsNull()) return {};
  if (!n.IsMap())
    fail(n,
         cat(what, " must be a map of applications to their environment (e.g. kv: {port: 8080}), got ", describe(n)));
  configuration c;
  for (auto it = n.begin(); it != n.end(); ++it) {
    const atom app = name(it->first, cat("an application of ", what));
    if (std::any_of(c.begin(), c.end(), [&](const auto& e) { return e.first == app; }))
      fail(it->first, cat("application '", app.text(), "' is configured twice in ", what));
    c.emplace_back(app, environment(it->second, cat("the environment of '", app.text(), "'")));
  }
  return c;
}

}  // namespace otp::release::detail
