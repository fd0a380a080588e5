// What `otpctl call`, `cast` and `send` share: their NAME and TERM arguments, read before any
// connection is made, the check that NAME is registered on the node, and the whole of cast and send
// but the one call that delivers.
//
// NAME is the registered name taken literally as an atom (no quotes needed: 'my server' is the
// argument "my server"). TERM is one Erlang term in Erlang syntax (otp/term_text.hpp), e.g.
// '{increment, 5}' or 'get.'; a term that does not parse is a usage error naming its line and
// column ("TERM: 1:12: expected ...").
//
// Thread-safety: message_args_from is a pure function; registered_on must run in a with_node body.
#pragma once

#include <boost/program_options.hpp>
#include <functional>
#include <ostream>

#include "node_connection.hpp"
#include "otp/term.hpp"

namespace otpctl {

struct message_args {
  otp::atom name;
  otp::term message;
};

// Adds the positional arguments NAME and TERM.
void declare_message_arguments(boost::program_options::options_description& arguments,
                               boost::program_options::positional_options_description& positional);

// Throws usage_error when NAME or TERM is missing or TERM does not parse.
message_args message_args_from(const boost::program_options::variables_map& args);

// Whether a process is registered as `name` on the node: monitors {Name, Node}, which gives noproc
// at once when it is not, and makes a round trip to the node so that such an answer has arrived.
bool registered_on(const node_session& s, otp::atom name);

// What `cast` and `send` run: checks that NAME is registered on the node (exit 1, noproc, when it
// is not), then `deliver`s TERM to {NAME, Node} and prints "ok"; nothing comes back.
exit_code deliver_to_registered(const char* command, const boost::program_options::variables_map& args,
                                std::ostream& out, std::ostream& err,
                                const std::function<void(const otp::term& to, const otp::term& message)>& deliver);

}  // namespace otpctl
