// Application files: the YAML reader (checks through the supervisor's own validation) and the
// conversion of the supervision tree to supervisor child specs and behaviours.
#include "otp/application_file.hpp"

#include <algorithm>
#include <utility>

#include "env_yaml.hpp"
#include "otp/detail/yaml_reader.hpp"
#include "otp/log.hpp"
#include "otp/process.hpp"

namespace otp::release {

namespace {

using appup::detail::field;
using otp::detail::cat;
// Which field of a child a supervisor validation reason is about.
std::string_view child_field_of(const term& reason) {
  const term tag = reason.is_tuple() && reason.size() >= 1 ? reason[0] : reason;
  if (!tag.is_atom()) return {};
  const std::string_view t = tag.as_atom().text();
  if (t == "invalid_restart_type") return "restart";
  if (t == "invalid_child_type") return "type";
  if (t == "invalid_shutdown") return "shutdown";
  if (t == "invalid_significant" || t == "bad_combination") return "significant";
  if (t == "invalid_modules" || t == "invalid_module") return "modules";
  if (t == "invalid_mfa") return "start";
  return {};
}

std::string_view flags_field_of(const term& reason) {
  const term tag = reason.is_tuple() && reason.size() >= 1 ? reason[0] : reason;
  if (!tag.is_atom()) return {};
  const std::string_view t = tag.as_atom().text();
  if (t == "invalid_strategy") return "strategy";
  if (t == "invalid_intensity") return "intensity";
  if (t == "invalid_period") return "period";
  if (t == "invalid_auto_shutdown") return "auto_shutdown";
  return {};
}

class app_reader : public detail::env_reader {
 public:
  using env_reader::env_reader;

  application_spec document(const YAML::Node& root) const {
    const std::string what = "the application";
    auto fs = fields(
        root, what,
        {"name", "vsn", "description", "modules", "registered", "applications", "supervisor", "env", "config_change"});
    application_spec app;
    app.source = file();
    app.name = file_name(require(root, fs, "name", what).value, "'name'");
    app.vsn = file_version(require(root, fs, "vsn", what).value, "'vsn'");
    if (const field* f = get(fs, "description")) app.description = scalar(f->value, "'description'");
    if (const field* f = get(fs, "modules")) app.modules = distinct_file_names(f->value, "'modules'");
    if (const field* f = get(fs, "registered")) app.registered = distinct_names(f->value, "'registered'");
    if (const field* f = get(fs, "applications")) app.applications = distinct_file_names(f->value, "'applications'");
    if (const field* f = get(fs, "supervisor")) app.supervisor = tree(f->value, "the 'supervisor'");
    if (const field* f = get(fs, "env")) app.env = environment(f->value, "'env'");
    if (const field* f = get(fs, "config_change")) app.config_change = name(f->value, "'config_change'");
    return app;
  }

 private:
  supervisor_tree tree(const YAML::Node& n, const std::string& what) const {
    auto fs = fields(n, what, {"name", "strategy", "intensity", "period", "auto_shutdown", "children"});
    supervisor_tree t;
    if (const field* f = get(fs, "name")) t.name = name(f->value, "the supervisor's 'name'");
    // The flags, checked by supervisor::flags::from_term.
    std::vector<std::pair<term, term>> flag_terms;
    for (std::string_view key : {"strategy", "intensity", "period", "auto_shutdown"})
      if (const field* f = get(fs, key)) flag_terms.emplace_back(atom(key), scalar_term(f->value, cat("'", key, "'")));
    try {
      t.flags = supervisor::flags::from_term(term::make_map(flag_terms));
    } catch (const supervisor::spec_error& e) {
      const field* f = get(fs, flags_field_of(e.reason()));
      fail(f ? f->value : n, cat(expected_flag(flags_field_of(e.reason())), " (", e.reason().to_string(), ")"));
    }
    if (const field* f = get(fs, "children")) {
      if (!f->value.IsSequence())
        fail(f->value, cat("'children' must be a list of child specs, got ", describe(f->value)));
      for (const auto& item : f->value) {
        child_entry c = child(item, t.flags.auto_shutdown);
        t.children.push_back(std::move(c));
      }
      // Duplicate ids: {duplicate_child_name, Id}, at the second one.
      for (std::size_t i = 0; i < t.children.size(); ++i)
        for (std::size_t j = 0; j < i; ++j)
          if (t.children[i].id == t.children[j].id)
            throw appup::yaml_error(file(), t.children[i].line, t.children[i].column,
                                    cat("duplicate child id '", t.children[i].id.text(), "' ({duplicate_child_name,",
                                        term(t.children[i].id).to_string(), "})"));
    }
    if (t.flags.restart_strategy == supervisor::strategy::simple_one_for_one && t.children.size() != 1) {
      const field* f = get(fs, "children");
      fail(f ? f->value : n, cat("a simple_one_for_one supervisor has exactly one child (the template for "
                                 "start_child), got ",
                                 std::to_string(t.children.size())));
    }
    return t;
  }

