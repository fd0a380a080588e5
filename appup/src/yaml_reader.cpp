// The positioned YAML reader shared by otp-cpp's parsers of appup, application and release files.
#include "otp/detail/yaml_reader.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <fstream>
#include <sstream>

#include "otp/file_name.hpp"
#include "otp/term_text.hpp"

namespace otp::appup::detail {

using otp::detail::cat;

namespace {
std::string join(std::initializer_list<std::string_view> names) {
  std::string out;
  for (auto n : names) out += cat(out.empty() ? "" : ", ", n);
  return out;
}
}  // namespace

void yaml_reader::fail(const YAML::Mark& m, const std::string& message) const {
  if (m.is_null()) throw yaml_error(file_, 1, 1, message);
  throw yaml_error(file_, static_cast<std::size_t>(m.line) + 1, static_cast<std::size_t>(m.column) + 1, message);
}

void yaml_reader::fail(const YAML::Node& n, const std::string& message) const {
  auto [line, column] = position(n);
  throw yaml_error(file_, line, column, message);
}

std::pair<std::size_t, std::size_t> yaml_reader::position(const YAML::Node& n) const {
  YAML::Mark m = n.Mark();
  if (n.IsNull())
    for (const auto& [value, key_mark] : empty_values_)
      if (value.is(n)) m = key_mark;
  if (m.is_null()) return {1, 1};
  return {static_cast<std::size_t>(m.line) + 1, static_cast<std::size_t>(m.column) + 1};
}

std::string yaml_reader::describe(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map: return "a map";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Scalar: return cat("'", n.Scalar(), "'");
    default: return "nothing";
  }
}

std::vector<field> yaml_reader::fields(const YAML::Node& n, const std::string& what,
                                       std::initializer_list<std::string_view> allowed) const {
  if (!n.IsMap()) fail(n, cat(what, " must be a map, got ", describe(n)));
  std::vector<field> out;
  for (auto it = n.begin(); it != n.end(); ++it) {
    YAML::Node k = it->first;  // copies: the iterator's -> returns a temporary proxy
    YAML::Node v = it->second;
    if (!k.IsScalar()) fail(k, cat("keys of ", what, " must be plain names, got ", describe(k)));
    std::string key = k.Scalar();
    for (const auto& f : out)
      if (f.key == key) fail(k, cat("duplicate key '", key, "' in ", what));
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end())
      fail(k, cat("unknown key '", key, "' in ", what, "; expected ", join(allowed)));
    if (v.IsNull()) empty_values_.emplace_back(v, k.Mark());
    out.push_back({std::move(key), k, v});
  }
  return out;
}

const field* yaml_reader::get(const std::vector<field>& fs, std::string_view key) {
  for (const auto& f : fs)
    if (f.key == key) return &f;
  return nullptr;
}

const field& yaml_reader::require(const YAML::Node& map, const std::vector<field>& fs, std::string_view key,
                                  const std::string& what) const {
  const field* f = get(fs, key);
  if (!f) fail(map, cat("missing required key '", key, "' in ", what));
  return *f;
}

std::string yaml_reader::scalar(const YAML::Node& n, const std::string& what) const {
  if (!n.IsScalar()) fail(n, cat(what, " must be a single value, got ", describe(n)));
  return n.Scalar();
}

std::string yaml_reader::version(const YAML::Node& n, const std::string& what) const {
  std::string v = scalar(n, what);
  if (v.empty()) fail(n, cat(what, " must be a non-empty version string"));
  return v;
}

atom yaml_reader::name(const YAML::Node& n, const std::string& what) const {
  if (!n.IsScalar() || n.Scalar().empty()) fail(n, cat(what, " must be ", name_noun_, ", got ", describe(n)));
  try {
    return atom(n.Scalar());
  } catch (const std::exception& e) {
    fail(n, cat(what, " is not a valid name: ", e.what()));
  }
}

// Checked before the name becomes an atom: a refused name leaves nothing in the atom table.
void yaml_reader::require_file_name(const YAML::Node& n, const std::string& what) const {
  if (!n.IsScalar() || n.Scalar().empty()) return;  // name() and version() say what is wrong
  if (const auto problem = file_name_problem(n.Scalar()))
    fail(n, cat(what, " must be a plain file name, got '", n.Scalar(), "': ", *problem, " (", file_name_rule(), ")"));
}

atom yaml_reader::file_name(const YAML::Node& n, const std::string& what) const {
  require_file_name(n, what);
  return name(n, what);
}

std::string yaml_reader::file_version(const YAML::Node& n, const std::string& what) const {
  std::string v = version(n, what);
  require_file_name(n, what);
  return v;
}

std::vector<atom> yaml_reader::names(const YAML::Node& n, const std::string& what) const {
  return name_list(n, what, false, name_kind::any);
}

std::vector<atom> yaml_reader::distinct_names(const YAML::Node& n, const std::string& what) const {
  return name_list(n, what, true, name_kind::any);
}

std::vector<atom> yaml_reader::distinct_file_names(const YAML::Node& n, const std::string& what) const {
  return name_list(n, what, true, name_kind::file);
}

std::vector<atom> yaml_reader::name_list(const YAML::Node& n, const std::string& what, bool distinct,
                                         name_kind kind) const {
  if (!n.IsSequence()) fail(n, cat(what, " must be a list of names, e.g. [a, b], got ", describe(n)));
  std::vector<atom> out;
  for (const auto& item : n) {
    const std::string entry = cat("each entry of ", what);
    atom a = kind == name_kind::file ? file_name(item, entry) : name(item, entry);
    if (distinct && std::find(out.begin(), out.end(), a) != out.end())
      fail(item, cat("'", item.Scalar(), "' is listed twice in ", what));
    out.push_back(a);
  }
  return out;
}

std::vector<std::string> yaml_reader::strings(const YAML::Node& n, const std::string& what) const {
  if (!n.IsSequence()) fail(n, cat(what, " must be a list of strings, got ", describe(n)));
  std::vector<std::string> out;
  for (const auto& item : n) out.push_back(scalar(item, cat("each entry of ", what)));
  return out;
}

term yaml_reader::erlang_term(const YAML::Node& n, const std::string& what) const {
  if (!n.IsScalar())
    fail(n,
         cat(what, " must be an Erlang term written as a string, e.g. \"[]\" or \"{config, 1}\", got ", describe(n)));
  try {
    return parse_term(n.Scalar());
  } catch (const std::exception& e) {
    fail(n, cat(what, " is not a valid Erlang term: ", e.what()));
  }
}

term yaml_reader::scalar_term(const YAML::Node& n, const std::string& what) const {
  const std::string s = scalar(n, what);
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (!s.empty() && ec == std::errc() && end == s.data() + s.size()) return term(static_cast<long long>(v));
  if (s.empty()) fail(n, cat(what, " must not be empty"));
  try {
    return atom(s);
  } catch (const std::exception& e) {
    fail(n, cat(what, " is not a valid name: ", e.what()));
  }
}

std::string read_text_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw yaml_error(path.string(), 0, 0, "cannot open the file");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw yaml_error(path.string(), 0, 0, "cannot read the file");
  return text.str();
}

}  // namespace otp::appup::detail
