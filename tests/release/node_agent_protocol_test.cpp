// The node agent's structured replies: each encodes to the documented term shape and decodes back,
// and a reply of another shape is refused with the term it got.
#include "otp/node_agent_protocol.hpp"

#include <gtest/gtest.h>

#include <string>

#include "otp/term_text.hpp"

namespace {

namespace agent = otp::release::node_agent;
using otp::atom;
using otp::parse_term;

TEST(NodeAgentProtocol, NodesEncodeAsDocumentedAndDecodeBack) {
  const agent::connected_nodes nodes{atom("a@h"), {atom("b@h"), atom("c@h")}, {atom("otpctl@h")}};
  const otp::term encoded = agent::encode_nodes(nodes);
  EXPECT_EQ(encoded, parse_term("#{node => 'a@h', visible => ['b@h','c@h'], hidden => ['otpctl@h']}"));
  const agent::connected_nodes back = agent::decode_nodes(encoded);
  EXPECT_EQ(back.node, atom("a@h"));
  EXPECT_EQ(back.visible, nodes.visible);
  EXPECT_EQ(back.hidden, nodes.hidden);
}

TEST(NodeAgentProtocol, OsPidsEncodeAsDocumentedAndDecodeBack) {
  const otp::term encoded = agent::encode_os_pids({4242, 4241, "b00t"});
  EXPECT_EQ(encoded, parse_term(R"(#{os_pid => 4242, parent_os_pid => 4241, boot_id => <<"b00t">>})"));
  const agent::os_process_ids back = agent::decode_os_pids(encoded);
  EXPECT_EQ(back.os_pid, 4242);
  EXPECT_EQ(back.parent_os_pid, 4241);
  EXPECT_EQ(back.boot_id, "b00t");
}

TEST(NodeAgentProtocol, AReplyOfAnotherShapeIsRefusedWithWhatCame) {
  for (const char* reply :
       {"{error,noproc}", "#{node => 'a@h', visible => []}", "#{node => 'a@h', visible => [\"b@h\"], hidden => []}"}) {
    try {
      agent::decode_nodes(parse_term(reply));
      ADD_FAILURE() << reply << " was read as nodes";
    } catch (const otp::release::protocol_error& e) {
      EXPECT_NE(std::string(e.what()).find(parse_term(reply).to_string()), std::string::npos) << e.what();
    }
  }
  EXPECT_THROW(agent::decode_os_pids(parse_term("#{os_pid => 1, parent_os_pid => 2, boot_id => x}")),
               otp::release::protocol_error);
}

}  // namespace
