// otp::release::release_handler's protocol: the tags of the requests the release handler answers,
// and its structured replies as C++ types with their term encoding. The handler encodes with these
// functions and every caller decodes with them (otpctl, the cluster install, the node runner), so
// a reply's shape is written down once. The shapes are listed in release_handler.hpp.
//
// Decoders throw protocol_error, naming the term they could not read, when a reply has another
// shape (an {error, Reason} reply included: check error_of first). Thread-safety: plain functions
// on values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "otp/protocol_error.hpp"
#include "otp/release_history.hpp"
#include "otp/term.hpp"

namespace otp::release::release_handler {

// The request tags: an atom request, or the first element of a tuple request.
namespace request {
inline const atom releases{"releases"};
inline const atom which_releases{"which_releases"};  // release_handler:which_releases/0,1's shape
inline const atom which_applications{"which_applications"};
inline const atom otp_which_applications{"otp_which_applications"};
inline const atom applications{"applications"};
inline const atom application_env{"application_env"};
inline const atom start_application{"start_application"};
inline const atom stop_application{"stop_application"};
inline const atom unpack{"unpack"};
inline const atom push_release{"push_release"};
inline const atom check_install{"check_install"};
inline const atom install{"install"};
inline const atom prepare_install{"prepare_install"};
inline const atom commit_install{"commit_install"};
inline const atom abort_install{"abort_install"};
inline const atom make_permanent{"make_permanent"};
inline const atom remove{"remove"};
inline const atom history{"history"};
}  // namespace request

// Reason, when `reply` is {error, Reason}.
std::optional<term> error_of(const term& reply);

// One release, as `releases` lists it.
struct release_entry {
  std::string name;
  std::string vsn;
  std::vector<std::string> applications;  // "app-vsn"
  release_status status = release_status::unpacked;
};

// [{Name, Vsn, [<<"app-vsn">>], Status}] with binaries, newest first.
term encode_releases(const std::vector<release_entry>& releases);
std::vector<release_entry> decode_releases(const term& reply);

// The release in `status`, if one is: a pointer into `releases`, which must outlive it (hence no
// temporaries).
const release_entry* find_status(const std::vector<release_entry>& releases, release_status status);
const release_entry* find_status(std::vector<release_entry>&&, release_status) = delete;
// The release the node runs: the current one, or the permanent one while none is current.
const release_entry* running(const std::vector<release_entry>& releases);
const release_entry* running(std::vector<release_entry>&&) = delete;
// The release a rollback goes back to (otpctl rollback, the observer's rollback action): `named`
// when given, else the permanent one ("" when there is none). Throws std::invalid_argument, saying
// "no release VSN on node NODE", when `named` is not among `releases`.
std::string rollback_target(const std::vector<release_entry>& releases, const std::optional<std::string>& named,
                            std::string_view node);

// What a finished install reports: {ok, FromVsn, #{duration_ms, modules_changed,
// processes_migrated, longest_suspension_us}}.
struct install_report {
  std::string from_vsn;
  std::int64_t duration_ms = 0;
  std::int64_t modules_changed = 0;
  std::int64_t processes_migrated = 0;
  std::int64_t longest_suspension_us = 0;
};
term encode_install_report(const install_report& report);
install_report decode_install_report(const term& reply);

// What the handler sends, during an install, to the progress process the caller named: one
// {release_progress, ToVsn, StepText, [Pid]} per step of the script, with the processes the step
// touched.
struct install_progress {
  std::string to_vsn;
  std::string step;  // the instruction as relup text
  std::vector<term> processes;
};
term encode_install_progress(const install_progress& progress);
// nullopt when `message` is not a progress message.
std::optional<install_progress> decode_install_progress(const term& message);

// What check_install answers: {ok, FromVsn, up | down, ScriptText}.
struct install_plan {
  std::string from_vsn;
  bool upgrade = true;
  std::string script;
};
term encode_install_plan(const install_plan& plan);
install_plan decode_install_plan(const term& reply);

}  // namespace otp::release::release_handler
