// otp::match — Erlang-style pattern matching on terms, in C++.
//
//   namespace pat = otp::pat;
//   std::int64_t n;
//   otp::term from, request;
//   if (otp::match(msg, pat::tuple("increment"_a, pat::bind(n)))) ...
//   if (otp::match(msg, pat::tuple(otp::atoms::gen_call, pat::bind(from), pat::bind(request)))) ...
//
// A pattern is one of:
//   pat::_                   anything
//   a value                  a term equal (=:=) to it: an atom ("ok"_a), an integer, a double, a bool or a term
//   pat::bind(x)             a term that fits x's type, stored into x: otp::term (anything), any integer type
//                            (an integer in its range), double (any number), bool (true or false), otp::atom,
//                            std::string (the bytes of a binary)
//   pat::bind(t, p)          what p matches, stored whole into the otp::term t (Erlang's T = P)
//   pat::is_atom, ...        a term of that kind (is_integer, is_float, is_number, is_atom, is_pid,
//                            is_reference, is_tuple, is_list, is_map, is_binary)
//   pat::tuple(p...)         a tuple of exactly that many elements, matching element by element
//   pat::list(p...)          a proper list of exactly that many elements
//   pat::cons(h, t)          a non-empty list [H|T]
//   pat::map(pat::key(k, p)...)  a map holding each key k (a value) with a value matching p; other keys allowed
//
// Variables are written only when the whole pattern matches: a failed match leaves them untouched.
// Unlike Erlang, a variable bound twice is not checked for equal values; the rightmost one wins.
//
// Ownership and thread-safety: a pattern copies its literal values and points to its variables, so
// build it in the expression that uses it, and don't share a pattern between threads while it
// binds. Matching only reads the term, which may be shared freely; binding into a variable that
// aliases the matched term (or a part of it) is safe.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

#include "otp/term.hpp"

namespace otp {
namespace pat {

// accepts() decides; capture() then writes the variables, called only after accepts() said yes.
template <class P>
concept pattern = requires(const P& p, const term& t) {
  { p.accepts(t) } -> std::same_as<bool>;
  p.capture(t);
};

struct wildcard {
  bool accepts(const term&) const noexcept { return true; }
  void capture(const term&) const noexcept {}
};
inline constexpr wildcard _{};

struct literal {
  term value;
  bool accepts(const term& t) const noexcept { return t == value; }
  void capture(const term&) const noexcept {}
};

// A pattern from a pattern or from a value a term can be made from.
template <class P>
auto as_pattern(P&& p) {
  using plain = std::remove_cvref_t<P>;
  if constexpr (pattern<plain>) {
    return plain(std::forward<P>(p));
  } else {
    static_assert(std::is_constructible_v<term, P>,
                  "a pattern element is a pattern (pat::_, pat::bind(x), pat::tuple(...), ...) or a value a term is "
                  "made from; write \"text\"_a for an atom");
    return literal{term(std::forward<P>(p))};
  }
}
template <class P>
using pattern_of = decltype(as_pattern(std::declval<P>()));

// --- kinds --------------------------------------------------------------------------------------

struct kind_test {
  bool (*test)(const term&) noexcept;
  bool accepts(const term& t) const noexcept { return test(t); }
  void capture(const term&) const noexcept {}
};
inline constexpr kind_test is_integer{[](const term& t) noexcept { return t.is_integer(); }};
inline constexpr kind_test is_float{[](const term& t) noexcept { return t.is_float(); }};
inline constexpr kind_test is_number{[](const term& t) noexcept { return t.is_number(); }};
inline constexpr kind_test is_atom{[](const term& t) noexcept { return t.is_atom(); }};
inline constexpr kind_test is_pid{[](const term& t) noexcept { return t.is_pid(); }};
inline constexpr kind_test is_reference{[](const term& t) noexcept { return t.is_reference(); }};
inline constexpr kind_test is_tuple{[](const term& t) noexcept { return t.is_tuple(); }};
inline constexpr kind_test is_list{[](const term& t) noexcept { return t.is_list(); }};
inline constexpr kind_test is_map{[](const term& t) noexcept { return t.is_map(); }};
inline constexpr kind_test is_binary{[](const term& t) noexcept { return t.is_binary(); }};

// --- variables ----------------------------------------------------------------------------------

template <class T>
struct binder {
  static_assert(!std::is_same_v<T, T>,
                "pat::bind supports otp::term, integer types, double, bool, otp::atom and std::string");
};

template <>
struct binder<term> {
  term* out;
  bool accepts(const term&) const noexcept { return true; }
  void capture(const term& t) const { *out = t; }
};

template <std::integral T>
struct binder<T> {
  T* out;
  bool accepts(const term& t) const noexcept { return t.is_integer() && std::in_range<T>(t.as_int()); }
  void capture(const term& t) const { *out = static_cast<T>(t.as_int()); }
};

template <>
struct binder<bool> {
  bool* out;
  bool accepts(const term& t) const noexcept { return t.is_atom(atoms::true_) || t.is_atom(atoms::false_); }
  void capture(const term& t) const noexcept { *out = t.is_atom(atoms::true_); }
};

template <>
struct binder<double> {
  double* out;
  bool accepts(const term& t) const noexcept { return t.is_number(); }
  void capture(const term& t) const { *out = t.as_float(); }
};

template <>
struct binder<atom> {
  atom* out;
  bool accepts(const term& t) const noexcept { return t.is_atom(); }
  void capture(const term& t) const { *out = t.as_atom(); }
};

template <>
struct binder<std::string> {
  std::string* out;
  bool accepts(const term& t) const noexcept { return t.is_binary(); }
  void capture(const term& t) const { out->assign(t.as_binary()); }
};

template <class T>
binder<T> bind(T& out) {
  return binder<T>{&out};
}

template <pattern P>
struct bound {
  term* out;
  P inner;
  bool accepts(const term& t) const { return inner.accepts(t); }
  void capture(const term& t) const {
    inner.capture(t);
    *out = t;
  }
};

template <class P>
bound<pattern_of<P>> bind(term& out, P&& inner) {
  return {&out, as_pattern(std::forward<P>(inner))};
}

// --- compounds ----------------------------------------------------------------------------------

// A tuple (or, when is_list_pattern, a proper list) of exactly sizeof...(Ps) elements, matched one by one.
template <bool is_list_pattern, pattern... Ps>
struct sequence {
  std::tuple<Ps...> elements;