  static std::string expected_flag(std::string_view key) {
    if (key == "strategy") return "'strategy' must be one_for_one, one_for_all, rest_for_one or simple_one_for_one";
    if (key == "intensity") return "'intensity' must be an integer >= 0";
    if (key == "period") return "'period' must be an integer > 0 (seconds)";
    if (key == "auto_shutdown") return "'auto_shutdown' must be never, any_significant or all_significant";
    return "invalid supervisor flags";
  }

  static std::string expected_child(std::string_view key) {
    if (key == "restart") return "'restart' must be permanent, transient or temporary";
    if (key == "type") return "'type' must be worker or supervisor";
    if (key == "shutdown") return "'shutdown' must be brutal_kill, infinity or an integer >= 0 (milliseconds)";
    if (key == "significant")
      return "'significant' must be true or false; true needs a restart other than permanent and a supervisor "
             "auto_shutdown other than never";
    if (key == "modules") return "'modules' must be a list of module names or dynamic";
    if (key == "start") return "'start' must name a module";
    return "invalid child spec";
  }

  os_process::spec executable(const YAML::Node& n) const {
    const std::string what = "'executable'";
    auto fs = fields(n, what, {"path", "arguments", "environment", "working_directory"});
    os_process::spec p;
    p.executable = scalar(require(n, fs, "path", what).value, "'path'");
    if (p.executable.empty()) fail(require(n, fs, "path", what).value, "'path' must not be empty");
    if (const field* f = get(fs, "arguments")) p.arguments = strings(f->value, "'arguments'");
    if (const field* f = get(fs, "environment")) {
      if (!f->value.IsMap())
        fail(f->value, cat("'environment' must be a map of variable names to values, got ", describe(f->value)));
      for (auto it = f->value.begin(); it != f->value.end(); ++it) {
        YAML::Node k = it->first;
        YAML::Node v = it->second;
        std::string key = scalar(k, "an environment variable name");
        if (key.empty() || key.find('=') != std::string::npos)
          fail(k, cat("an environment variable name must be non-empty and without '=', got '", key, "'"));
        if (p.environment.count(key)) fail(k, cat("duplicate environment variable '", key, "'"));
        p.environment[key] = v.IsNull() ? std::string() : scalar(v, cat("the value of '", key, "'"));
      }
    }
    if (const field* f = get(fs, "working_directory")) p.working_directory = scalar(f->value, "'working_directory'");
    return p;
  }

