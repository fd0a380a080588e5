// cookie — the magic cookie file, as erl reads it (auth.erl).
//
// `read_cookie_file` returns the cookie in `path`: its first line, trailing whitespace removed. A
// missing file is created first, with mode 0400 and a random cookie of 20 capital letters, as erl
// does. A file that group or others may read, or that is not a regular file, or that is empty, is
// refused with cookie_error whose message names the file and the reason (erl's "Cookie file ~s must
// be accessible by owner only"). `default_cookie_path` is $HOME/.erlang.cookie.
// Thread-safety: plain functions over the file system; safe from any thread.
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>

namespace otp::detail::dist {

struct cookie_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::filesystem::path default_cookie_path();
std::string read_cookie_file(const std::filesystem::path& path);
std::string random_cookie();

}  // namespace otp::detail::dist