  bool accepts(const term& t) const {
    const bool shaped = is_list_pattern ? t.is_proper_list() && t.size() == sizeof...(Ps) : t.is_tuple(sizeof...(Ps));
    return shaped && accepts_each(t.elements(), std::index_sequence_for<Ps...>{});
  }
  void capture(const term& t) const { capture_each(t.elements(), std::index_sequence_for<Ps...>{}); }

 private:
  template <std::size_t... I>
  bool accepts_each([[maybe_unused]] std::span<const term> items, std::index_sequence<I...>) const {
    return (std::get<I>(elements).accepts(items[I]) && ...);
  }
  template <std::size_t... I>
  void capture_each([[maybe_unused]] std::span<const term> items, std::index_sequence<I...>) const {
    (std::get<I>(elements).capture(items[I]), ...);
  }
};

template <class... Ps>
sequence<false, pattern_of<Ps>...> tuple(Ps&&... elements) {
  return {{as_pattern(std::forward<Ps>(elements))...}};
}

template <class... Ps>
sequence<true, pattern_of<Ps>...> list(Ps&&... elements) {
  return {{as_pattern(std::forward<Ps>(elements))...}};
}

template <pattern H, pattern T>
struct cons_pattern {
  H head;
  T tail;
  bool accepts(const term& t) const {
    return t.kind() == term_kind::list && head.accepts(t.head()) && tail.accepts(t.tail());
  }
  void capture(const term& t) const {
    head.capture(t.head());
    tail.capture(t.tail());
  }
};

template <class H, class T>
cons_pattern<pattern_of<H>, pattern_of<T>> cons(H&& head, T&& tail) {
  return {as_pattern(std::forward<H>(head)), as_pattern(std::forward<T>(tail))};
}

template <pattern P>
struct key_pattern {
  term key;
  P value;
};

template <class K, class P>
key_pattern<pattern_of<P>> key(K&& key_value, P&& value) {
  return {term(std::forward<K>(key_value)), as_pattern(std::forward<P>(value))};
}

template <pattern... Ps>
struct map_pattern {
  std::tuple<key_pattern<Ps>...> keys;

  bool accepts(const term& t) const {
    return t.is_map() && std::apply([&](const auto&... k) { return (accepts_key(t, k) && ...); }, keys);
  }
  void capture(const term& t) const {
    std::apply([&](const auto&... k) { (k.value.capture(*t.find(k.key)), ...); }, keys);
  }

 private:
  template <class K>
  static bool accepts_key(const term& t, const K& k) {
    const term* value = t.find(k.key);
    return value != nullptr && k.value.accepts(*value);
  }
};

template <pattern... Ps>
map_pattern<Ps...> map(key_pattern<Ps>... keys) {
  return {{std::move(keys)...}};
}

}  // namespace pat

// True when `t` matches `p` (a pattern or a value); then, and only then, p's variables are written.
template <class P>
bool match(const term& t, P&& p) {
  const term subject = t;  // keeps the term alive should a variable alias it
  const auto compiled = pat::as_pattern(std::forward<P>(p));
  if (!compiled.accepts(subject)) return false;
  compiled.capture(subject);
  return true;
}

}  // namespace otp
