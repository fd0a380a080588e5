// otpctl archive --root DIR [--vsn VSN] [--output FILE]: checks release VSN of the release root DIR
// as a node's unpack would (release_root::check_unpacked) and writes it as a release archive
// (otp/release_archive.hpp), by default <name>-<vsn>.tar.gz in the working directory. This is what
// the CMake function otp_add_release runs at build time. Exit codes: 0 written; 1 the release is
// incomplete or inconsistent (every problem listed) or the archive cannot be written; 2 usage (no
// --root, several releases and no --vsn).
#pragma once

#include "command.hpp"

namespace otpctl::commands {

extern const command archive;

}  // namespace otpctl::commands
