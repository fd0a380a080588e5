// otpctl unpack: which release of PATH, then unpack_from.
#include "commands/unpack.hpp"

#include <algorithm>
#include <ostream>
#include <string>
#include <vector>

#include "node_connection.hpp"
#include "node_errors.hpp"
#include "otp/release_handler.hpp"
#include "otp/release_root.hpp"

namespace otpctl::commands {

namespace po = boost::program_options;

namespace {

void declare(po::options_description& options, po::options_description& arguments,
             po::positional_options_description& positional) {
  declare_node_options(options);
  options.add_options()("vsn", po::value<std::string>()->value_name("VSN"),
                        "the release of PATH to send (needed when PATH holds several)");
  arguments.add_options()("path", po::value<std::string>());
  positional.add("path", 1);
}

std::string joined(const std::vector<std::string>& items) {
  std::string text;
  for (const std::string& i : items) text += (text.empty() ? "" : ", ") + i;
  return text;
}

exit_code run(const po::variables_map& args, std::ostream& out, std::ostream& err) {
  if (!args.count("path")) throw usage_error("no PATH: give the release root that holds the release");
  const std::string path = args["path"].as<std::string>();
  const otp::release::release_root source(path);
  const std::vector<std::string> versions = source.release_versions();
  std::string vsn;
  if (args.count("vsn")) {
    vsn = args["vsn"].as<std::string>();
  } else if (versions.size() > 1) {
    throw usage_error(path + " holds releases " + joined(versions) + ": pick one with --vsn");
  } else if (versions.size() == 1) {
    vsn = versions.front();
  }
  if (vsn.empty() || std::find(versions.begin(), versions.end(), vsn) == versions.end()) {
    err << "otpctl unpack: " << path << " holds no release" << (vsn.empty() ? "" : " " + vsn)
        << (versions.empty() ? "" : " (it holds " + joined(versions) + ")") << "\n";
    return exit_code::failed;
  }
  return with_node("unpack", args, err, [&](const node_session& s) {
    const otp::term reply = otp::release::release_handler::unpack_from(source, vsn, s.release_handler());
    if (reply.is_tuple(2) && reply[0].is_atom(otp::atom("error")))
      return s.fail(explain_release_error(reply[1], s.node));
    out << "unpacked release " << vsn << " on node " << s.node_name() << "\n";
    return exit_code::ok;
  });
}

}  // namespace

const command unpack{
    "unpack",
    "unpack --node NAME@HOST [--cookie C] [--vsn VSN] PATH",
    "Send a release to a node and unpack it there.",
    "PATH is a release root (releases/<vsn>/<name>.rel.yaml, lib/<app>-<vsn>/...), for example\n"
    "build/release/examples/counter/root. The release's files (its release file, and the application\n"
    "file, appup and modules of each of its applications) go to the node, which checks their checksums\n"
    "and the release as a whole, writes them into its own release root and records the release as\n"
    "unpacked; 'otpctl relup VSN' then installs it. --vsn picks the release when PATH holds several.\n"
    "Exit status: 0 unpacked; 1 PATH has no such release, or the node refused it (already unpacked,\n"
    "incomplete, a file that differs from the node's); 2 no PATH, or several releases and no --vsn.",
    &declare,
    &run,
};

}  // namespace otpctl::commands
