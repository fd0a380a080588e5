// The application environment table: one mutex-guarded map per OS process.
#include <algorithm>
#include <map>
#include <mutex>

#include "otp/application.hpp"

namespace otp::application {
namespace {

struct env_table {
  std::mutex mutex;
  std::map<std::string, environment, std::less<>> apps;  // by application name
};

env_table& table() {
  static env_table t;
  return t;
}

environment::iterator find_key(environment& env, atom key) {
  return std::find_if(env.begin(), env.end(), [&](const auto& entry) { return entry.first == key; });
}

}  // namespace

std::optional<term> get_env(atom app, atom key) {
  env_table& t = table();
  const std::lock_guard lock(t.mutex);
  const auto found = t.apps.find(app.text());
  if (found == t.apps.end()) return std::nullopt;
  const auto entry = find_key(found->second, key);
  if (entry == found->second.end()) return std::nullopt;
  return entry->second;
}

term get_env(atom app, atom key, term fallback) { return get_env(app, key).value_or(std::move(fallback)); }

environment get_all_env(atom app) {
  env_table& t = table();
  const std::lock_guard lock(t.mutex);
  const auto found = t.apps.find(app.text());
  return found == t.apps.end() ? environment{} : found->second;
}

void set_env(atom app, atom key, term value) {
  env_table& t = table();
  const std::lock_guard lock(t.mutex);
  environment& env = t.apps[std::string(app.text())];
  if (const auto entry = find_key(env, key); entry != env.end())
    entry->second = std::move(value);
  else
    env.emplace_back(key, std::move(value));
}

void unset_env(atom app, atom key) {
  env_table& t = table();
  const std::lock_guard lock(t.mutex);
  const auto found = t.apps.find(app.text());
  if (found == t.apps.end()) return;
  if (const auto entry = find_key(found->second, key); entry != found->second.end()) found->second.erase(entry);
}

void load_env(atom app, environment env) {
  env_table& t = table();
  const std::lock_guard lock(t.mutex);
  t.apps[std::string(app.text())] = std::move(env);
}

void unload_env(atom app) {
  env_table& t = table();
  const std::lock_guard lock(t.mutex);
  const auto found = t.apps.find(app.text());
  if (found != t.apps.end()) t.apps.erase(found);
}

}  // namespace otp::application
