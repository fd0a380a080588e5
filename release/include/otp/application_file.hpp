// otp::release application files — an application's resource file (OTP's .app) in YAML, with its
// supervision tree (docs/release-files.md has every key with examples).
//
//   name: counter
//   vsn: "1.0.0"
//   description: "A counter"          # optional
//   modules: [counter, counter_store]
//   registered: [counter]              # the names its processes register (checked, see below)
//   applications: [kernel, stdlib]     # the applications it depends on
//   env:                               # optional: the application environment, key -> Erlang term
//     port: 8080                       #   each value a YAML scalar read by the term parser
//     greeting: '<<"hello">>'
//   config_change: counter             # optional: a registered gen_server told of env changes
//                                      #   on an upgrade ({config_change, Changed, New, Removed})
//   supervisor:                        # optional: the top supervisor of the application
//     name: counter_sup                # optional registered name
//     strategy: one_for_one            # flags, with OTP's defaults
//     intensity: 1
//     period: 5
//     auto_shutdown: never
//     children:
//       - id: counter
//         start: {module: counter, arg: "[]"}   # {counter, start_link, [[]]}; arg in Erlang syntax
//         name: counter                         # optional: registered name ({local, counter})
//         restart: permanent                    # every child-spec field, as OTP's
//         significant: false
//         shutdown: 5000                        # brutal_kill | milliseconds | infinity
//         type: worker
//         modules: [counter]                    # or dynamic
//       - id: pinger
//         executable: {path: /bin/sleep, arguments: ["60"], environment: {A: "1"}, working_directory: /tmp}
//       - id: workers
//         supervisor: {strategy: one_for_all, children: [...]}   # a nested supervisor
//
// Child ids, module and supervisor names are atoms (plain YAML words); `arg` is any Erlang term.
//
// Registered names: a module or executable child's `name:` is registered by its supervisor when the
// child starts (child_spec::name); `registered:` lists the names the application's processes take.
// A child `name:` missing from `registered:` is an error of the whole-release check
// (release_check.hpp); after the application started, start_supervision_tree logs a warning for
// each listed name no process registered.
//
// Errors are otp::appup::yaml_error: file, 1-based line and column, what was expected. Child specs
// and flags are checked by the supervisor's own validation (child_spec::from_term,
// flags::from_term); its OTP reason ({invalid_restart_type,X}, {bad_combination,...}) is part of
// the message, positioned at the offending value.
//
// The model converts to the supervisor's types: `to_child_spec` gives child_spec::module /
// child_spec::executable / a nested supervisor child, and `make_supervisor` a supervisor::behaviour
// whose init returns the tree's flags and children.
//
// Ownership and thread-safety: the model is a plain value (nested supervisors are shared,
// immutable); parsing only reads its arguments. A behaviour from make_supervisor holds a copy of
// its tree and may serve several supervisor processes.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "otp/appup_yaml.hpp"
#include "otp/child_spec.hpp"
#include "otp/os_process.hpp"
#include "otp/supervisor.hpp"
#include "otp/term.hpp"

namespace otp::release {

using appup::yaml_error;

struct supervisor_tree;

// One child of a supervisor in an application file.
struct child_entry {
  enum class kind { module, executable, supervisor };
  kind tag = kind::module;
  atom id = atoms::undefined;
  // kind::module: {module, start_link, [arg]}, started through the code server or a registered
  // start function (child_spec::module).
  atom module = atoms::undefined;
  term arg;
  // kind::executable: an OS process (child_spec::executable).
  os_process::spec process;
  // kind::supervisor: a nested supervisor with its own children.
  std::shared_ptr<const supervisor_tree> nested;

  supervisor::restart_type restart = supervisor::restart_type::permanent;
  bool significant = false;
  std::optional<supervisor::shutdown_spec> shutdown;  // default: 5000 for workers, infinity for supervisors
  supervisor::child_type type = supervisor::child_type::worker;
  std::optional<term> modules;  // [atom] or dynamic; default [M]
  std::optional<atom> name;     // kind::module and kind::executable: the registered name

  std::size_t line = 0, column = 0;            // where the child starts in its file (1-based)
  std::size_t name_line = 0, name_column = 0;  // where its `name:` value is, when it has one
};

struct supervisor_tree {
  std::optional<atom> name;  // registered name of the supervisor process
  supervisor::flags flags;
  std::vector<child_entry> children;
};

struct application_spec {
  atom name = atoms::undefined;
  std::string vsn;
  std::string description;
  std::vector<atom> modules;
  std::vector<atom> registered;
  std::vector<atom> applications;             // dependencies
  std::optional<supervisor_tree> supervisor;  // none: a library application
  std::vector<std::pair<atom, term>> env;     // the environment its file gives (otp::application)
  std::optional<atom> config_change;          // who hears of env changes on an upgrade
  std::string source;                         // the file it came from
};

// Parses an application file held in memory; `file_name` is used in errors and kept in `source`.
application_spec parse_application(std::string_view yaml_text, std::string file_name = "<application>");
// Reads and parses a file (an unreadable file is a yaml_error without position).
application_spec load_application_file(const std::filesystem::path& path);

// The supervisor child spec of one child. A nested supervisor child starts a supervisor running
// make_supervisor(*nested) with start {supervisor, start_link, [Id]}.
supervisor::child_spec to_child_spec(const child_entry& child);
// A behaviour whose init returns the tree's flags and the children's specs.
std::shared_ptr<supervisor::behaviour> make_supervisor(const supervisor_tree& tree, std::string module_name);
// supervisor::start_link of the application's top supervisor (registered under its name, if any).
// Must be called from inside a process. An application without a supervisor gives ignore. Once it
// started, each name of `registered` that no process holds is logged as a warning.
term start_supervision_tree(const application_spec& app);

}  // namespace otp::release
