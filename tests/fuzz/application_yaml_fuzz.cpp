// Fuzz target: otp::release::parse_application, an application file in YAML.
// Invariant on an application that parses: every child of its supervision tree, nested ones
// included, converts to a supervisor child spec (the parser has validated them as the supervisor
// does, so to_child_spec must not refuse one).
// Anything else than a yaml_error is a crash.
#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>

#include "fuzz_check.hpp"
#include "otp/application_file.hpp"

namespace {

void check_children(const otp::release::supervisor_tree& tree) {
  for (const auto& child : tree.children) {
    try {
      otp::release::to_child_spec(child);
    } catch (const std::exception& e) {
      otp::fuzz::require(false, std::string("a parsed child converts to a child spec: ") + e.what());
    }
    if (child.nested) check_children(*child.nested);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  otp::release::application_spec application;
  try {
    application = otp::release::parse_application(otp::fuzz::bytes_of(data, size));
  } catch (const otp::release::yaml_error&) {
    return 0;
  }
  if (application.supervisor) check_children(*application.supervisor);
  return 0;
}
