// otp::release::release_handler — the node's release handler (docs/release-handler.md): a
// registered gen_server (`release_handler`) that boots a release root's permanent release and
// unpacks, installs (upgrades and downgrades), makes permanent and removes releases, recording every
// step in the node's SQLite history.
//
// Boot (start_link): opens the history (<root>/releases/history.sqlite unless given), records the
// installs a killed node left unfinished, and boots the permanent release — on the first boot of a
// root, `first_boot_vsn` or the newest release there, which is then unpacked and made permanent.
// Booting starts the release's applications in its order through the handler's
// application_controller (application_controller.hpp: modules, environment, supervision tree
// linked to the handler, start types). When a permanent application exits, or a transient one
// exits abnormally, the handler logs "application A exited: R; the node stops (permanent)",
// records an application_exit row, stops the other applications and exits with
// {application_exited, A, R}; the node program then ends (node_runner.hpp). A release installed
// but not made permanent is not what the next boot runs.
//
// Install: the target must be unpacked, old or permanent and not current. Every module file is
// checked against the sha256 recorded at unpack, the relup is planned from the running release
// (an upgrade when the target's vsn is higher, otp::version_less; a downgrade with the newer
// release's down instructions otherwise), and run by run_script with the applications' top
// supervisors as roots. add_application / remove_application / restart_application's applies are
// the handler's application start / stop / unload. A failure anywhere leaves every process with
// its old code and state, stops applications the install started and restarts those it stopped,
// and the node keeps serving the old release (script_runner.hpp). After a successful script the
// environments are recomputed from the target's files and the applications whose environment
// changed are told (application_controller::upgraded, OTP's config_change). Each install writes
// install_start and install_end (ok or failed with the reason as Erlang text) to the history.
//
// The protocol is gen_server calls with Erlang terms, so a hidden node (otpctl) can drive it;
// versions are binaries. The request tags and the structured replies as C++ types are in
// release_handler_protocol.hpp, shared by the handler and its callers. Each request, then its replies:
//   releases
//       [{Name, Vsn, [<<"app-vsn">>], Status}], newest first
//   which_releases | {which_releases, Status}
//       what Erlang's release_handler:which_releases/0,1 answer: the same with strings as
//       charlists, [{"Name", "Vsn", ["app-vsn"], Status}] (only those in Status)
//   which_applications
//       [{App, Vsn, TopSupervisorPid}] of the running applications
//   otp_which_applications
//       what Erlang's application:which_applications() answers: [{App, "Description", "Vsn"}]
//   applications
//       [#{name, description, vsn, type, state, reason}] for every application of the running
//       release (application_controller::describe)
//   {start_application, App} | {stop_application, App}
//       ok | {error, {already_started, App}} | {error, {not_started, App}} | {error, {not_in_release, App}}
//       (a stop on request never stops the node, whatever the start type)
//   application_env | {application_env, App}
//       [{App, [{Key, Value}]}] for every application of the running release | [{Key, Value}]
//   {unpack, Vsn}
//       {ok, Vsn} | {error, {existing_release, Vsn}} | {error, {bad_release, Vsn, [Problem]}}
//   {unpack, Vsn, Files}
//       the same, for a release sent by another node or by otpctl: Files = [{RelativePath, Bytes,
//       Sha256Hex}], checked on arrival ({checksum_mismatch, Path}), refused if a path leaves the
//       root or an existing file differs ({bad_path, P}, {conflicting_file, P}); written, then
//       unpacked; on failure what was written is removed again
//   {push_release, Vsn, Node}
//       sends this node's release Vsn to the release handler of Node as {unpack, Vsn, Files} and
//       replies what that handler replied (how a cluster install gives a release to a node that
//       lacks it)
//   {check_install, Vsn}
//       {ok, FromVsn, up | down, ScriptText} | {error, R}; changes nothing
//   {install, Vsn, Options}
//       {ok, FromVsn, #{duration_ms, modules_changed, processes_migrated, longest_suspension_us}} | {error, R}; Options
//       is a map: progress => Pid gets {release_progress, Vsn, StepText, [Pid]} after each step
//   {prepare_install, Vsn, #{operation => Id, timeout => Ms}}
//       {ok, FromVsn} | {error, R}: an install stopped just before its point of no return (checked,
//       planned, new code prepared, nothing a process sees changed), recorded with the operation
//       id; it waits for {commit_install, Id} (then replies as install) or {abort_install, Id}
//       (ok); after timeout ms (default 60000) it aborts itself. Other installs, make_permanent
//       and remove get {error, {install_pending, Vsn, Id}} meanwhile
//   {make_permanent, Vsn}
//       ok | {error, {bad_status, Status}} | {error, {unknown_release, Vsn}}
//   {remove, Vsn}
//       ok | {error, {permanent, Vsn}} | {error, {current, Vsn}} | ...
//   {history, Limit}
//       [#{id, at, kind, ...}]: the newest Limit events, oldest first
// The functions below make these calls (install with no call timeout: it is bounded by its own).
//
// Ownership and thread-safety: the handler process owns the history connection and the running
// applications; the functions may be called from any thread or process.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "otp/release_handler_protocol.hpp"
#include "otp/release_root.hpp"
#include "otp/term.hpp"

namespace otp::release {

struct handler_options {
  std::filesystem::path root;
  std::filesystem::path history;  // empty: <root>/releases/history.sqlite
  std::optional<std::string> first_boot_vsn;
  std::optional<std::filesystem::path> config_file;  // the node's config file (release_file.hpp's parse_config)
  std::chrono::milliseconds timeout{5000};           // every batch of sys requests during an install
};

namespace release_handler {

inline const atom registered_name{"release_handler"};

// Starts the handler linked to the caller (a process) and boots the permanent release.
// {ok, Pid} or {error, Reason}.
term start_link(const handler_options& options);

// The calls above, to `handler` (a pid, the registered name, or {release_handler, Node}).
// `releases` decodes its reply (protocol_error if it is not a list of releases); the others return
// the reply as it came (decode it with release_handler_protocol.hpp).
std::vector<release_entry> releases(const term& handler = registered_name);
term which_applications(const term& handler = registered_name);
term applications(const term& handler = registered_name);
term start_application(atom app, const term& handler = registered_name);
term stop_application(atom app, const term& handler = registered_name);
// All environments (`app` undefined) or one application's.
term application_env(atom app = atoms::undefined, const term& handler = registered_name);
term unpack(const std::string& vsn, const term& handler = registered_name);
// Sends release `vsn` of `source` (every file of release_root::release_files) and unpacks it.
term unpack_from(const release_root& source, const std::string& vsn, const term& handler = registered_name);
term check_install(const std::string& vsn, const term& handler = registered_name);
term install(const std::string& vsn, const term& options = term(), const term& handler = registered_name);
term push_release(const std::string& vsn, atom to_node, const term& handler = registered_name);
// The two phases of an install coordinated across nodes (see prepare_install above).
term prepare_install(const std::string& vsn, const std::string& operation, std::chrono::milliseconds timeout,
                     const term& handler = registered_name);
term commit_install(const std::string& operation, const term& handler = registered_name);
term abort_install(const std::string& operation, const term& handler = registered_name);
term make_permanent(const std::string& vsn, const term& handler = registered_name);
term remove(const std::string& vsn, const term& handler = registered_name);
term history(std::int64_t limit, const term& handler = registered_name);

}  // namespace release_handler
}  // namespace otp::release
