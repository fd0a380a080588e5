// otp::appup::detail::yaml_reader — for otp-cpp's own YAML parsers only (appup, application and
// release files); not a public API, and it may change with them.
//
// A positioned reader over yaml-cpp nodes: every check fails with an otp::appup::yaml_error naming
// the file, the 1-based line and column of the offending node and what was expected. A missing key
// is reported at the map that lacks it, an empty value (`vsn:`) at its key (yaml-cpp would put it
// where the next token starts), and a node without a mark at 1:1 (yaml-cpp's marks are 0-based, and
// -1 when unknown). `parse` turns YAML syntax errors and yaml-cpp's own complaints while walking
// the tree into positioned errors too.
//
// A parser derives from it (or holds one) and reads its document with the checks below; the
// messages they produce are part of the files' documented errors (docs/appup.md,
// docs/release-files.md), so they change only with those pages and their tests.
//
// Thread-safety: a reader serves one parse on one thread (it remembers the empty values it saw).
#pragma once

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <filesystem>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "otp/appup_yaml.hpp"
#include "otp/detail/cat.hpp"
#include "otp/term.hpp"

namespace otp::appup::detail {

// A key of a map with its value.
struct field {
  std::string key;
  YAML::Node key_node;
  YAML::Node value;
};

class yaml_reader {
 public:
  // `name_noun` ends the message of a bad name: "'update' must be <name_noun>, got a list".
  explicit yaml_reader(std::string file, std::string name_noun = "a name")
      : file_(std::move(file)), name_noun_(std::move(name_noun)) {}
  const std::string& file() const { return file_; }

  [[noreturn]] void fail(const YAML::Mark& m, const std::string& message) const;
  [[noreturn]] void fail(const YAML::Node& n, const std::string& message) const;
  // 1-based position of a node (of its key when it is an empty value).
  std::pair<std::size_t, std::size_t> position(const YAML::Node& n) const;

  // "a map", "a list", "'text'" or "nothing", for "got ..." in messages.
  static std::string describe(const YAML::Node& n);

  // The fields of a map, checked against the allowed keys (no duplicates, no unknown keys).
  std::vector<field> fields(const YAML::Node& n, const std::string& what,
                            std::initializer_list<std::string_view> allowed) const;
  static const field* get(const std::vector<field>& fs, std::string_view key);
  const field& require(const YAML::Node& map, const std::vector<field>& fs, std::string_view key,
                       const std::string& what) const;

  std::string scalar(const YAML::Node& n, const std::string& what) const;
  std::string version(const YAML::Node& n, const std::string& what) const;
  atom name(const YAML::Node& n, const std::string& what) const;
  // A list of names; `names` lets a name repeat, `distinct_names` refuses the second one.
  std::vector<atom> names(const YAML::Node& n, const std::string& what) const;
  std::vector<atom> distinct_names(const YAML::Node& n, const std::string& what) const;
  // A module or application name, or a release's or application's version: these become parts of
  // file names, so they must also follow otp/file_name.hpp's rule (no '/', no '..', ...).
  atom file_name(const YAML::Node& n, const std::string& what) const;
  std::vector<atom> distinct_file_names(const YAML::Node& n, const std::string& what) const;
  std::string file_version(const YAML::Node& n, const std::string& what) const;
  std::vector<std::string> strings(const YAML::Node& n, const std::string& what) const;
  // An Erlang term written as a YAML string ("{config, 1}").
  term erlang_term(const YAML::Node& n, const std::string& what) const;
  // A scalar as the term OTP would see: an integer when it is one, else an atom.
  term scalar_term(const YAML::Node& n, const std::string& what) const;

  // Loads the document (syntax errors are positioned); runs `body` on its root with yaml-cpp's
  // own exceptions turned into positioned yaml_errors.
  template <class Fn>
  auto parse(std::string_view text, Fn&& body) const {
    YAML::Node root;
    try {
      root = YAML::Load(std::string(text));
    } catch (const YAML::DeepRecursion& e) {
      // yaml-cpp's own message for it is "bad file".
      fail(e.mark, "nested too deeply (past the YAML parser's depth limit)");
    } catch (const YAML::Exception& e) {
      fail(e.mark, e.msg);
    }
    try {
      return body(root);
    } catch (const yaml_error&) {
      throw;
    } catch (const YAML::Exception& e) {
      fail(e.mark, e.msg);
    }
  }

 private:
  enum class name_kind { any, file };
  std::vector<atom> name_list(const YAML::Node& n, const std::string& what, bool distinct, name_kind kind) const;
  void require_file_name(const YAML::Node& n, const std::string& what) const;

  std::string file_;
  std::string name_noun_;
  mutable std::vector<std::pair<YAML::Node, YAML::Mark>> empty_values_;
};

// The whole file as text; an unreadable file is a yaml_error without position (line 0).
std::string read_text_file(const std::filesystem::path& path);

}  // namespace otp::appup::detail
