// A module descriptor from a runtime with another module ABI: the code server must refuse it.
#include "otp/module.hpp"

namespace {
otp::module::next loop(const otp::term&) { return otp::module::next::done(); }
const otp::module::descriptor descriptor{otp::module::descriptor_magic,
                                         otp::module::abi_version + 998,
                                         otp::module::kind::process,
                                         "wrongabi",
                                         "1",
                                         nullptr,
                                         &loop,
                                         nullptr};
const otp::module::descriptor* descriptor_function() { return &descriptor; }
}  // namespace

BOOST_DLL_ALIAS(descriptor_function, otp_module_descriptor)
