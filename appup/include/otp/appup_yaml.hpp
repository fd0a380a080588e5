// Reading appup files written in YAML (docs/appup.md has the full reference with examples).
//
//   vsn: "1.1.0"
//   up:
//     - from: "1.0.0"                 # or from_regex: "1\\.0\\.[0-9]+"
//       instructions:
//         - update: counter
//           change: {advanced: "[]"}  # Extra in Erlang syntax
//           dep_mods: [counter_store]
//         - load_module: counter_store
//   down:
//     - to: "1.0.0"                   # or to_regex: ...
//       instructions: [...]
//
// Every problem — YAML syntax, a wrong type, an unknown or duplicated key, a missing required key,
// an unknown instruction, a bad regular expression, a bad Erlang term — is a `yaml_error` naming
// the file, the 1-based line and column of the offending node (of the enclosing map for a missing
// key) and what was expected; what() is "file:line:column: message".
//
// Thread-safety: the functions only read their arguments (atoms are interned, which is
// thread-safe); call them from any thread.
#pragma once

#include <cstddef>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

#include "otp/appup.hpp"

namespace otp::appup {

class yaml_error : public std::runtime_error {
 public:
  // line and column count from 1; 0 means "no position" (an unreadable file).
  yaml_error(std::string file, std::size_t line, std::size_t column, std::string message);

  const std::string& file() const { return file_; }
  std::size_t line() const { return line_; }
  std::size_t column() const { return column_; }
  // The message without the position.
  const std::string& message() const { return message_; }

 private:
  std::string file_;
  std::size_t line_;
  std::size_t column_;
  std::string message_;
};

// Parses appup YAML held in memory; `file_name` is used in errors and kept in appup_spec::source.
appup_spec parse_appup(std::string_view yaml_text, std::string file_name = "<appup>");

// Reads and parses a file (a missing or unreadable file is a yaml_error without position).
appup_spec load_appup_file(const std::filesystem::path& path);

}  // namespace otp::appup
