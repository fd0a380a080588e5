// The rule for names that become parts of file names (otp/file_name.hpp).
#include "otp/file_name.hpp"

namespace otp {

namespace {

bool is_letter_or_digit(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

bool is_allowed(char c) { return is_letter_or_digit(c) || c == '_' || c == '-' || c == '.' || c == '@' || c == '+'; }

std::string describe(char c) {
  if (c == '\0') return "a NUL byte";
  if (c == '/') return "'/'";
  const auto byte = static_cast<unsigned char>(c);
  if (byte < 0x20 || byte >= 0x7f) {
    static constexpr char hex[] = "0123456789abcdef";
    return std::string("the byte 0x") + hex[byte >> 4] + hex[byte & 0xf];
  }
  return std::string("'") + c + "'";
}

}  // namespace

std::optional<std::string> file_name_problem(std::string_view name) {
  if (name.empty()) return "it is empty";
  if (name.size() > max_file_name_length)
    return "it is " + std::to_string(name.size()) + " bytes long (at most " + std::to_string(max_file_name_length) +
           ")";
  for (char c : name)
    if (!is_allowed(c)) return "it contains " + describe(c);
  if (name.find("..") != std::string_view::npos) return "it contains '..'";
  if (!is_letter_or_digit(name.front()) && name.front() != '_') return "it starts with " + describe(name.front());
  return std::nullopt;
}

std::string_view file_name_rule() {
  return "a name is 1 to 128 letters, digits and _ - . @ +, starts with a letter, a digit or _, and has no '..'";
}

}  // namespace otp
