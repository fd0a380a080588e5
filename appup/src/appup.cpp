// The appup model: version matching, terms and Erlang-syntax text for instructions.
#include "otp/appup.hpp"

#include <boost/regex.hpp>
#include <cstdio>
#include <type_traits>

#include "otp/detail/cat.hpp"
#include "otp/term_text.hpp"
#include "term_helpers.hpp"

namespace otp::appup {

namespace {

using otp::detail::cat;

using detail::atom_term;
using detail::atoms_term;
using detail::overloaded;

term timeout_term(const timeout_spec& t) {
  switch (t.k) {
    case timeout_spec::kind::default_: return atom_term("default");
    case timeout_spec::kind::infinity: return term(atoms::infinity);
    case timeout_spec::kind::milliseconds: return term(static_cast<long long>(t.ms));
  }
  return atom_term("default");
}

term change_term(const change_spec& c) {
  return c.advanced ? tuple(atom_term("advanced"), c.extra) : atom_term("soft");
}

term purge_term(purge_method p) { return atom_term(to_string(p)); }

term apply_term(const apply& x) {
  return tuple(x.module, x.function, term::make_list(std::vector<term>(x.args.begin(), x.args.end())));
}

// Text: terms print as term::to_string does, except that versions print as "strings".
std::string atom_text(atom m) { return term(m).to_string(); }

std::string atoms_text(const std::vector<atom>& mods) {
  std::string out = "[";
  for (std::size_t i = 0; i < mods.size(); ++i) {
    if (i) out += ',';
    out += atom_text(mods[i]);
  }
  return out + "]";
}

std::string args_text(const std::vector<term>& args) {
  std::string out = "[";
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (i) out += ',';
    out += args[i].to_string();
  }
  return out + "]";
}

std::string apply_text(const apply& x) {
  return cat("{", atom_text(x.module), ",", atom_text(x.function), ",", args_text(x.args), "}");
}

std::string purge_pair_text(atom m, purge_method pre, purge_method post) {
  return cat("{", atom_text(m), ",", to_string(pre), ",", to_string(post), "}");
}

}  // namespace

// --- version_pattern ----------------------------------------------------------------------------

version_pattern version_pattern::exact(std::string vsn) {
  version_pattern p;
  p.text_ = std::move(vsn);
  return p;
}

struct version_pattern::compiled {
  boost::regex re;
};

version_pattern version_pattern::regex(std::string pattern) {
  version_pattern p;
  try {
    p.regex_ = std::make_shared<const compiled>(compiled{boost::regex(pattern, boost::regex::perl)});
  } catch (const boost::regex_error& e) {
    throw bad_version_pattern(e.what());
  }
  p.text_ = std::move(pattern);
  return p;
}

bool version_pattern::matches(std::string_view vsn) const {
  if (!regex_) return text_ == vsn;
  // re:run(Vsn, RE, [{capture, first, list}]) must give the whole version: the first (leftmost)
  // match, not any match, has to span the string (systools_relup:appup_search_for_version).
  boost::match_results<std::string_view::const_iterator> m;
  if (!boost::regex_search(vsn.begin(), vsn.end(), m, regex_->re)) return false;
  return m[0].first == vsn.begin() && m[0].second == vsn.end();
}

std::string version_pattern::describe() const {
  return is_regex() ? cat("regex ", quote_string(text_)) : quote_string(text_);
}

term version_pattern::to_term() const { return is_regex() ? binary(text_) : charlist(text_); }

// --- appup_spec ----------------------------------------------------------------------------------

namespace {
const appup_entry* find_entry(const std::vector<appup_entry>& entries, std::string_view vsn) {
  for (const auto& e : entries)
    if (e.version.matches(vsn)) return &e;
  return nullptr;
}

term entries_term(const std::vector<appup_entry>& entries) {
  std::vector<term> out;
  for (const auto& e : entries) {
    std::vector<term> instrs;
    for (const auto& i : e.instructions) instrs.push_back(to_term(i));
    out.push_back(tuple(e.version.to_term(), term::make_list(std::move(instrs))));
  }
  return term::make_list(std::move(out));
}
}  // namespace

