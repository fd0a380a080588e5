// otp::appup relup planner — systools:make_relup for otp-cpp.
//
// From the running release, the target release and the applications' module lists and appups,
// `plan_upgrade` / `plan_downgrade` build the low-level script the release handler runs, in
// exactly systools' order:
//   1. one script per application: remove_application for the applications the target drops,
//      add_application for those it adds, then the appup entry of every application whose version
//      changes, in the order of the newer release (systools_relup builds removes ++ adds ++
//      appup scripts; see docs/appup.md);
//   2. every load_object_code hoisted before a single point_of_no_return (only load_object_code
//      and apply may precede it), merged into one per application, in order;
//   3. update / load_module / add_module / delete_module grouped by dep_mods (weakly connected
//      groups, emitted where their first instruction stood), dependers before dependencies:
//      {suspend,...}; up: loads in reverse order, {code_change,up,...}; down: {code_change,down,
//      ...} for dynamic modules, loads, {code_change,down,...} for static ones; {resume, reversed};
//   4. restart_new_emulator first on upgrade (a trailing restart_emulator on downgrade), one
//      restart_emulator at the very end.
// The result is then checked (`check_script`): suspend ⇔ resume, stop ⇔ start, code_change only
// for suspended modules, at most one point_of_no_return with only load_object_code/apply before
// it, every load has its object code, no module loaded or suspended twice.
//
// For an upgrade the appup used is the target (new) version's `up` list, searched for the running
// version; for a downgrade it is the running (newer) version's `down` list, searched for the
// target version — both live in the newer version's appup, as in OTP.
//
// Errors are `relup_error`s with a readable message and OTP's reason term ({no_relup,...},
// {muldef_module,M}, {suspended_not_resumed,[M]}, ...).
//
// Ownership and thread-safety: the planner is a pure function of its arguments; an app_catalog
// is a plain value (read it from many threads, write it from one).
#pragma once

#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "otp/appup.hpp"

namespace otp::appup {

// One application in a release (a .rel entry).
struct release_app {
  atom name;
  std::string vsn;
  start_type type = start_type::permanent;
};

// A release: its name and version and its applications, in boot order.
struct release {
  std::string name;
  std::string vsn;
  std::vector<release_app> apps;
  const release_app* find(atom app) const;
};

// What the planner knows about one version of one application: its modules (the .app file's
// `modules`) and, for versions that are upgrade targets or downgrade sources, its appup.
struct app_version {
  atom name;
  std::string vsn;
  std::vector<atom> modules;
  std::optional<appup_spec> appup;
};

class app_catalog {
 public:
  // Replaces an earlier entry for the same name and version.
  void add(app_version v);
  const app_version* find(atom app, std::string_view vsn) const;

 private:
  std::map<std::pair<std::uint32_t, std::string>, app_version, std::less<>> versions_;
};

struct plan_options {
  bool restart_emulator = false;  // systools' restart_emulator option: append one at the end
};

struct relup_script {
  change_mode mode = change_mode::up;
  std::string from_vsn;  // the running release
  std::string to_vsn;    // the target release
  std::vector<low_instruction> instructions;
  std::vector<std::string> warnings;  // e.g. an appup whose vsn is not its application's version

  // The instructions as one Erlang list term.
  term to_term() const;
  // A header comment, then one instruction per line in Erlang syntax:
  //   %% relup up from "1.0.0" to "1.1.0"
  //   {load_object_code,{counter,"1.1.0",[counter]}}
  //   point_of_no_return
  //   ...
  std::string to_string() const;
};

class relup_error : public std::runtime_error {
 public:
  relup_error(const std::string& message, term reason) : std::runtime_error(message), reason_(std::move(reason)) {}
  // OTP's reason, e.g. {no_relup,"counter.appup.yaml",counter,"0.9.0"} or {muldef_module,a}.
  const term& reason() const { return reason_; }

 private:
  term reason_;
};

relup_script plan_upgrade(const release& running, const release& target, const app_catalog& apps,
                          const plan_options& options = {});
relup_script plan_downgrade(const release& running, const release& target, const app_catalog& apps,
                            const plan_options& options = {});
// What a node installing `target` while it runs `running` plans (the release handler's install,
// `otpctl relup --dry-run`, `otpctl plan`): an upgrade when the target's vsn is the newer one
// (otp::version_less), a downgrade otherwise.
relup_script plan_relup(const release& running, const release& target, const app_catalog& apps,
                        const plan_options& options = {});

// The planner's core, as systools_rc:translate_scripts: per-application scripts in order (each
// may hold its own point_of_no_return), the target release's applications with their modules
// (`to_apps`, used for load_object_code, add_application and restart_application) and the running
// ones (`from_apps`, for remove_application and restart_application).
struct planned_app {
  atom name;
  std::string vsn;
  start_type type = start_type::permanent;
  std::vector<atom> modules;
};
std::vector<low_instruction> translate_scripts(change_mode mode, const std::vector<std::vector<instruction>>& scripts,
                                               const std::vector<planned_app>& to_apps,
                                               const std::vector<planned_app>& from_apps,
                                               const plan_options& options = {});

// Throws relup_error if the script breaks a rule above. Every script the planner returns passes.
void check_script(const std::vector<low_instruction>& script);

}  // namespace otp::appup