  child_entry child(const YAML::Node& n, supervisor::auto_shutdown mode) const {
    const std::string what = "a child";
    auto fs = fields(
        n, what,
        {"id", "start", "executable", "supervisor", "name", "restart", "significant", "shutdown", "type", "modules"});
    child_entry c;
    std::tie(c.line, c.column) = position(n);
    const field& id = require(n, fs, "id", what);
    c.id = name(id.value, "'id'");
    const field* start = get(fs, "start");
    const field* exe = get(fs, "executable");
    const field* nested = get(fs, "supervisor");
    const int how = (start ? 1 : 0) + (exe ? 1 : 0) + (nested ? 1 : 0);
    if (how == 0)
      fail(n,
           "missing required key 'start' (a module), 'executable' (an OS process) or 'supervisor' (a nested "
           "supervisor) in a child");
    if (how > 1) {
      const field* second = start && exe ? exe : nested;
      fail(second->key_node, "a child has exactly one of 'start', 'executable' and 'supervisor'");
    }
    term start_mfa;
    if (start) {
      c.tag = child_entry::kind::module;
      if (start->value.IsScalar()) {
        c.module = name(start->value, "'start'");
        c.arg = term();
      } else {
        auto sfs = fields(start->value, "'start'", {"module", "arg"});
        c.module = name(require(start->value, sfs, "module", "'start'").value, "'module'");
        if (const field* a = get(sfs, "arg")) c.arg = erlang_term(a->value, "'arg'");
      }
      start_mfa = tuple(c.module, atom("start_link"), list(c.arg));
    } else if (exe) {
      c.tag = child_entry::kind::executable;
      c.process = executable(exe->value);
      start_mfa = tuple(atom("os_process"), atom("start_link"), list(binary(c.process.executable)));
    } else {
      c.tag = child_entry::kind::supervisor;
      c.nested = std::make_shared<const supervisor_tree>(tree(nested->value, "a nested 'supervisor'"));
      start_mfa = tuple(atom("supervisor"), atom("start_link"), list(term(c.id)));
    }
    // Every child-spec field, checked by supervisor::child_spec::from_term (OTP's rules).
    std::vector<std::pair<term, term>> spec{{atom("id"), c.id}, {atom("start"), start_mfa}};
    for (std::string_view key : {"restart", "significant", "shutdown", "type"})
      if (const field* f = get(fs, key)) spec.emplace_back(atom(key), scalar_term(f->value, cat("'", key, "'")));
    if (const field* f = get(fs, "modules")) {
      if (f->value.IsSequence()) {
        std::vector<term> mods;
        for (atom m : distinct_names(f->value, "'modules'")) mods.emplace_back(m);
        spec.emplace_back(atom("modules"), term::make_list(std::move(mods)));
      } else if (f->value.IsScalar() && f->value.Scalar() == "dynamic") {
        spec.emplace_back(atom("modules"), atom("dynamic"));
      } else {
        fail(f->value, cat("'modules' must be a list of module names or dynamic, got ", describe(f->value)));
      }
    }
    const field* type = get(fs, "type");
    if (nested && !type) spec.emplace_back(atom("type"), atom("supervisor"));
    supervisor::child_spec checked;
    try {
      checked = supervisor::child_spec::from_term(term::make_map(spec), mode);
    } catch (const supervisor::spec_error& e) {
      const std::string_view key = child_field_of(e.reason());
      const field* f = get(fs, key);
      if (key == "significant" && !f) f = get(fs, "restart");
      fail(f ? f->value : n, cat(expected_child(key), " (", e.reason().to_string(), ")"));
    }
    if (nested && checked.type != supervisor::child_type::supervisor)
      fail(type->value, "a nested 'supervisor' child has type supervisor, got 'worker'");
    if (const field* f = get(fs, "name")) {
      if (nested)
        fail(f->key_node,
             "a nested supervisor's registered name is the 'name' of its 'supervisor' map, not of the child");
      c.name = name(f->value, "the child's registered 'name'");
      std::tie(c.name_line, c.name_column) = position(f->value);
    }
    c.restart = checked.restart;
    c.significant = checked.significant;
    c.shutdown = checked.shutdown;
    c.type = checked.type;
    c.modules = checked.modules;
    return c;
  }
};

class tree_behaviour final : public supervisor::behaviour {
 public:
  tree_behaviour(supervisor_tree tree, std::string module_name)
      : tree_(std::move(tree)), module_name_(std::move(module_name)) {}
  supervisor::init_result init(const term&) override {
    std::vector<supervisor::child_spec> specs;
    specs.reserve(tree_.children.size());
    for (const child_entry& c : tree_.children) specs.push_back(to_child_spec(c));
    return supervisor::init_result::ok(tree_.flags, std::move(specs));
  }
  std::string module_name() const override { return module_name_; }

 private:
  supervisor_tree tree_;
  std::string module_name_;
};

}  // namespace

application_spec parse_application(std::string_view yaml_text, std::string file_name) {
  app_reader r(std::move(file_name));
  return r.parse(yaml_text, [&](const YAML::Node& root) { return r.document(root); });
}

application_spec load_application_file(const std::filesystem::path& path) {
  return parse_application(appup::detail::read_text_file(path), path.string());
}

supervisor::child_spec to_child_spec(const child_entry& c) {
  supervisor::child_spec s;
  switch (c.tag) {
    case child_entry::kind::module: s = supervisor::child_spec::module(c.id, c.module, c.arg); break;
    case child_entry::kind::executable: s = supervisor::child_spec::executable(c.id, c.process); break;
    case child_entry::kind::supervisor: {
      const std::string module_name(c.nested->name ? c.nested->name->text() : c.id.text());
      s = supervisor::child_spec::supervisor(
          c.id, supervisor::supervisor_starter(make_supervisor(*c.nested, module_name), c.nested->name));
      s.start = tuple(atom("supervisor"), atom("start_link"), list(term(c.id)));
      break;
    }
  }
  s.restart = c.restart;
  s.significant = c.significant;
  s.shutdown = c.shutdown;
  s.type = c.type;
  s.modules = c.modules;
  s.name = c.name;
  return s;
}

std::shared_ptr<supervisor::behaviour> make_supervisor(const supervisor_tree& tree, std::string module_name) {
  return std::make_shared<tree_behaviour>(tree, std::move(module_name));
}

term start_supervision_tree(const application_spec& app) {
  if (!app.supervisor) return atom("ignore");
  const supervisor_tree& t = *app.supervisor;
  std::string module_name = t.name ? std::string(t.name->text()) : cat(app.name.text(), "_sup");
  term started = supervisor::start_link(make_supervisor(t, std::move(module_name)), term(), t.name);
  if (started.is_tuple() && started.size() >= 2 && started[0].is_atom(atoms::ok))
    for (atom listed : app.registered)
      if (!whereis(listed).is_pid())
        log::write(log::level::warning, cat("application ", app.name.text(), " started, but no process registered '",
                                            listed.text(), "', which its 'registered' lists (", app.source, ")"));
  return started;
}

}  // namespace otp::release