const appup_entry* appup_spec::find_up(std::string_view from_vsn) const { return find_entry(up, from_vsn); }
const appup_entry* appup_spec::find_down(std::string_view to_vsn) const { return find_entry(down, to_vsn); }

term appup_spec::to_term() const { return tuple(charlist(vsn), entries_term(up), entries_term(down)); }

// --- names ---------------------------------------------------------------------------------------

std::string_view to_string(purge_method p) { return p == purge_method::soft_purge ? "soft_purge" : "brutal_purge"; }
std::string_view to_string(mod_type t) { return t == mod_type::static_ ? "static" : "dynamic"; }
std::string_view to_string(change_mode m) { return m == change_mode::up ? "up" : "down"; }
std::string_view to_string(update_mode m) { return m == update_mode::rolling ? "rolling" : "suspend_all"; }
std::string_view to_string(start_type t) {
  switch (t) {
    case start_type::permanent: return "permanent";
    case start_type::transient: return "transient";
    case start_type::temporary: return "temporary";
    case start_type::load: return "load";
    case start_type::none: return "none";
  }
  return "permanent";
}

std::string_view name_of(const low_instruction& i) {
  return std::visit(overloaded{
                        [](const load_object_code&) { return std::string_view("load_object_code"); },
                        [](const point_of_no_return&) { return std::string_view("point_of_no_return"); },
                        [](const load&) { return std::string_view("load"); },
                        [](const remove&) { return std::string_view("remove"); },
                        [](const purge&) { return std::string_view("purge"); },
                        [](const suspend&) { return std::string_view("suspend"); },
                        [](const resume&) { return std::string_view("resume"); },
                        [](const code_change&) { return std::string_view("code_change"); },
                        [](const stop&) { return std::string_view("stop"); },
                        [](const start&) { return std::string_view("start"); },
                        [](const sync_nodes&) { return std::string_view("sync_nodes"); },
                        [](const apply&) { return std::string_view("apply"); },
                        [](const restart_new_emulator&) { return std::string_view("restart_new_emulator"); },
                        [](const restart_emulator&) { return std::string_view("restart_emulator"); },
                        [](const rolling_update&) { return std::string_view("rolling_update"); },
                    },
                    i);
}

std::string_view name_of(const instruction& i) {
  return std::visit(overloaded{
                        [](const load_module&) { return std::string_view("load_module"); },
                        [](const update&) { return std::string_view("update"); },
                        [](const add_module&) { return std::string_view("add_module"); },
                        [](const delete_module&) { return std::string_view("delete_module"); },
                        [](const add_application&) { return std::string_view("add_application"); },
                        [](const remove_application&) { return std::string_view("remove_application"); },
                        [](const restart_application&) { return std::string_view("restart_application"); },
                        [](const low_instruction& low) { return name_of(low); },
                    },
                    i);
}

// --- terms ---------------------------------------------------------------------------------------

