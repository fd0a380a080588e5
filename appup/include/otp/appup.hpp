// otp::appup — an application's upgrade instructions (OTP's .appup).
//
// An `appup_spec` belongs to one version of one application (its `vsn`). It lists how to come up
// to that version from older ones (`up`) and how to go back down from it to older ones (`down`):
// both lists live in the newer version's appup, as in OTP. Each entry names the other version as
// an exact string or as an anchored regular expression, and the first entry that matches wins.
//
// Instructions come in two layers:
//   - high-level (`load_module`, `update`, `add_module`, `delete_module`, `add_application`,
//     `remove_application`, `restart_application`), whose fields default exactly as
//     systools does: a default-constructed `update` is `{update,M,dynamic,default,soft,
//     brutal_purge,brutal_purge,[]}`, `update::supervisor(M)` is `{update,M,supervisor}`;
//   - low-level (`load_object_code`, `point_of_no_return`, `load`, `remove`, `purge`, `suspend`,
//     `resume`, `code_change`, `stop`, `start`, `sync_nodes`, `apply`, `restart_new_emulator`,
//     `restart_emulator`), which an appup may also contain and which pass through the planner;
//     and `rolling_update`, otp-cpp's own, which only the planner writes: a group of `update`s
//     with `mode: rolling`, whose processes move to the new version one by one
//     (docs/appup.md, "Rolling updates").
// The relup planner (otp/relup.hpp) turns the first into the second; the YAML reader is in
// otp/appup_yaml.hpp.
//
// Every instruction converts to the otp::term OTP would write for it (`to_term`, with versions
// as Erlang strings, i.e. charlists) and prints in Erlang syntax (`format`, with versions shown
// as "1.0" rather than as a list of integers).
//
// Ownership and thread-safety: plain values. Extra terms are immutable otp::terms; a
// version_pattern shares its compiled regex read-only. Any number of threads may read the same
// value; writing needs the usual external synchronisation.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "otp/atom.hpp"
#include "otp/term.hpp"

namespace otp::appup {

enum class purge_method : std::uint8_t { soft_purge, brutal_purge };
enum class mod_type : std::uint8_t { dynamic, static_ };
enum class change_mode : std::uint8_t { up, down };
// How an `update` reaches the processes of its module: OTP's order (all suspended, the code
// loaded, all migrated, all resumed) or one process after the other (otp-cpp's `mode: rolling`).
enum class update_mode : std::uint8_t { suspend_all, rolling };
// An application's start type, as in a .rel file (and add_application's optional argument).
enum class start_type : std::uint8_t { permanent, transient, temporary, load, none };

// The sys:suspend timeout of an update: `default`, `infinity` or a positive number of ms.
struct timeout_spec {
  enum class kind : std::uint8_t { default_, infinity, milliseconds };
  kind k = kind::default_;
  std::int64_t ms = 0;

  static timeout_spec infinite() { return {kind::infinity, 0}; }
  static timeout_spec millis(std::int64_t value) { return {kind::milliseconds, value}; }
  bool is_default() const { return k == kind::default_; }
  friend bool operator==(const timeout_spec&, const timeout_spec&) = default;
};

// `soft` (no code_change) or `{advanced, Extra}`.
struct change_spec {
  bool advanced = false;
  term extra{};  // meaningful only when advanced

