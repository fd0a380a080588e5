// How otpctl takes a cookie without showing it to other users: --cookie and --cookie-file, and the
// command line rewritten so that `ps` and /proc/PID/cmdline no longer show a --cookie value (nor
// the observer's token, another secret, given with --observer-token or --token).
//
//   --cookie C          the cookie itself. Visible to every user of the machine until otpctl has
//                       rewritten its command line (hide_secret_arguments), so --cookie-file or
//                       ~/.erlang.cookie is the way to give it on a shared machine.
//   --cookie-file PATH  the first line of PATH, which must exist, be a regular file and be
//                       readable by its owner only (mode 0400 or 0600), as erl requires of
//                       ~/.erlang.cookie.
// Neither given: nullopt, and the node reads (or creates) ~/.erlang.cookie as erl does.
//
// A daemon's watchdog and node are forks of otpctl (otp/heart.hpp): they inherit the cookie in
// memory and the rewritten command line; no cookie goes through an environment variable or an
// argument of a program otpctl starts.
//
// Thread-safety: hide_secret_arguments once from main, before any thread starts; the rest is pure.
#pragma once

#include <boost/program_options.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace otpctl {

// A --cookie-file that cannot be used; what() names the file and why (one line).
class cookie_file_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Adds --cookie and --cookie-file to `options`.
void declare_cookie_options(boost::program_options::options_description& options);

// The cookie the command line gives, if any. Throws usage_error when both options are given and
// cookie_file_error when the file is missing, unreadable, readable by others or empty.
std::optional<std::string> cookie_from(const boost::program_options::variables_map& args);

// The options whose values are secrets: the cookie and the web observer's token (otpctl start
// --observer-token, otpctl observer --token).
inline constexpr std::string_view secret_options[] = {"--cookie", "--observer-token", "--token"};

// Overwrites, in the process's own argument memory, every value given with a secret option (as
// "--cookie C" or "--cookie=C", up to a "--") with 'x's. Program_options has copied the
// arguments already, so the parse is unaffected.
void hide_secret_arguments(int argc, char** argv);

}  // namespace otpctl
