// --cookie, --cookie-file and the rewritten command line (cookie_option.hpp).
#include "cookie_option.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <string_view>

#include "command.hpp"
#include "otp/node.hpp"

namespace otpctl {

namespace po = boost::program_options;

void declare_cookie_options(po::options_description& options) {
  options.add_options()("cookie", po::value<std::string>()->value_name("C"),
                        "the cookie (visible to other users until otpctl hides it: prefer --cookie-file); "
                        "default: ~/.erlang.cookie")(
      "cookie-file", po::value<std::string>()->value_name("PATH"),
      "read the cookie from the first line of PATH (readable by its owner only)");
}

std::optional<std::string> cookie_from(const po::variables_map& args) {
  if (args.count("cookie") && args.count("cookie-file")) throw usage_error("give either --cookie or --cookie-file");
  if (args.count("cookie")) return args["cookie"].as<std::string>();
  if (!args.count("cookie-file")) return std::nullopt;
  const std::string file = args["cookie-file"].as<std::string>();
  struct stat info {};
  if (::stat(file.c_str(), &info) != 0)  // read_cookie_file would create a missing file
    throw cookie_file_error("cannot read cookie file " + file + ": " + std::strerror(errno));
  try {
    return otp::node::read_cookie_file(file);
  } catch (const otp::node::start_error& e) {
    throw cookie_file_error(e.what());
  }
}

void hide_secret_arguments(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--") return;
    for (const std::string_view option : secret_options) {
      char* value = nullptr;
      if (arg == option && i + 1 < argc)
        value = argv[++i];
      else if (arg.size() > option.size() && arg.starts_with(option) && arg[option.size()] == '=')
        value = argv[i] + option.size() + 1;
      if (value == nullptr) continue;
      std::memset(value, 'x', std::strlen(value));
      break;
    }
  }
}

}  // namespace otpctl