  static change_spec soft() { return {}; }
  static change_spec advanced_with(term extra_term) { return {true, std::move(extra_term)}; }
  friend bool operator==(const change_spec&, const change_spec&) = default;
};

// --- low-level instructions ------------------------------------------------------------------
struct load_object_code {
  atom app;
  std::string vsn;
  std::vector<atom> modules{};
  friend bool operator==(const load_object_code&, const load_object_code&) = default;
};
struct point_of_no_return {
  friend bool operator==(const point_of_no_return&, const point_of_no_return&) = default;
};
struct load {
  atom module;
  purge_method pre_purge = purge_method::brutal_purge;
  purge_method post_purge = purge_method::brutal_purge;
  friend bool operator==(const load&, const load&) = default;
};
struct remove {
  atom module;
  purge_method pre_purge = purge_method::brutal_purge;
  purge_method post_purge = purge_method::brutal_purge;
  friend bool operator==(const remove&, const remove&) = default;
};
struct purge {
  std::vector<atom> modules{};
  friend bool operator==(const purge&, const purge&) = default;
};
struct suspend_entry {
  atom module;
  timeout_spec timeout{};  // default: written as a bare M
  friend bool operator==(const suspend_entry&, const suspend_entry&) = default;
};
struct suspend {
  std::vector<suspend_entry> modules;
  friend bool operator==(const suspend&, const suspend&) = default;
};
struct resume {
  std::vector<atom> modules{};
  friend bool operator==(const resume&, const resume&) = default;
};
struct code_change_entry {
  atom module;
  term extra;
  friend bool operator==(const code_change_entry&, const code_change_entry&) = default;
};
struct code_change {
  change_mode mode = change_mode::up;
  std::vector<code_change_entry> modules;
  friend bool operator==(const code_change&, const code_change&) = default;
};
struct stop {
  std::vector<atom> modules{};
  friend bool operator==(const stop&, const stop&) = default;
};
struct start {
  std::vector<atom> modules{};
  friend bool operator==(const start&, const start&) = default;
};
struct apply {
  atom module;
  atom function;
  std::vector<term> args{};
  friend bool operator==(const apply&, const apply&) = default;
};
// {sync_nodes, Id, [Node]} or {sync_nodes, Id, {M,F,A}} (the MFA returns the node list).
struct sync_nodes {
  term id;
  std::vector<atom> nodes;
  std::optional<apply> nodes_from;  // set: the {M,F,A} form
  friend bool operator==(const sync_nodes&, const sync_nodes&) = default;
};
struct restart_new_emulator {
  friend bool operator==(const restart_new_emulator&, const restart_new_emulator&) = default;
};
struct restart_emulator {
  friend bool operator==(const restart_emulator&, const restart_emulator&) = default;
};
// One module of a rolling group: what its `update` said.
struct rolling_module {
  atom module;
  mod_type type = mod_type::dynamic;
  timeout_spec timeout{};  // each process's code_change request
  change_spec change{};
  purge_method pre_purge = purge_method::brutal_purge;
  purge_method post_purge = purge_method::brutal_purge;
  friend bool operator==(const rolling_module&, const rolling_module&) = default;
};
// {rolling_update, up|down, [{M, ModType, Timeout, Change, PrePurge, PostPurge}]}: the modules of
// one dependency group of rolling updates, in load order (dependencies first on the way up). For
// each in turn the new version becomes current while the old one is held, then each process of the
// module is migrated on its own (one code_change, no suspend of the others); the holds end when the
// whole script has succeeded.
struct rolling_update {
  change_mode mode = change_mode::up;
  std::vector<rolling_module> modules{};
  friend bool operator==(const rolling_update&, const rolling_update&) = default;
};

using low_instruction =
    std::variant<load_object_code, point_of_no_return, load, remove, purge, suspend, resume, code_change, stop, start,
                 sync_nodes, apply, restart_new_emulator, restart_emulator, rolling_update>;

// --- high-level instructions, with systools' defaults -----------------------------------------
struct load_module {
  atom module;
  purge_method pre_purge = purge_method::brutal_purge;
  purge_method post_purge = purge_method::brutal_purge;
  std::vector<atom> dep_mods{};
  friend bool operator==(const load_module&, const load_module&) = default;
};
struct update {
  atom module;
  mod_type type = mod_type::dynamic;
  timeout_spec timeout{};
  change_spec change{};
  purge_method pre_purge = purge_method::brutal_purge;
  purge_method post_purge = purge_method::brutal_purge;
  std::vector<atom> dep_mods{};
  update_mode mode = update_mode::suspend_all;  // rolling: otp-cpp's extension
  bool is_supervisor = false;                   // written {update, M, supervisor}: never rolling

