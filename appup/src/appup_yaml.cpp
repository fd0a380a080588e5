// The appup YAML reader: yaml-cpp for the syntax, every check here, every error with a position.
#include "otp/appup_yaml.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <initializer_list>
#include <utility>
#include <vector>

#include "otp/detail/yaml_reader.hpp"

namespace otp::appup {

yaml_error::yaml_error(std::string file, std::size_t line, std::size_t column, std::string message)
    : std::runtime_error(line == 0 ? file + ": " + message
                                   : file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message),
      file_(std::move(file)),
      line_(line),
      column_(column),
      message_(std::move(message)) {}

namespace {

constexpr std::string_view instruction_names[] = {"load_module",
                                                  "update",
                                                  "add_module",
                                                  "delete_module",
                                                  "add_application",
                                                  "remove_application",
                                                  "restart_application",
                                                  "apply",
                                                  "load_object_code",
                                                  "point_of_no_return",
                                                  "load",
                                                  "remove",
                                                  "purge",
                                                  "suspend",
                                                  "resume",
                                                  "code_change",
                                                  "stop",
                                                  "start",
                                                  "sync_nodes",
                                                  "restart_new_emulator",
                                                  "restart_emulator"};

bool is_instruction_name(std::string_view k) {
  return std::find(std::begin(instruction_names), std::end(instruction_names), k) != std::end(instruction_names);
}

std::string all_instruction_names() {
  std::string out;
  for (auto n : instruction_names) out += (out.empty() ? "" : ", ") + std::string(n);
  return out;
}

using detail::field;

class reader : public detail::yaml_reader {
 public:
  explicit reader(std::string file) : yaml_reader(std::move(file), "a module or application name") {}

  purge_method purge(const YAML::Node& n, const std::string& what) const {
    std::string s = n.IsScalar() ? n.Scalar() : std::string();
    if (s == "soft_purge") return purge_method::soft_purge;
    if (s == "brutal_purge") return purge_method::brutal_purge;
    fail(n, what + " must be soft_purge or brutal_purge, got " + describe(n));
  }