term to_term(const low_instruction& i) {
  return std::visit(
      overloaded{
          [](const load_object_code& x) {
            return tuple(atom_term("load_object_code"), tuple(x.app, charlist(x.vsn), atoms_term(x.modules)));
          },
          [](const point_of_no_return&) { return atom_term("point_of_no_return"); },
          [](const load& x) {
            return tuple(atom_term("load"), tuple(x.module, purge_term(x.pre_purge), purge_term(x.post_purge)));
          },
          [](const remove& x) {
            return tuple(atom_term("remove"), tuple(x.module, purge_term(x.pre_purge), purge_term(x.post_purge)));
          },
          [](const purge& x) { return tuple(atom_term("purge"), atoms_term(x.modules)); },
          [](const suspend& x) {
            std::vector<term> items;
            for (const auto& e : x.modules)
              items.push_back(e.timeout.is_default() ? term(e.module) : tuple(e.module, timeout_term(e.timeout)));
            return tuple(atom_term("suspend"), term::make_list(std::move(items)));
          },
          [](const resume& x) { return tuple(atom_term("resume"), atoms_term(x.modules)); },
          [](const code_change& x) {
            std::vector<term> items;
            for (const auto& e : x.modules) items.push_back(tuple(e.module, e.extra));
            return tuple(atom_term("code_change"), atom_term(to_string(x.mode)), term::make_list(std::move(items)));
          },
          [](const stop& x) { return tuple(atom_term("stop"), atoms_term(x.modules)); },
          [](const start& x) { return tuple(atom_term("start"), atoms_term(x.modules)); },
          [](const sync_nodes& x) {
            return tuple(atom_term("sync_nodes"), x.id, x.nodes_from ? apply_term(*x.nodes_from) : atoms_term(x.nodes));
          },
          [](const apply& x) { return tuple(atom_term("apply"), apply_term(x)); },
          [](const restart_new_emulator&) { return atom_term("restart_new_emulator"); },
          [](const restart_emulator&) { return atom_term("restart_emulator"); },
          [](const rolling_update& x) {
            std::vector<term> items;
            for (const auto& m : x.modules)
              items.push_back(
                  term::make_tuple({term(m.module), atom_term(to_string(m.type)), timeout_term(m.timeout),
                                    change_term(m.change), purge_term(m.pre_purge), purge_term(m.post_purge)}));
            return tuple(atom_term("rolling_update"), atom_term(to_string(x.mode)), term::make_list(std::move(items)));
          },
      },
      i);
}

term to_term(const instruction& i) {
  return std::visit(
      overloaded{
          [](const load_module& x) {
            return tuple(atom_term("load_module"), x.module, purge_term(x.pre_purge), purge_term(x.post_purge),
                         atoms_term(x.dep_mods));
          },
          [](const update& x) {
            std::vector<term> items{atom_term("update"),      term(x.module),        atom_term(to_string(x.type)),
                                    timeout_term(x.timeout),  change_term(x.change), purge_term(x.pre_purge),
                                    purge_term(x.post_purge), atoms_term(x.dep_mods)};
            if (x.mode == update_mode::rolling) items.push_back(atom_term("rolling"));
            return term::make_tuple(std::move(items));
          },
          [](const add_module& x) { return tuple(atom_term("add_module"), x.module, atoms_term(x.dep_mods)); },
          [](const delete_module& x) { return tuple(atom_term("delete_module"), x.module, atoms_term(x.dep_mods)); },
          [](const add_application& x) {
            return tuple(atom_term("add_application"), x.app, atom_term(to_string(x.type)));
          },
          [](const remove_application& x) { return tuple(atom_term("remove_application"), x.app); },
          [](const restart_application& x) { return tuple(atom_term("restart_application"), x.app); },
          [](const low_instruction& low) { return to_term(low); },
      },
      i);
}

// --- text ----------------------------------------------------------------------------------------

std::string quote_string(std::string_view s) {
  std::string out = "\"";
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\%03o", c);
          out += buf;
        } else {
          out += ch;
        }
    }
  }
  return out + "\"";
}

std::string format(const low_instruction& i) {
  return std::visit(
      overloaded{
          [](const load_object_code& x) {
            return cat("{load_object_code,{", atom_text(x.app), ",", quote_string(x.vsn), ",", atoms_text(x.modules),
                       "}}");
          },
          [](const point_of_no_return&) { return std::string("point_of_no_return"); },
          [](const load& x) { return cat("{load,", purge_pair_text(x.module, x.pre_purge, x.post_purge), "}"); },
          [](const remove& x) { return cat("{remove,", purge_pair_text(x.module, x.pre_purge, x.post_purge), "}"); },
          [](const sync_nodes& x) {
            return cat("{sync_nodes,", x.id.to_string(), ",",
                       x.nodes_from ? apply_text(*x.nodes_from) : atoms_text(x.nodes), "}");
          },
          [](const apply& x) { return cat("{apply,", apply_text(x), "}"); },
          // The others hold no strings: their term prints as OTP writes them.
          [&i](const auto&) { return to_term(i).to_string(); },
      },
      i);
}

std::string format(const instruction& i) {
  if (const auto* low = std::get_if<low_instruction>(&i)) return format(*low);
  return to_term(i).to_string();
}

}  // namespace otp::appup