  // {update, M, supervisor} = {update, M, static, default, {advanced, []}, brutal_purge, brutal_purge, []}
  static update supervisor(atom m) {
    update u{m};
    u.type = mod_type::static_;
    u.change = change_spec::advanced_with(term());
    u.is_supervisor = true;
    return u;
  }
  friend bool operator==(const update&, const update&) = default;
};
struct add_module {
  atom module;
  std::vector<atom> dep_mods{};
  friend bool operator==(const add_module&, const add_module&) = default;
};
struct delete_module {
  atom module;
  std::vector<atom> dep_mods{};
  friend bool operator==(const delete_module&, const delete_module&) = default;
};
struct add_application {
  atom app;
  start_type type = start_type::permanent;
  friend bool operator==(const add_application&, const add_application&) = default;
};
struct remove_application {
  atom app;
  friend bool operator==(const remove_application&, const remove_application&) = default;
};
struct restart_application {
  atom app;
  friend bool operator==(const restart_application&, const restart_application&) = default;
};

// What an appup entry holds: a high-level instruction, or a low-level one passed through.
using instruction = std::variant<load_module, update, add_module, delete_module, add_application, remove_application,
                                 restart_application, low_instruction>;

// --- versions and the appup itself ---------------------------------------------------------------
class bad_version_pattern : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// An exact version string, or a regular expression (Perl syntax, as OTP's re) that matches a
// version only when its first match (leftmost, alternatives tried in order, as PCRE's re:run
// does) spans the whole version string. `"1\\.[0-9]+"` matches "1.0" but not "1.0.1" or
// "21.0"; `"1\\.0|1\\.0\\.1"` does not match "1.0.1" (its first match is "1.0"), as in OTP.
class version_pattern {
 public:
  static version_pattern exact(std::string vsn);
  // Throws bad_version_pattern for a malformed pattern.
  static version_pattern regex(std::string pattern);

  bool matches(std::string_view vsn) const;
  bool is_regex() const { return regex_ != nullptr; }
  const std::string& text() const { return text_; }
  // "1.0.0" (quoted) or regex "1\.0\.[0-9]+" — as error messages list them.
  std::string describe() const;
  // "1.0.0" as a charlist, a regex as a binary (<<"1\\.0">>), as an .appup file holds them.
  term to_term() const;

 private:
  struct compiled;  // the regex engine stays out of this header
  std::string text_;
  std::shared_ptr<const compiled> regex_;
};

struct appup_entry {
  version_pattern version;
  std::vector<instruction> instructions;
};

struct appup_spec {
  std::string vsn;
  std::vector<appup_entry> up;    // up from older versions to vsn
  std::vector<appup_entry> down;  // down from vsn to older versions
  // Where it came from (a file name), for error messages; may be empty.
  std::string source;

  // The first entry whose version matches, or nullptr.
  const appup_entry* find_up(std::string_view from_vsn) const;
  const appup_entry* find_down(std::string_view to_vsn) const;
  // {Vsn, [{UpFromVsn, Instrs}], [{DownToVsn, Instrs}]} with every instruction in its full form.
  term to_term() const;
};

// --- conversions ----------------------------------------------------------------------------------
std::string_view to_string(purge_method p);
std::string_view to_string(mod_type t);
std::string_view to_string(change_mode m);
std::string_view to_string(update_mode m);
std::string_view to_string(start_type t);

// The name of an instruction's tuple tag or bare atom ("load_module", "point_of_no_return", ...).
std::string_view name_of(const low_instruction& i);
std::string_view name_of(const instruction& i);

// The term OTP writes for the instruction; high-level instructions in their longest form
// ({update,M,ModType,Timeout,Change,Pre,Post,DepMods}, {load_module,M,Pre,Post,DepMods}, ...).
// A rolling update has a ninth element, the atom rolling (not OTP's: Erlang has no rolling mode).
term to_term(const low_instruction& i);
term to_term(const instruction& i);

// Erlang syntax, versions written as strings: {load_object_code,{counter,"1.1.0",[counter]}}.
std::string format(const low_instruction& i);
std::string format(const instruction& i);

// An Erlang string literal: "1.0" with \" \\ and control characters escaped.
std::string quote_string(std::string_view s);

}  // namespace otp::appup
