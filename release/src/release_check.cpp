// The whole-release check: the models say what is wrong, a second read of each file's YAML says
// where (the models keep no positions).
#include "otp/release_check.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <system_error>
#include <utility>
#include <variant>

#include "otp/appup_yaml.hpp"
#include "otp/detail/cat.hpp"
#include "otp/release_file.hpp"
#include "otp/sha256.hpp"
#include "otp/version_order.hpp"

namespace otp::release {

namespace fs = std::filesystem;
using otp::detail::cat;

std::string release_problem::to_string() const {
  if (file.empty()) return message;
  if (line == 0) return cat(file, ": ", message);
  return cat(file, ":", std::to_string(line), ":", std::to_string(column), ": ", message);
}

namespace {

struct position {
  std::size_t line = 0, column = 0;
};

// Where things are in one YAML file; every lookup gives 0:0 (the whole file) when it finds nothing.
class yaml_positions {
 public:
  explicit yaml_positions(const fs::path& file) {
    try {
      root_ = YAML::LoadFile(file.string());
    } catch (const YAML::Exception&) {  // the parser has reported it
    }
  }

  position of_value(std::string_view key) const { return at(child(root_, key)); }

  // The item of the list under `key` whose text is `item`.
  position of_item(std::string_view key, std::string_view item) const {
    const YAML::Node list = child(root_, key);
    if (list.IsSequence())
      for (const YAML::Node& n : list)
        if (n.IsScalar() && n.Scalar() == item) return at(n);
    return {};
  }

  // `field` of the release's application entry named `app`.
  position of_release_app(std::string_view app, std::string_view field) const {
    const YAML::Node apps = child(root_, "applications");
    if (apps.IsSequence())
      for (const YAML::Node& entry : apps)
        if (const YAML::Node name = child(entry, "name"); name.IsScalar() && name.Scalar() == app)
          return at(child(entry, field));
    return {};
  }

  // The first value `module` of an instruction key among `keys`, in the entries of `list_key`.
  position of_instruction(std::string_view list_key, std::initializer_list<std::string_view> keys,
                          std::string_view module) const {
    const YAML::Node entries = child(root_, list_key);
    if (!entries.IsSequence()) return {};
    for (const YAML::Node& entry : entries) {
      const YAML::Node instructions = child(entry, "instructions");
      if (!instructions.IsSequence()) continue;
      for (const YAML::Node& i : instructions)
        for (std::string_view key : keys)
          if (const YAML::Node v = child(i, key); v.IsScalar() && v.Scalar() == module) return at(v);
    }
    return {};
  }

 private:
  static YAML::Node child(const YAML::Node& map, std::string_view key) {
    if (!map.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
    for (auto it = map.begin(); it != map.end(); ++it)
      if (it->first.IsScalar() && it->first.Scalar() == key) return it->second;
    return YAML::Node(YAML::NodeType::Undefined);
  }
  static position at(const YAML::Node& n) {
    if (!n.IsDefined() || n.Mark().is_null()) return {};
    return {static_cast<std::size_t>(n.Mark().line) + 1, static_cast<std::size_t>(n.Mark().column) + 1};
  }

  YAML::Node root_;
};

// The versions of `app` that lib/ holds, for "it has ..." in messages.
std::string versions_in_lib(const release_root& root, atom app) {
  std::vector<std::string> found;
  const std::string prefix = cat(app.text(), "-");
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(root.root() / "lib", ec)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_directory() && name.starts_with(prefix)) found.push_back(name.substr(prefix.size()));
  }
  if (found.empty()) return cat("lib/ has no version of ", app.text());
  std::sort(found.begin(), found.end(), [](const std::string& a, const std::string& b) { return version_less(a, b); });
  std::string list;
  for (const std::string& v : found) list += (list.empty() ? "" : ", ") + v;
  return cat("lib/ has ", app.text(), " ", list);
}

// The modules an appup's `up` instructions update, load or add: the upgraded version must have them.
std::vector<std::pair<atom, std::string_view>> modules_named_up(const appup::appup_spec& up) {
  std::vector<std::pair<atom, std::string_view>> out;
  for (const appup::appup_entry& entry : up.up)
    for (const appup::instruction& i : entry.instructions) {
      if (const auto* u = std::get_if<appup::update>(&i)) out.emplace_back(u->module, "update");
      if (const auto* l = std::get_if<appup::load_module>(&i)) out.emplace_back(l->module, "load_module");
      if (const auto* a = std::get_if<appup::add_module>(&i)) out.emplace_back(a->module, "add_module");
    }
  return out;
}

void collect_child_names(const supervisor_tree& tree, std::vector<const child_entry*>& out) {
  for (const child_entry& c : tree.children) {
    if (c.name) out.push_back(&c);
    if (c.nested) collect_child_names(*c.nested, out);
  }
}

class checker {
 public:
  checker(const release_root& root, std::string vsn) : root_(root), vsn_(std::move(vsn)) {}

