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
#include "otp/release_file.hpp"

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
  std::optional<otp::appup::yaml_error> error;  // none: valid
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
    return {file, e};
  }
}

boost::json::value to_json(const verdict& v) {
  boost::json::object o{{"file", v.file}, {"ok", !v.error}, {"error", nullptr}, {"line", nullptr}, {"column", nullptr}};
  if (v.error) {
    o["error"] = v.error->what();
    if (v.error->line() != 0) {
      o["line"] = v.error->line();
      o["column"] = v.error->column();
    }
  }
  return o;
}

void declare(po::options_description& options, po::options_description& arguments,
             po::positional_options_description& positional) {
  options.add_options()("json", "print the verdicts as a JSON array of {file, ok, error, line, column}");
  arguments.add_options()("file", po::value<std::vector<std::string>>());
  positional.add("file", -1);
}

exit_code run(const po::variables_map& args, std::ostream& out, std::ostream& err) {
  if (!args.count("file")) throw usage_error("no FILE to check");
  const auto& files = args["file"].as<std::vector<std::string>>();
  std::vector<file_kind> kinds;
  for (const std::string& f : files) {
    const auto kind = kind_of(f);
    if (!kind)
      throw usage_error(otp::appup::detail::cat("'", f,
                                                "' is not an application, release or appup file: its name must end "
                                                "in .app.yaml, .rel.yaml or .appup.yaml"));
    kinds.push_back(*kind);
  }
  std::vector<verdict> verdicts;
  for (std::size_t i = 0; i < files.size(); ++i) verdicts.push_back(check_file(files[i], kinds[i]));

  const bool as_json = args.count("json") > 0;
  bool all_ok = true;
  boost::json::array json;
  for (const verdict& v : verdicts) {
    all_ok = all_ok && !v.error;
    if (as_json)
      json.push_back(to_json(v));
    else if (v.error)
      err << v.error->what() << "\n";
    else
      out << v.file << ": ok\n";
  }
  if (as_json) out << boost::json::serialize(json) << "\n";
  return all_ok ? exit_code::ok : exit_code::failed;
}

}  // namespace

const command check{
    "check",
    "check [--json] FILE...",
    "Validate application, release and appup files offline.",
    "Each FILE is read by the parser its name asks for: NAME.app.yaml an application file, NAME.rel.yaml a\n"
    "release file, NAME.appup.yaml an appup (docs/release-files.md, docs/appup.md). Each is checked on its\n"
    "own: that a release's applications exist is checked when it is unpacked.\n\n"
    "Prints 'FILE: ok' for each valid file (stdout) and 'FILE:LINE:COLUMN: what was expected' for each\n"
    "invalid one (stderr). Exit status: 0 all valid, 1 any invalid or unreadable, 2 usage (no FILE, or a\n"
    "FILE of no known kind).",
    &declare,
    &run,
};

}  // namespace otpctl::commands
