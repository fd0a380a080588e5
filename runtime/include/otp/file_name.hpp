// otp::file_name_problem — whether a module name, an application name or a version may become
// part of a file name. Release files come from YAML that someone else may have written, and each
// of these names ends up in a path (lib/<app>-<vsn>/modules/<module>.so, releases/<vsn>/): a name
// that is not a plain file name could lead outside the release root ("../../x", "a/b").
//
// A safe name is 1 to 128 bytes of ASCII letters, digits and _ - . @ +, starts with a letter, a
// digit or '_', and holds no "..". Everything else (a '/', a NUL, a space, an empty name, "..",
// a hidden ".x") is refused with the reason.
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace otp {

inline constexpr std::size_t max_file_name_length = 128;

// Why `name` is not a safe name (a phrase such as "it contains '/'"), or nullopt when it is one.
std::optional<std::string> file_name_problem(std::string_view name);

inline bool is_safe_file_name(std::string_view name) { return !file_name_problem(name).has_value(); }

// What a safe name is, in one phrase, for error messages.
std::string_view file_name_rule();

}  // namespace otp