  timeout_spec timeout(const YAML::Node& n, const std::string& what) const {
    std::string s = n.IsScalar() ? n.Scalar() : std::string();
    if (s == "default") return {};
    if (s == "infinity") return timeout_spec::infinite();
    std::int64_t ms = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), ms);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size() || ms <= 0)
      fail(n, what + " must be default, infinity or a positive number of milliseconds, got " + describe(n));
    return timeout_spec::millis(ms);
  }

  bool boolean(const YAML::Node& n, const std::string& what) const {
    std::string s = n.IsScalar() ? n.Scalar() : std::string();
    if (s == "true") return true;
    if (s == "false") return false;
    fail(n, what + " must be true or false, got " + describe(n));
  }

  apply mfa(const YAML::Node& n, const std::string& what) const {
    auto fs = fields(n, what, {"module", "function", "args"});
    apply x{name(require(n, fs, "module", what).value, "'module'"),
            name(require(n, fs, "function", what).value, "'function'"),
            {}};
    if (const field* f = get(fs, "args")) {
      term args = erlang_term(f->value, "'args'");
      if (!args.is_proper_list())
        fail(f->value, "'args' must be an Erlang list such as [a, 1], got " + args.to_string());
      x.args.assign(args.elements().begin(), args.elements().end());
    }
    return x;
  }

  void empty_value(const field& f) const {
    if (!f.value.IsNull()) fail(f.value, "'" + f.key + "' takes no value; write it as a plain list item: - " + f.key);
  }

  instruction instr(const YAML::Node& n) const {
    if (n.IsScalar()) {
      const std::string& s = n.Scalar();
      if (s == "point_of_no_return") return low_instruction{point_of_no_return{}};
      if (s == "restart_new_emulator") return low_instruction{restart_new_emulator{}};
      if (s == "restart_emulator") return low_instruction{restart_emulator{}};
      if (is_instruction_name(s)) fail(n, "instruction '" + s + "' needs an argument: write it as '- " + s + ": ...'");
      fail(n, "unknown instruction '" + s + "'; expected one of " + all_instruction_names());
    }
    if (!n.IsMap())
      fail(n,
           "an instruction must be a map such as '- update: my_module' or a plain word such as "
           "'- point_of_no_return', got " +
               describe(n));
    if (n.size() == 0) fail(n, "an empty map is not an instruction; write e.g. '- update: my_module'");
    // Which instruction: the one key that names an instruction.
    bool found = false;
    std::string kind;
    for (auto it = n.begin(); it != n.end(); ++it) {
      YAML::Node key = it->first;
      if (!key.IsScalar() || !is_instruction_name(key.Scalar())) continue;
      if (found && key.Scalar() == kind) fail(key, "duplicate key '" + kind + "' in the '" + kind + "' instruction");
      if (found)
        fail(key, "two instructions in one list item ('" + kind + "' and '" + key.Scalar() +
                      "'); write each as its own '- ' item");
      kind = key.Scalar();
      found = true;
    }
    if (!found) {
      std::string first = n.begin() != n.end() && n.begin()->first.IsScalar() ? n.begin()->first.Scalar() : "";
      fail(n.begin() != n.end() ? n.begin()->first.Mark() : n.Mark(),
           "unknown instruction '" + first + "'; expected one of " + all_instruction_names());
    }
    const std::string what = "the '" + kind + "' instruction";
    auto lookup = [&](std::initializer_list<std::string_view> allowed) { return fields(n, what, allowed); };

    if (kind == "update") {
      auto fs = lookup(
          {"update", "change", "mod_type", "timeout", "pre_purge", "post_purge", "dep_mods", "supervisor", "mode"});
      atom m = name(get(fs, "update")->value, "'update'");
      const field* sup = get(fs, "supervisor");
      if (sup && boolean(sup->value, "'supervisor'")) {
        for (const auto& f : fs)
          if (f.key == "mode")
            fail(f.key_node,
                 "a supervisor is never rolled: 'supervisor: true' takes no 'mode' (its children are "
                 "found through it, so it is suspended and migrated in OTP's order)");
        for (const auto& f : fs)
          if (f.key != "update" && f.key != "supervisor")
            fail(f.key_node, "'supervisor: true' is {update, M, supervisor} and takes no '" + f.key +
                                 "' (it means mod_type static, change {advanced, []}, brutal purges)");
        return update::supervisor(m);
      }
      update u{m};
      if (const field* f = get(fs, "change")) u.change = change(f->value);
      if (const field* f = get(fs, "mod_type")) {
        std::string t = f->value.IsScalar() ? f->value.Scalar() : std::string();
        if (t == "dynamic")
          u.type = mod_type::dynamic;
        else if (t == "static")
          u.type = mod_type::static_;
        else
          fail(f->value, "'mod_type' must be dynamic or static, got " + describe(f->value));
      }
      if (const field* f = get(fs, "timeout")) u.timeout = timeout(f->value, "'timeout'");
      if (const field* f = get(fs, "pre_purge")) u.pre_purge = purge(f->value, "'pre_purge'");
      if (const field* f = get(fs, "post_purge")) u.post_purge = purge(f->value, "'post_purge'");
      if (const field* f = get(fs, "dep_mods")) u.dep_mods = names(f->value, "'dep_mods'");
      if (const field* f = get(fs, "mode")) {
        const std::string t = f->value.IsScalar() ? f->value.Scalar() : std::string();
        if (t == "rolling")
          u.mode = update_mode::rolling;
        else if (t == "suspend_all")
          u.mode = update_mode::suspend_all;
        else
          fail(f->value, "'mode' of an update must be rolling or suspend_all, got " + describe(f->value));
      }
      return u;
    }
    if (kind == "load_module") {
      auto fs = lookup({"load_module", "pre_purge", "post_purge", "dep_mods"});
      load_module l{name(get(fs, kind)->value, "'load_module'")};
      if (const field* f = get(fs, "pre_purge")) l.pre_purge = purge(f->value, "'pre_purge'");
      if (const field* f = get(fs, "post_purge")) l.post_purge = purge(f->value, "'post_purge'");
      if (const field* f = get(fs, "dep_mods")) l.dep_mods = names(f->value, "'dep_mods'");
      return l;
    }
    if (kind == "add_module" || kind == "delete_module") {
      auto fs = lookup({kind, "dep_mods"});
      atom m = name(get(fs, kind)->value, "'" + kind + "'");
      std::vector<atom> deps;
      if (const field* f = get(fs, "dep_mods")) deps = names(f->value, "'dep_mods'");
      if (kind == "add_module") return add_module{m, deps};
      return delete_module{m, deps};
    }
    if (kind == "add_application") {
      auto fs = lookup({"add_application", "type"});
      add_application x{name(get(fs, kind)->value, "'add_application'")};
      if (const field* f = get(fs, "type")) {
        std::string t = f->value.IsScalar() ? f->value.Scalar() : std::string();
        if (t == "permanent")
          x.type = start_type::permanent;
        else if (t == "transient")
          x.type = start_type::transient;
        else if (t == "temporary")
          x.type = start_type::temporary;
        else if (t == "load")
          x.type = start_type::load;
        else if (t == "none")
          x.type = start_type::none;
        else
          fail(f->value, "'type' must be permanent, transient, temporary, load or none, got " + describe(f->value));
      }
      return x;
    }
    if (kind == "remove_application") {
      auto fs = lookup({"remove_application"});
      return remove_application{name(fs[0].value, "'remove_application'")};
    }
    if (kind == "restart_application") {
      auto fs = lookup({"restart_application"});
      return restart_application{name(fs[0].value, "'restart_application'")};
    }
    if (kind == "apply") {
      auto fs = lookup({"apply"});
      return low_instruction{mfa(fs[0].value, "'apply' (module, function, args)")};
    }
    if (kind == "load_object_code") {
      auto fs = lookup({"load_object_code", "vsn", "modules"});
      // The application and its version name the directory the code is loaded from.
      return low_instruction{load_object_code{file_name(get(fs, kind)->value, "'load_object_code'"),
                                              file_version(require(n, fs, "vsn", what).value, "'vsn'"),
                                              names(require(n, fs, "modules", what).value, "'modules'")}};
    }
    if (kind == "point_of_no_return" || kind == "restart_new_emulator" || kind == "restart_emulator") {
      auto fs = lookup({kind});
      empty_value(fs[0]);
      if (kind == "point_of_no_return") return low_instruction{point_of_no_return{}};
      if (kind == "restart_new_emulator") return low_instruction{restart_new_emulator{}};
      return low_instruction{restart_emulator{}};
    }
    if (kind == "load" || kind == "remove") {
      auto fs = lookup({kind, "pre_purge", "post_purge"});
      atom m = name(get(fs, kind)->value, "'" + kind + "'");
      purge_method pre = purge_method::brutal_purge, post = purge_method::brutal_purge;
      if (const field* f = get(fs, "pre_purge")) pre = purge(f->value, "'pre_purge'");
      if (const field* f = get(fs, "post_purge")) post = purge(f->value, "'post_purge'");
      if (kind == "load") return low_instruction{load{m, pre, post}};
      return low_instruction{remove{m, pre, post}};
    }
    if (kind == "purge" || kind == "resume" || kind == "stop" || kind == "start") {
      auto fs = lookup({kind});
      auto mods = names(fs[0].value, "'" + kind + "'");
      if (kind == "purge") return low_instruction{appup::purge{mods}};
      if (kind == "resume") return low_instruction{resume{mods}};
      if (kind == "stop") return low_instruction{stop{mods}};
      return low_instruction{start{mods}};
    }
    if (kind == "suspend") {
      auto fs = lookup({"suspend"});
      const YAML::Node& list = fs[0].value;
      if (!list.IsSequence())
        fail(list, "'suspend' must be a list of modules (a name, or {module: M, timeout: T}), got " + describe(list));
      suspend s;
      for (const auto& item : list) {
        if (item.IsMap()) {
          auto efs = fields(item, "a 'suspend' entry", {"module", "timeout"});
          suspend_entry e{name(require(item, efs, "module", "a 'suspend' entry").value, "'module'"), {}};
          if (const field* f = get(efs, "timeout")) e.timeout = timeout(f->value, "'timeout'");
          s.modules.push_back(e);
        } else {
          s.modules.push_back({name(item, "each entry of 'suspend'"), {}});
        }
      }
      return low_instruction{s};
    }
    if (kind == "code_change") {
      auto fs = lookup({"code_change", "mode"});
      code_change c;
      if (const field* f = get(fs, "mode")) {
        std::string m = f->value.IsScalar() ? f->value.Scalar() : std::string();
        if (m == "up")
          c.mode = change_mode::up;
        else if (m == "down")
          c.mode = change_mode::down;
        else
          fail(f->value, "'mode' must be up or down, got " + describe(f->value));
      }
      const YAML::Node& list = get(fs, "code_change")->value;
      if (!list.IsSequence())
        fail(list, "'code_change' must be a list of {module: M, extra: \"Term\"}, got " + describe(list));
      for (const auto& item : list) {
        auto efs = fields(item, "a 'code_change' entry", {"module", "extra"});
        c.modules.push_back({name(require(item, efs, "module", "a 'code_change' entry").value, "'module'"),
                             erlang_term(require(item, efs, "extra", "a 'code_change' entry").value, "'extra'")});
      }
      return low_instruction{c};
    }
    // sync_nodes
    auto fs = lookup({"sync_nodes", "nodes", "nodes_from"});
    sync_nodes s{erlang_term(get(fs, kind)->value, "the 'sync_nodes' id"), {}, {}};
    const field* nodes = get(fs, "nodes");
    const field* from = get(fs, "nodes_from");
    if (nodes && from) fail(from->key_node, "'sync_nodes' takes either 'nodes' or 'nodes_from', not both");
    if (!nodes && !from) fail(n, "missing required key 'nodes' (or 'nodes_from') in " + what);
    if (nodes)
      s.nodes = names(nodes->value, "'nodes'");
    else
      s.nodes_from = mfa(from->value, "'nodes_from' (module, function, args)");
    return low_instruction{s};
  }

  change_spec change(const YAML::Node& n) const {
    if (n.IsScalar() && n.Scalar() == "soft") return change_spec::soft();
    if (n.IsMap()) {
      auto fs = fields(n, "'change'", {"advanced"});
      if (fs.empty()) fail(n, "'change' must be soft or {advanced: \"Extra\"}");
      return change_spec::advanced_with(erlang_term(fs[0].value, "'advanced'"));
    }
    fail(n, "'change' must be soft or {advanced: \"Extra\"}, got " + describe(n));
  }

  std::vector<appup_entry> entries(const YAML::Node& list, std::string_view direction) const {
    bool up = direction == "up";
    std::string what = up ? "an 'up' entry" : "a 'down' entry";
    std::string exact_key = up ? "from" : "to";
    std::string regex_key = exact_key + "_regex";
    if (!list.IsSequence())
      fail(list, "'" + std::string(direction) + "' must be a list of entries (- " + exact_key +
                     ": VSN, instructions: [...]), got " + describe(list));
    std::vector<appup_entry> out;
    for (const auto& item : list) {
      auto fs = fields(item, what, {exact_key, regex_key, "instructions"});
      const field* exact = get(fs, exact_key);
      const field* re = get(fs, regex_key);
      if (exact && re)
        fail(re->key_node, "use either '" + exact_key + "' or '" + regex_key + "' in " + what + ", not both");
      if (!exact && !re)
        fail(item, "missing required key '" + exact_key + "' (an exact version) or '" + regex_key +
                       "' (a regular expression) in " + what);
      std::optional<version_pattern> v;
      if (exact) {
        v = version_pattern::exact(version(exact->value, "'" + exact_key + "'"));
      } else {
        std::string pattern = version(re->value, "'" + regex_key + "'");
        try {
          v = version_pattern::regex(pattern);
        } catch (const bad_version_pattern& e) {
          fail(re->value, "'" + regex_key + "' is not a valid regular expression: " + e.what());
        }
      }
      const field& instrs = require(item, fs, "instructions", what);
      if (!instrs.value.IsSequence())
        fail(instrs.value, "'instructions' must be a list, got " + describe(instrs.value));
      appup_entry entry{*v, {}};
      for (const auto& i : instrs.value) entry.instructions.push_back(instr(i));
      out.push_back(std::move(entry));
    }
    return out;
  }

  appup_spec document(const YAML::Node& root) const {
    if (!root.IsMap()) fail(root, "an appup must be a map with the keys vsn, up and down, got " + describe(root));
    auto fs = fields(root, "the appup", {"vsn", "up", "down"});
    appup_spec spec;
    spec.source = file();
    spec.vsn = version(require(root, fs, "vsn", "the appup").value, "'vsn'");
    if (const field* f = get(fs, "up")) spec.up = entries(f->value, "up");
    if (const field* f = get(fs, "down")) spec.down = entries(f->value, "down");
    return spec;
  }
};

}  // namespace

appup_spec parse_appup(std::string_view yaml_text, std::string file_name) {
  reader r(std::move(file_name));
  return r.parse(yaml_text, [&](const YAML::Node& root) { return r.document(root); });
}

appup_spec load_appup_file(const std::filesystem::path& path) {
  return parse_appup(detail::read_text_file(path), path.string());
}

}  // namespace otp::appup