  release_check_result run() {
    fs::path rel_path;
    appup::release rel;
    try {
      rel_path = root_.release_file(vsn_);
      rel = load_release_file(rel_path);
    } catch (const appup::yaml_error& e) {
      add_parse_error(e);
      return std::move(out_);
    } catch (const layout_error& e) {
      const std::string what = e.what();
      add(e.path(), {}, what.substr(std::min(what.size(), e.path().string().size() + 2)));
      return std::move(out_);
    } catch (const std::exception& e) {
      out_.problems.push_back({{}, 0, 0, e.what()});
      return std::move(out_);
    }
    const yaml_positions rel_pos(rel_path);
    if (rel.vsn != vsn_)
      add(rel_path, rel_pos.of_value("vsn"), cat("the release's vsn is '", rel.vsn, "' but it is in releases/", vsn_));
    const std::string expected_name = cat(rel.name, ".rel.yaml");
    if (rel_path.filename().string() != expected_name)
      add(rel_path, rel_pos.of_value("name"),
          cat("the release is named '", rel.name, "', so its file must be ", expected_name));
    for (const appup::release_app& a : rel.apps) check_application(rel, rel_path, rel_pos, a);
    check_start_order(rel);
    return std::move(out_);
  }

 private:
  void add(const fs::path& file, position at, std::string message) {
    out_.problems.push_back({file.string(), at.line, at.column, std::move(message)});
  }
  void add_parse_error(const appup::yaml_error& e) {
    out_.problems.push_back({e.file(), e.line(), e.column(), e.message()});
  }

  void check_application(const appup::release& rel, const fs::path& rel_path, const yaml_positions& rel_pos,
                         const appup::release_app& a) {
    const fs::path dir = root_.lib_dir(a.name, a.vsn);
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
      add(rel_path, rel_pos.of_release_app(a.name.text(), "vsn"),
          cat("application ", a.name.text(), " ", a.vsn, " does not exist: missing application directory ",
              dir.string(), " (", versions_in_lib(root_, a.name), ")"));
      return;
    }
    const fs::path app_path = root_.app_file(a.name, a.vsn);
    application_spec spec;
    try {
      root_.refuse_links(app_path);
      spec = load_application_file(app_path);
    } catch (const appup::yaml_error& e) {
      add_parse_error(e);
      return;
    } catch (const std::exception& e) {  // a link: the message names it
      add({}, {}, e.what());
      return;
    }
    const yaml_positions app_pos(app_path);
    if (spec.name != a.name)
      add(app_path, app_pos.of_value("name"),
          cat("the application is named '", spec.name.text(), "' but it is in ", dir.filename().string(),
              ", expected '", a.name.text(), "'"));
    if (spec.vsn != a.vsn)
      add(app_path, app_pos.of_value("vsn"),
          cat("the application's vsn is '", spec.vsn, "' but it is in ", dir.filename().string(), ", expected '", a.vsn,
              "'"));
    for (atom dep : spec.applications)
      if (!rel.find(dep))
        add(app_path, app_pos.of_item("applications", dep.text()),
            cat(a.name.text(), " depends on ", dep.text(), ", which is not in the release"));
    check_modules(a, spec, app_path, app_pos);
    check_appup(a, spec);
    check_registered(spec, app_path);
    dependencies_[a.name.index()] = {spec.applications, app_path};
  }

