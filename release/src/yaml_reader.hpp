// A positioned reader over yaml-cpp nodes for the release and application files: every check
// fails with an otp::appup::yaml_error naming the file, the 1-based line and column of the
// offending node (of the enclosing map for a missing key; of the key for an empty value) and what
// was expected. The same conventions as appup's reader (spikes Q8: yaml-cpp marks are 0-based).
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "otp/appup_yaml.hpp"
#include "otp/term.hpp"

namespace otp::release::detail {

template <class... Ts>
std::string cat(const Ts&... parts) {
  std::string out;
  (out.append(std::string_view(parts)), ...);
  return out;
}

struct field {
  std::string key;
  YAML::Node key_node;
  YAML::Node value;
};

class yaml_reader {
 public:
  explicit yaml_reader(std::string file) : file_(std::move(file)) {}
  const std::string& file() const { return file_; }

  [[noreturn]] void fail(const YAML::Mark& m, const std::string& message) const;
  [[noreturn]] void fail(const YAML::Node& n, const std::string& message) const;
  // 1-based position of a node (of its key when it is an empty value).
  std::pair<std::size_t, std::size_t> position(const YAML::Node& n) const;

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
  std::vector<atom> names(const YAML::Node& n, const std::string& what) const;
  std::vector<std::string> strings(const YAML::Node& n, const std::string& what) const;
  term erlang_term(const YAML::Node& n, const std::string& what) const;
  // A scalar as the term OTP would see: an integer when it is one, else an atom.
  term scalar_term(const YAML::Node& n, const std::string& what) const;

  // Loads the document (syntax errors are positioned); runs `body` with yaml-cpp's own
  // exceptions turned into positioned yaml_errors.
  template <class Fn>
  auto parse(std::string_view text, Fn&& body) const {
    YAML::Node root;
    try {
      root = YAML::Load(std::string(text));
    } catch (const YAML::Exception& e) {
      fail(e.mark, e.msg);
    }
    try {
      return body(root);
    } catch (const appup::yaml_error&) {
      throw;
    } catch (const YAML::Exception& e) {
      fail(e.mark, e.msg);
    }
  }

 private:
  std::string file_;
  mutable std::vector<std::pair<YAML::Node, YAML::Mark>> empty_values_;
};

// The whole file as text; an unreadable file is a yaml_error without position.
std::string read_text_file(const std::filesystem::path& path);

}  // namespace otp::release::detail
