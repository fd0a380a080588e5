// Small helpers shared by the appup sources (private): cat(...), string concatenation by appending
// (GCC 12 at -O3 reports a bogus -Wrestrict for `"literal" + std::string`, so messages are built
// with it); `overloaded` for std::visit; the atom `a("x")` and a list of atoms as terms.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "otp/term.hpp"

namespace otp::appup::detail {

template <class... Ts>
std::string cat(const Ts&... parts) {
  std::string out;
  (out.append(std::string_view(parts)), ...);
  return out;
}

template <class... Fs>
struct overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
overloaded(Fs...) -> overloaded<Fs...>;

inline term a(std::string_view text) { return term(atom(text)); }

inline term atoms_term(const std::vector<atom>& mods) {
  std::vector<term> items(mods.begin(), mods.end());
  return term::make_list(std::move(items));
}

}  // namespace otp::appup::detail