  void check_modules(const appup::release_app& a, const application_spec& spec, const fs::path& app_path,
                     const yaml_positions& app_pos) {
    for (atom m : spec.modules) {
      const auto file = root_.find_module(a.name, a.vsn, m);
      if (!file) {
        const fs::path dir = root_.modules_dir(a.name, a.vsn);
        std::string why =
            cat(dir.string(), ": missing module file ", m.text(), "-", a.vsn, ".so (or ", m.text(), ".so)");
        try {  // a link where the file should be is refused, and said so
          root_.refuse_links(dir / cat(m.text(), "-", a.vsn, ".so"));
          root_.refuse_links(dir / cat(m.text(), ".so"));
        } catch (const std::exception& e) {
          why = e.what();
        }
        add(app_path, app_pos.of_item("modules", m.text()), why);
        continue;
      }
      try {
        out_.files.push_back({std::string(a.name.text()), a.vsn, std::string(m.text()),
                              fs::relative(*file, root_.root()).generic_string(), sha256_file_hex(*file)});
      } catch (const std::exception& e) {
        add(file->string(), {}, e.what());
      }
    }
  }

  void check_appup(const appup::release_app& a, const application_spec& spec) {
    const fs::path appup_path = root_.appup_file(a.name, a.vsn);
    std::optional<appup::appup_spec> up;
    try {
      up = root_.read_appup(a.name, a.vsn);
    } catch (const appup::yaml_error& e) {
      add_parse_error(e);
      return;
    }
    if (!up) return;
    const yaml_positions up_pos(appup_path);
    if (up->vsn != a.vsn)
      add(appup_path, up_pos.of_value("vsn"),
          cat("the appup's vsn is '", up->vsn, "' but it is in ", root_.lib_dir(a.name, a.vsn).filename().string(),
              ", expected '", a.vsn, "'"));
    for (const auto& [module, instruction] : modules_named_up(*up))
      if (std::find(spec.modules.begin(), spec.modules.end(), module) == spec.modules.end())
        add(appup_path, up_pos.of_instruction("up", {instruction}, module.text()),
            cat("'", instruction, ": ", module.text(), "' names a module that ", a.name.text(), " ", a.vsn,
                " does not have (its 'modules' are ", names_text(spec.modules), ")"));
  }

  void check_registered(const application_spec& spec, const fs::path& app_path) {
    if (!spec.supervisor) return;
    std::vector<const child_entry*> named;
    collect_child_names(*spec.supervisor, named);
    for (const child_entry* c : named)
      if (std::find(spec.registered.begin(), spec.registered.end(), *c->name) == spec.registered.end())
        add(app_path, {c->name_line, c->name_column},
            cat("child ", c->id.text(), " registers the name '", c->name->text(),
                "', which the application's 'registered' does not list"));
  }

  // The dependencies must give a start order: a cycle among the release's applications has none.
  void check_start_order(const appup::release& rel) {
    std::map<std::uint32_t, int> state;  // 0 unseen, 1 on the path, 2 done
    std::vector<atom> path;
    std::function<void(atom)> visit = [&](atom app) {
      state[app.index()] = 1;
      path.push_back(app);
      const auto it = dependencies_.find(app.index());
      if (it != dependencies_.end())
        for (atom dep : it->second.deps) {
          if (!rel.find(dep)) continue;
          if (state[dep.index()] == 1) {
            std::string cycle;
            for (auto p = std::find(path.begin(), path.end(), dep); p != path.end(); ++p)
              cycle += cat(p->text(), " -> ");
            add(it->second.file, yaml_positions(it->second.file).of_item("applications", dep.text()),
                cat("start-order cycle: ", cycle, dep.text(), " (each application starts after those it depends on)"));
          } else if (state[dep.index()] == 0) {
            visit(dep);
          }
        }
      path.pop_back();
      state[app.index()] = 2;
    };
    for (const appup::release_app& a : rel.apps)
      if (state[a.name.index()] == 0) visit(a.name);
  }

  static std::string names_text(const std::vector<atom>& names) {
    std::string out = "[";
    for (std::size_t i = 0; i < names.size(); ++i) out += cat(i == 0 ? "" : ", ", names[i].text());
    return out + "]";
  }

  struct app_dependencies {
    std::vector<atom> deps;
    fs::path file;
  };

  const release_root& root_;
  const std::string vsn_;
  release_check_result out_;
  std::map<std::uint32_t, app_dependencies> dependencies_;
};

}  // namespace

release_check_result check_release(const release_root& root, const std::string& vsn) {
  return checker(root, vsn).run();
}

}  // namespace otp::release
