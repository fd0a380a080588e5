// NAME and TERM, and the registration check through a monitor.
#include "message_args.hpp"

#include <string>

#include "otp/node.hpp"
#include "otp/process.hpp"
#include "otp/term_text.hpp"

namespace otpctl {

namespace po = boost::program_options;

void declare_message_arguments(po::options_description& arguments, po::positional_options_description& positional) {
  arguments.add_options()("name", po::value<std::string>())("term", po::value<std::string>());
  positional.add("name", 1).add("term", 1);
}

message_args message_args_from(const po::variables_map& args) {
  if (!args.count("name")) throw usage_error("no NAME: give the registered name of the process");
  if (!args.count("term")) throw usage_error("no TERM: give the message in Erlang syntax, e.g. '{increment, 5}'");
  const std::string name = args["name"].as<std::string>();
  if (name.empty()) throw usage_error("NAME is empty");
  try {
    return {otp::atom(name), otp::parse_term(args["term"].as<std::string>())};
  } catch (const otp::term_parse_error& e) {
    throw usage_error(std::string("TERM: ") + e.what());
  }
}

bool registered_on(const node_session& s, otp::atom name) {
  const otp::term ref = otp::monitor(s.registered(name));
  otp::node::ping(s.node);  // its answer comes after the monitor's noproc, if any
  const auto down =
      otp::receive([&](const otp::term& m) { return m.is_tuple(5) && m[1] == ref; }, otp::milliseconds(0));
  if (down) return false;
  otp::demonitor(ref, true);
  return true;
}

exit_code deliver_to_registered(const char* command, const po::variables_map& args, std::ostream& out,
                                std::ostream& err,
                                const std::function<void(const otp::term& to, const otp::term& message)>& deliver) {
  const message_args m = message_args_from(args);
  return with_node(command, args, err, [&](const node_session& s) {
    if (!registered_on(s, m.name))
      return s.fail("no process is registered as '" + std::string(m.name.text()) + "' on node " + s.node_name() +
                    " (noproc)");
    deliver(s.registered(m.name), m.message);
    out << "ok\n";
    return exit_code::ok;
  });
}

}  // namespace otpctl
