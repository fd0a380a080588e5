// otp::release::protocol_error — a reply from one of a node's servers (the release handler, the node
// agent) that is not of the shape its request promises; thrown by their protocol decoders
// (release_handler_protocol.hpp, node_agent_protocol.hpp). Its message names the server, the shape
// expected and the term that came.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

#include "otp/term.hpp"

namespace otp::release {

class protocol_error : public std::runtime_error {
 public:
  protocol_error(std::string_view server, const std::string& expected, const term& got);
};

}  // namespace otp::release
