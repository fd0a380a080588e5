// otpctl archive: the release's check, then write_release_archive.
#include "commands/archive.hpp"

#include <filesystem>
#include <optional>
#include <ostream>
#include <string>

#include "otp/appup.hpp"
#include "otp/release_archive.hpp"
#include "release_source.hpp"

namespace otpctl::commands {

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace {

void declare(po::options_description& options, po::options_description&, po::positional_options_description&) {
  auto add = options.add_options();
  add("root", po::value<std::string>()->value_name("DIR"), "the release root that holds the release (required)");
  add("vsn", po::value<std::string>()->value_name("VSN"), "the release to archive (needed when DIR holds several)");
  add("output,o", po::value<std::string>()->value_name("FILE"), "the archive to write (default: <name>-<vsn>.tar.gz)");
}

exit_code run(const po::variables_map& args, std::ostream& out, std::ostream& err) {
  if (!args.count("root")) throw usage_error("the option '--root' is required but missing");
  const std::string root_path = args["root"].as<std::string>();
  if (!fs::is_directory(root_path)) {
    err << "otpctl archive: no release root at " << root_path << ": not a directory\n";
    return exit_code::failed;
  }
  std::optional<std::string> vsn;
  if (args.count("vsn")) vsn = args["vsn"].as<std::string>();
  try {
    const release_source source(root_path, vsn, "--vsn");
    const otp::release::unpack_check check = source.root().check_unpacked(source.vsn());
    if (!check.ok()) {
      err << "otpctl archive: release " << source.vsn() << " of " << root_path << " is not complete:\n";
      for (const std::string& problem : check.problems) err << "  " << problem << "\n";
      return exit_code::failed;
    }
    const std::string name = source.root().read_release(source.vsn()).name;
    const fs::path output = args.count("output") ? fs::path(args["output"].as<std::string>())
                                                 : fs::path(name + "-" + source.vsn() + ".tar.gz");
    otp::release::write_release_archive(source.root(), source.vsn(), output);
    out << "wrote " << output.string() << ": release " << name << " " << source.vsn() << "\n";
    return exit_code::ok;
  } catch (const usage_error&) {
    throw;
  } catch (const std::runtime_error& e) {  // release_source_error, layout_error, yaml_error, archive_error
    err << "otpctl archive: " << e.what() << "\n";
    return exit_code::failed;
  }
}

}  // namespace

const command archive{
    "archive",
    "archive --root DIR [--vsn VSN] [--output FILE]",
    "Write a release of a release root as a release archive (.tar.gz).",
    "Checks release VSN of the release root DIR as a node's unpack does (every file present, names\n"
    "and versions consistent; every problem is listed), then writes it as one gzip-compressed tar\n"
    "file: releases/VSN/ and lib/<app>-<vsn>/ of each of its applications, with\n"
    "releases/VSN/SHA256SUMS (the sha256 of every other file). 'otpctl start --release', 'otpctl\n"
    "unpack' and 'otpctl plan' read such archives. The CMake function otp_add_release runs this at\n"
    "build time (docs/first-release.md). Prints 'wrote FILE: release NAME VSN'.\n"
    "Exit status: 0 written; 1 the release is incomplete or the archive cannot be written; 2 usage.",
    &declare,
    &run,
};

}  // namespace otpctl::commands
