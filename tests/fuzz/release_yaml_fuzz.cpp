// Fuzz target: the release file readers of otp/release_file.hpp — parse_release and
// parse_release_config on a release file, parse_config on a node's config file — all on each input.
// Invariants: a parsed release lists no application twice; a parsed configuration names no
// application twice.
// Anything else than a yaml_error is a crash.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string_view>

#include "fuzz_check.hpp"
#include "otp/release_file.hpp"

namespace {

void check_configuration(const otp::release::configuration& configuration) {
  std::set<otp::atom> applications;
  for (const auto& [application, environment] : configuration)
    otp::fuzz::require(applications.insert(application).second, "a configuration names an application once");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = otp::fuzz::bytes_of(data, size);
  try {
    const otp::appup::release release = otp::release::parse_release(text);
    std::set<otp::atom> applications;
    for (const auto& app : release.apps)
      otp::fuzz::require(applications.insert(app.name).second, "a release lists an application once");
  } catch (const otp::appup::yaml_error&) {
  }
  try {
    check_configuration(otp::release::parse_release_config(text));
  } catch (const otp::appup::yaml_error&) {
  }
  try {
    check_configuration(otp::release::parse_config(text));
  } catch (const otp::appup::yaml_error&) {
  }
  return 0;
}
