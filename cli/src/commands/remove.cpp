// otpctl remove: remove.
#include "commands/remove.hpp"

#include <ostream>
#include <string>

#include "node_connection.hpp"
#include "otp/detail/release_errors.hpp"
#include "otp/release_handler.hpp"

namespace otpctl::commands {

namespace po = boost::program_options;

namespace {

void declare(po::options_description& options, po::options_description& arguments,
             po::positional_options_description& positional) {
  declare_node_options(options);
  arguments.add_options()("vsn", po::value<std::string>());
  positional.add("vsn", 1);
}

exit_code run(const po::variables_map& args, std::ostream& out, std::ostream& err) {
  if (!args.count("vsn")) throw usage_error("no VSN: give the release to remove");
  const std::string vsn = args["vsn"].as<std::string>();
  return with_node("remove", args, err, [&](const node_session& s) {
    const otp::term reply = otp::release::release_handler::remove(vsn, s.release_handler());
    if (const auto reason = otp::release::release_handler::error_of(reply))
      return s.fail(otp::release::explain_release_error(*reason, s.node));
    out << "removed release " << vsn << " from node " << s.node_name() << "\n";
    return exit_code::ok;
  });
}

}  // namespace

const command remove{
    "remove",
    "remove --node NAME@HOST [--cookie C] VSN",
    "Remove a release from a node.",
    "Deletes release VSN's directory and the application versions no other release of the node uses, and\n"
    "records the removal in the history. The permanent and the running release cannot be removed.\n"
    "Exit status: 0 removed; 1 the node has no release VSN, or it is permanent or running.",
    &declare,
    &run,
};

}  // namespace otpctl::commands
