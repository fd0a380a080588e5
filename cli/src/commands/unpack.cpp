// otpctl unpack: which release of PATH (an archive or a root), then unpack_from.
#include "commands/unpack.hpp"

#include <optional>
#include <ostream>
#include <string>

#include "node_connection.hpp"
#include "otp/detail/release_errors.hpp"
#include "otp/release_handler.hpp"
#include "release_source.hpp"

namespace otpctl::commands {

namespace po = boost::program_options;

namespace {

void declare(po::options_description& options, po::options_description& arguments,
             po::positional_options_description& positional) {
  declare_node_options(options);
  options.add_options()("vsn", po::value<std::string>()->value_name("VSN"),
                        "the release of the root PATH to send (needed when it holds several)");
  arguments.add_options()("path", po::value<std::string>());
  positional.add("path", 1);
}

exit_code run(const po::variables_map& args, std::ostream& out, std::ostream& err) {
  if (!args.count("path"))
    throw usage_error("no PATH: give the release archive or the release root that holds the release");
  std::optional<std::string> vsn;
  if (args.count("vsn")) vsn = args["vsn"].as<std::string>();
  std::optional<release_source> source;
  try {
    source.emplace(args["path"].as<std::string>(), vsn, "--vsn");
  } catch (const release_source_error& e) {
    err << "otpctl unpack: " << e.what() << "\n";
    return exit_code::failed;
  }
  // Checked here first, so that each problem names the user's file rather than the node's copy.
  if (const auto problems = source->problems(); !problems.empty()) {
    err << "otpctl unpack: release " << source->vsn() << " of " << args["path"].as<std::string>()
        << " is not complete:\n";
    for (const auto& p : problems) err << "  " << p.to_string() << "\n";
    return exit_code::failed;
  }
  return with_node("unpack", args, err, [&](const node_session& s) {
    const otp::term reply =
        otp::release::release_handler::unpack_from(source->root(), source->vsn(), s.release_handler());
    if (const auto reason = otp::release::release_handler::error_of(reply))
      return s.fail(otp::release::explain_release_error(*reason, s.node));
    out << "unpacked release " << source->vsn() << " on node " << s.node_name() << "\n";
    return exit_code::ok;
  });
}

}  // namespace

const command unpack{
    "unpack",
    "unpack --node NAME@HOST [--cookie C] [--vsn VSN] PATH",
    "Send a release to a node and unpack it there.",
    "PATH is a release archive (<name>-<vsn>.tar.gz, made by otp_add_release or 'otpctl archive'),\n"
    "read and its checksums verified first, or a release root (releases/<vsn>/<name>.rel.yaml,\n"
    "lib/<app>-<vsn>/...), for example build/release/examples/counter/root. The release is first checked\n"
    "here as 'otpctl check --root' does: every problem is listed as FILE:LINE:COLUMN of the file you\n"
    "have (ARCHIVE:lib/... inside an archive), and nothing is sent. The release's files (its\n"
    "release file, and the application file, appup and modules of each of its applications) go to the\n"
    "node, which checks their checksums and the release as a whole, writes them into its own release\n"
    "root and records the release as unpacked; 'otpctl relup VSN' then installs it. --vsn picks the\n"
    "release when a root holds several.\n"
    "Exit status: 0 unpacked; 1 PATH has no such release, is a broken archive or an incomplete release,\n"
    "or the node refused it\n"
    "(already unpacked, incomplete, a file that differs from the node's); 2 no PATH, or several\n"
    "releases and no --vsn.",
    &declare,
    &run,
};

}  // namespace otpctl::commands
