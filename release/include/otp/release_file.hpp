// otp::release release files — a release (OTP's .rel) in YAML (docs/release-files.md).
//
//   name: myrel
//   vsn: "2.0"
//   applications:                       # in boot order
//     - {name: kernel, vsn: "8.5.3"}
//     - name: counter
//       vsn: "1.1.0"
//       type: permanent                 # permanent (default) | transient | temporary | load | none
//   config:                             # optional: environment overrides of this release
//     counter: {step: 2}                #   App: {Key: Erlang term}, over the application's env
//
// parse_release gives the relup planner's otp::appup::release, so it feeds plan_upgrade directly;
// parse_release_config gives the `config:` section. A node's config file (otpctl start --config)
// has the shape of that section as its whole document: parse_config.
// Errors are otp::appup::yaml_error (file, 1-based line and column, what was expected); unknown
// and duplicated keys, and an application listed twice, are errors.
//
// Thread-safety: pure functions of their arguments.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "otp/application.hpp"
#include "otp/appup_yaml.hpp"
#include "otp/relup.hpp"

namespace otp::release {

// Environment overrides: for each application, the keys it sets, in file order.
using configuration = std::vector<std::pair<atom, application::environment>>;

appup::release parse_release(std::string_view yaml_text, std::string file_name = "<release>");
appup::release load_release_file(const std::filesystem::path& path);

// The `config:` section of a release file (empty when it has none).
configuration parse_release_config(std::string_view yaml_text, std::string file_name = "<release>");
configuration load_release_config(const std::filesystem::path& path);
// A node's config file: the whole document is an `App: {Key: Term}` map (an empty file is none).
configuration parse_config(std::string_view yaml_text, std::string file_name = "<config>");
configuration load_config_file(const std::filesystem::path& path);

}  // namespace otp::release
