// The application controller: loading and starting applications, their environments, and what an
// application's exit means under its start type.
#include "otp/application_controller.hpp"

#include <algorithm>

#include "otp/code.hpp"
#include "otp/gen_server.hpp"
#include "otp/log.hpp"
#include "otp/process.hpp"
#include "otp/term_text.hpp"

namespace otp::release {
namespace {

// `overrides`' keys set over `env`.
void apply_overrides(application::environment& env, const configuration& overrides, atom app) {
  for (const auto& [name, keys] : overrides) {
    if (name != app) continue;
    for (const auto& [key, value] : keys) {
      const auto entry = std::find_if(env.begin(), env.end(), [&key = key](const auto& e) { return e.first == key; });
      if (entry != env.end())
        entry->second = value;
      else
        env.emplace_back(key, value);
    }
  }
}

const term* value_of(const application::environment& env, atom key) {
  const auto entry = std::find_if(env.begin(), env.end(), [&](const auto& e) { return e.first == key; });
  return entry == env.end() ? nullptr : &entry->second;
}

atom type_atom(appup::start_type t) { return atom(std::string(appup::to_string(t))); }

}  // namespace

application::environment effective_env(const application_spec& app, const configuration& release_config,
                                       const configuration& node_config) {
  application::environment env = app.env;
  apply_overrides(env, release_config, app.name);
  apply_overrides(env, node_config, app.name);
  return env;
}

env_change diff_env(const application::environment& before, const application::environment& after) {
  std::vector<term> changed, added, removed;
  for (const auto& [key, value] : after) {
    const term* old = value_of(before, key);
    if (old == nullptr)
      added.push_back(tuple(key, value));
    else if (*old != value)
      changed.push_back(tuple(key, value));
  }
  for (const auto& [key, value] : before)
    if (value_of(after, key) == nullptr) removed.emplace_back(key);
  return {term::make_list(changed), term::make_list(added), term::make_list(removed)};
}

application_controller::~application_controller() {
  for (atom app : env_loaded_) application::unload_env(app);
}

void application_controller::load_modules(const application_spec& app) {
  for (atom m : app.modules) {
    const auto file = root_.find_module(app.name, app.vsn, m);
    if (!file)
      throw application_error(tuple(atom("no_such_file"), m, binary(root_.modules_dir(app.name, app.vsn).string())));
    const auto loaded = code::which(m);
    if (loaded && loaded->current && loaded->current->file == *file) continue;
    const code::load_result r = code::load(*file);
    if (!r) throw application_error(tuple(atom("load_failed"), m, r.reason, binary(r.message)));
  }
}

void application_controller::start(const application_spec& app, appup::start_type type,
                                   const configuration& release_config) {
  if (is_running(app.name)) throw application_error(tuple(atom("already_started"), app.name));
  if (type == appup::start_type::none) return;
  load_modules(app);
  application::load_env(app.name, effective_env(app, release_config, node_config_));
  if (std::find(env_loaded_.begin(), env_loaded_.end(), app.name) == env_loaded_.end()) env_loaded_.push_back(app.name);
  if (type == appup::start_type::load) return;
  running_app entry{app.name, app.vsn, app.description, type, term()};
  if (app.supervisor) {
    const term started = start_supervision_tree(app);
    if (!(started.is_tuple(2) && started[0].is_atom(atoms::ok)))
      throw application_error(tuple(atom("application_start_failure"), app.name, started));
    entry.supervisor = started[1];
  }
  std::erase_if(stopped_, [&](const stopped_app& s) { return s.name == app.name; });
  running_.push_back(std::move(entry));
  log::write(log::level::info, "application " + std::string(app.name.text()) + " " + app.vsn + " started (" +
                                   std::string(appup::to_string(type)) + ")");
}

bool application_controller::stop(atom app) {
  const auto it = std::find_if(running_.begin(), running_.end(), [&](const running_app& a) { return a.name == app; });
  if (it == running_.end()) return false;
  const term sup = it->supervisor;
  running_.erase(it);
  remember_stop(app, atom("stopped"));
  if (sup.is_pid()) {
    otp::exit(sup, atoms::shutdown);
    receive([&](const term& m) { return m.is_tuple(3) && m[0].is_atom(atoms::exit_) && m[1] == sup; });
  }
  log::write(log::level::info, "application " + std::string(app.text()) + " stopped");
  return true;
}

void application_controller::stop_all() {
  while (!running_.empty()) stop(running_.back().name);
}

void application_controller::remember_stop(atom app, term reason) {
  std::erase_if(stopped_, [&](const stopped_app& s) { return s.name == app; });
  stopped_.push_back({app, std::move(reason)});
}

std::optional<application_exit> application_controller::exited(const term& from, const term& reason) {
  const auto it =
      std::find_if(running_.begin(), running_.end(), [&](const running_app& a) { return a.supervisor == from; });
  if (it == running_.end()) return std::nullopt;
  application_exit e{it->name, it->vsn, it->type, reason, false};
  e.stops_node = it->type == appup::start_type::permanent ||
                 (it->type == appup::start_type::transient && !reason.is_atom(atoms::normal));
  running_.erase(it);
  remember_stop(e.app, reason);
  return e;
}

bool application_controller::is_running(atom app) const {
  return std::any_of(running_.begin(), running_.end(), [&](const running_app& a) { return a.name == app; });
}

std::vector<term> application_controller::top_supervisors() const {
  std::vector<term> sups;
  for (const running_app& a : running_)
    if (a.supervisor.is_pid()) sups.push_back(a.supervisor);
  return sups;
}

term application_controller::running() const {
  std::vector<term> out;
  for (const running_app& a : running_) out.push_back(tuple(a.name, binary(a.vsn), a.supervisor));
  return term::make_list(out);
}

term application_controller::which_applications() const {
  std::vector<term> out;
  for (const running_app& a : running_) out.push_back(tuple(a.name, charlist(a.description), charlist(a.vsn)));
  return term::make_list(out);
}

term application_controller::describe(const loaded_release& release) const {
  std::vector<term> out;
  for (const application_spec& app : release.applications) {
    const appup::release_app* listed = release.release.find(app.name);
    const appup::start_type type = listed != nullptr ? listed->type : appup::start_type::permanent;
    atom state("stopped");
    term reason = atoms::undefined;
    if (is_running(app.name)) {
      state = atom("running");
    } else if (type == appup::start_type::load || type == appup::start_type::none) {
      state = atom("loaded");
    } else {
      const auto s =
          std::find_if(stopped_.begin(), stopped_.end(), [&](const stopped_app& x) { return x.name == app.name; });
      if (s != stopped_.end()) reason = s->reason;
    }
    out.push_back(map({{atom("name"), app.name},
                       {atom("description"), binary(app.description)},
                       {atom("vsn"), binary(app.vsn)},
                       {atom("type"), type_atom(type)},
                       {atom("state"), state},
                       {atom("reason"), reason}}));
  }
  return term::make_list(out);
}

void application_controller::upgraded(const loaded_release& target, const configuration& release_config,
                                      std::chrono::milliseconds timeout) {
  for (const application_spec& app : target.applications) {
    for (running_app& r : running_)
      if (r.name == app.name) {
        r.vsn = app.vsn;
        r.description = app.description;
      }
    if (std::find(env_loaded_.begin(), env_loaded_.end(), app.name) == env_loaded_.end()) continue;
    const application::environment before = application::get_all_env(app.name);
    const application::environment after = effective_env(app, release_config, node_config_);
    application::load_env(app.name, after);
    const env_change change = diff_env(before, after);
    if (change.empty() || !app.config_change || !is_running(app.name)) continue;
    const std::string who =
        std::string(app.name.text()) + "'s config_change (" + std::string(app.config_change->text()) + ")";
    try {
      const term reply = gen_server::call(
          *app.config_change, tuple(atom("config_change"), change.changed, change.added, change.removed), timeout);
      if (!reply.is_atom(atoms::ok))
        log::write(log::level::warning, "application " + who + " answered " + reply.to_string());
    } catch (const exit_exception& e) {
      log::write(log::level::warning, "application " + who + " failed: " + to_string(e.reason(), report_limits));
    }
  }
}

}  // namespace otp::release
