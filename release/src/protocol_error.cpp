#include "otp/protocol_error.hpp"

namespace otp::release {

protocol_error::protocol_error(std::string_view server, const std::string& expected, const term& got)
    : std::runtime_error("unexpected reply from the " + std::string(server) + " (expected " + expected +
                         "): " + got.to_string()) {}

}  // namespace otp::release
