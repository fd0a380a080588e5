// Helpers the appup sources share to turn instructions into terms (private): `overloaded` for
// std::visit over an instruction, an atom as a term (`atom_term("x")`) and a list of atoms as a
// term.
#pragma once

#include <string_view>
#include <vector>

#include "otp/term.hpp"

namespace otp::appup::detail {

template <class... Fs>
struct overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
overloaded(Fs...) -> overloaded<Fs...>;

inline term atom_term(std::string_view text) { return term(atom(text)); }

inline term atoms_term(const std::vector<atom>& mods) {
  std::vector<term> items(mods.begin(), mods.end());
  return term::make_list(std::move(items));
}

}  // namespace otp::appup::detail
