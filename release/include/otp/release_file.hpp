// otp::release release files — a release (OTP's .rel) in YAML (docs/release-files.md).
//
//   name: myrel
//   vsn: "2.0"
//   applications:                       # in boot order
//     - {name: kernel, vsn: "8.5.3"}
//     - name: counter
//       vsn: "1.1.0"
//       type: permanent                 # permanent (default) | transient | temporary | load | none
//
// The result is the relup planner's otp::appup::release, so it feeds plan_upgrade directly.
// Errors are otp::appup::yaml_error (file, 1-based line and column, what was expected); unknown
// and duplicated keys, and an application listed twice, are errors.
//
// Thread-safety: pure functions of their arguments.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "otp/appup_yaml.hpp"
#include "otp/relup.hpp"

namespace otp::release {

appup::release parse_release(std::string_view yaml_text, std::string file_name = "<release>");
appup::release load_release_file(const std::filesystem::path& path);

}  // namespace otp::release
