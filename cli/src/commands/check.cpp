// otpctl check: which parser a file needs (by its name), its verdict, in text or JSON.
#include "commands/check.hpp"

#include <boost/json.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "otp/application_file.hpp"
#include "otp/appup_yaml.hpp"
#include "otp/detail/cat.hpp"
#include "otp/release_check.hpp"
#include "otp/release_file.hpp"
#include "release_source.hpp"

namespace otpctl::commands {

namespace po = boost::program_options;

namespace {

enum class file_kind { application, release, appup };

std::optional<file_kind> kind_of(const std::string& file) {
  auto ends_with = [&](std::string_view suffix) {
    return file.size() > suffix.size() && file.compare(file.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  if (ends_with(".app.yaml")) return file_kind::application;
  if (ends_with(".rel.yaml")) return file_kind::release;
  if (ends_with(".appup.yaml")) return file_kind::appup;
  return std::nullopt;
}

struct verdict {
  std::string file;
  std::optional<otp::release::release_problem> error;  // none: valid
};

verdict check_file(const std::string& file, file_kind kind) {
  try {
    switch (kind) {
      case file_kind::application: otp::release::load_application_file(file); break;
      case file_kind::release: otp::release::load_release_file(file); break;
      case file_kind::appup: otp::appup::load_appup_file(file); break;
    }
    return {file, std::nullopt};
  } catch (const otp::appup::yaml_error& e) {
    return {file, otp::release::release_problem{e.file(), e.line(), e.column(), e.message()}};
  }
}

boost::json::value to_json(const verdict& v) {
  boost::json::object o{{"file", v.file}, {"ok", !v.error}, {"error", nullptr}, {"line", nullptr}, {"column", nullptr}};
  if (v.error) {
    o["error"] = v.error->to_string();
    if (v.error->line != 0) {
      o["line"] = v.error->line;
      o["column"] = v.error->column;
    }
  }
  return o;
}

// Every problem of the release --root names (a root or an archive), or one 'ok' verdict.
std::vector<verdict> check_release(const po::variables_map& args) {
  std::optional<std::string> vsn;
  if (args.count("vsn")) vsn = args["vsn"].as<std::string>();
  const std::string path = args["root"].as<std::string>();
  std::vector<verdict> out;
  try {
    const release_source source(path, vsn, "--vsn");
    for (const auto& p : source.problems()) out.push_back({p.file, p});
    if (out.empty()) out.push_back({path + " release " + source.vsn(), std::nullopt});
  } catch (const release_source_error& e) {
    out.push_back({path, otp::release::release_problem{{}, 0, 0, e.what()}});
  }
  return out;
}

void declare(po::options_description& options, po::options_description& arguments,
             po::positional_options_description& positional) {
  options.add_options()("json", "print the verdicts as a JSON array of {file, ok, error, line, column}");
  options.add_options()("root", po::value<std::string>()->value_name("PATH"),
                        "check a whole release: of this release root or release archive");
  options.add_options()("vsn", po::value<std::string>()->value_name("VSN"),
                        "with --root: the release to check (needed when the root holds several)");
  arguments.add_options()("file", po::value<std::vector<std::string>>());
  positional.add("file", -1);
}

exit_code run(const po::variables_map& args, std::ostream& out, std::ostream& err) {
  if (!args.count("file") && !args.count("root")) throw usage_error("no FILE and no --root to check");
  if (args.count("vsn") && !args.count("root")) throw usage_error("--vsn picks a release of --root, which is missing");
  const auto files = args.count("file") ? args["file"].as<std::vector<std::string>>() : std::vector<std::string>{};
  std::vector<file_kind> kinds;
  for (const std::string& f : files) {
    const auto kind = kind_of(f);
    if (!kind)
      throw usage_error(otp::detail::cat("'", f,
                                         "' is not an application, release or appup file: its name must end "
                                         "in .app.yaml, .rel.yaml or .appup.yaml"));
    kinds.push_back(*kind);
  }
  std::vector<verdict> verdicts;
  for (std::size_t i = 0; i < files.size(); ++i) verdicts.push_back(check_file(files[i], kinds[i]));
  if (args.count("root"))
    for (verdict& v : check_release(args)) verdicts.push_back(std::move(v));

  const bool as_json = args.count("json") > 0;
  bool all_ok = true;
  boost::json::array json;
  for (const verdict& v : verdicts) {
    all_ok = all_ok && !v.error;
    if (as_json)
      json.push_back(to_json(v));
    else if (v.error)
      err << v.error->to_string() << "\n";
    else
      out << v.file << ": ok\n";
  }
  if (as_json) out << boost::json::serialize(json) << "\n";
  return all_ok ? exit_code::ok : exit_code::failed;
}

}  // namespace

const command check{
    "check",
    "check [--json] [FILE...] [--root PATH [--vsn VSN]]",
    "Validate application, release and appup files, or a whole release, offline.",
    "Each FILE is read by the parser its name asks for: NAME.app.yaml an application file, NAME.rel.yaml a\n"
    "release file, NAME.appup.yaml an appup (docs/release-files.md, docs/appup.md), and checked on its own.\n\n"
    "--root PATH checks release VSN of a release root or a release archive as a whole, as a node's unpack\n"
    "does, and reports every problem at once: application versions and dependencies the release names that\n"
    "do not exist, module files missing, modules an appup updates, loads or adds that the application\n"
    "lacks, start-order (dependency) cycles, a vsn that disagrees with its directory, child-spec names\n"
    "missing from 'registered' (docs/release-files.md, \"Checking a release\").\n\n"
    "Prints 'FILE: ok' for each valid file or release (stdout) and 'FILE:LINE:COLUMN: what is wrong' for\n"
    "each problem (stderr). Exit status: 0 all valid, 1 any problem or unreadable file, 2 usage (nothing\n"
    "to check, a FILE of no known kind, or several releases and no --vsn).",
    &declare,
    &run,
};

}  // namespace otpctl::commands
