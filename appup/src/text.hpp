// Small helpers shared by the appup sources (private): cat(...) (otp/detail/cat.hpp); `overloaded`
// for std::visit; the atom `a("x")` and a list of atoms as terms.
#pragma once

#include <string_view>
#include <vector>

#include "otp/detail/cat.hpp"
#include "otp/term.hpp"

namespace otp::appup::detail {

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
