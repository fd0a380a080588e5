// The term -> JSON mapping described in term_json.hpp.
#include "otp/term_json.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace otp::observer {

namespace {

// True when `bytes` is well-formed UTF-8 (no overlong forms, no surrogates, at most U+10FFFF).
bool valid_utf8(std::string_view bytes) {
  std::size_t i = 0;
  while (i < bytes.size()) {
    const auto b = static_cast<std::uint8_t>(bytes[i]);
    std::size_t extra = 0;
    std::uint32_t code = 0;
    if (b < 0x80) {
      ++i;
      continue;
    } else if ((b & 0xe0) == 0xc0) {
      extra = 1;
      code = b & 0x1f;
    } else if ((b & 0xf0) == 0xe0) {
      extra = 2;
      code = b & 0x0f;
    } else if ((b & 0xf8) == 0xf0) {
      extra = 3;
      code = b & 0x07;
    } else {
      return false;
    }
    if (i + extra >= bytes.size()) return false;
    for (std::size_t k = 1; k <= extra; ++k) {
      const auto c = static_cast<std::uint8_t>(bytes[i + k]);
      if ((c & 0xc0) != 0x80) return false;
      code = (code << 6) | (c & 0x3f);
    }
    constexpr std::uint32_t smallest[] = {0, 0x80, 0x800, 0x10000};
    if (code < smallest[extra] || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return false;
    i += extra + 1;
  }
  return true;
}

std::string key_of(const otp::term& k) {
  if (k.is_atom()) return std::string(k.as_atom().text());
  if (k.is_binary() && valid_utf8(k.as_binary())) return std::string(k.as_binary());
  return k.to_string();
}

}  // namespace

boost::json::value to_json(const otp::term& t) {
  switch (t.kind()) {
    case otp::term_kind::integer: return t.as_int();
    case otp::term_kind::floating: return t.as_float();
    case otp::term_kind::atom:
      if (t.is_atom(otp::atoms::true_)) return true;
      if (t.is_atom(otp::atoms::false_)) return false;
      return boost::json::string(t.as_atom().text());
    case otp::term_kind::binary:
      if (valid_utf8(t.as_binary())) return boost::json::string(t.as_binary());
      return boost::json::string(t.to_string());
    case otp::term_kind::map: {
      boost::json::object o;
      for (const auto& [k, v] : t.map_pairs()) o[key_of(k)] = to_json(v);
      return o;
    }
    case otp::term_kind::nil:
    case otp::term_kind::list:
    case otp::term_kind::tuple: {
      boost::json::array a;
      for (const otp::term& e : t.elements()) a.push_back(to_json(e));
      if (t.kind() == otp::term_kind::list && !t.list_tail().is_nil()) a.push_back(to_json(t.list_tail()));
      return a;
    }
    case otp::term_kind::pid:
    case otp::term_kind::reference:
    case otp::term_kind::port:
    case otp::term_kind::fun:
    case otp::term_kind::export_fun:
    case otp::term_kind::bitstring:
    case otp::term_kind::big_integer: return boost::json::string(t.to_string());
  }
  return nullptr;
}

}  // namespace otp::observer
