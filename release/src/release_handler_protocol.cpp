#include "otp/release_handler_protocol.hpp"

#include <algorithm>
#include <stdexcept>
#include <string_view>

#include "otp/match.hpp"

namespace otp::release::release_handler {
namespace {

constexpr std::string_view server = "release handler";
const atom up_atom("up");
const atom down_atom("down");

std::string text_of(const term& binary_term, const std::string& expected, const term& reply) {
  if (!binary_term.is_binary()) throw protocol_error(server, expected, reply);
  return std::string(binary_term.as_binary());
}

}  // namespace

std::optional<term> error_of(const term& reply) {
  term reason;
  if (match(reply, pat::tuple(atoms::error, pat::bind(reason)))) return reason;
  return std::nullopt;
}

term encode_releases(const std::vector<release_entry>& releases) {
  std::vector<term> out;
  for (const release_entry& r : releases) {
    std::vector<term> apps;
    for (const std::string& a : r.applications) apps.push_back(binary(a));
    out.push_back(
        tuple(binary(r.name), binary(r.vsn), term::make_list(std::move(apps)), atom(std::string(to_string(r.status)))));
  }
  return term::make_list(std::move(out));
}

std::vector<release_entry> decode_releases(const term& reply) {
  const std::string expected = "[{Name, Vsn, [App], Status}]";
  if (!reply.is_proper_list()) throw protocol_error(server, expected, reply);
  std::vector<release_entry> out;
  for (const term& r : reply.elements()) {
    release_entry entry;
    term applications;
    atom status = atoms::undefined;
    if (!match(r, pat::tuple(pat::bind(entry.name), pat::bind(entry.vsn), pat::bind(applications, pat::is_list),
                             pat::bind(status))) ||
        !applications.is_proper_list())
      throw protocol_error(server, expected, reply);
    for (const term& a : applications.elements()) entry.applications.push_back(text_of(a, expected, reply));
    try {
      entry.status = release_status_from(status.text());
    } catch (const std::invalid_argument&) {
      throw protocol_error(server, expected, reply);
    }
    out.push_back(std::move(entry));
  }
  return out;
}

const release_entry* find_status(const std::vector<release_entry>& releases, release_status status) {
  for (const release_entry& r : releases)
    if (r.status == status) return &r;
  return nullptr;
}

const release_entry* running(const std::vector<release_entry>& releases) {
  const release_entry* current = find_status(releases, release_status::current);
  return current != nullptr ? current : find_status(releases, release_status::permanent);
}

std::string rollback_target(const std::vector<release_entry>& releases, const std::optional<std::string>& named,
                            std::string_view node) {
  if (named) {
    if (std::none_of(releases.begin(), releases.end(), [&](const release_entry& r) { return r.vsn == *named; }))
      throw std::invalid_argument("no release " + *named + " on node " + std::string(node));
    return *named;
  }
  const release_entry* permanent = find_status(releases, release_status::permanent);
  return permanent != nullptr ? permanent->vsn : "";
}

term encode_install_report(const install_report& report) {
  return tuple(atoms::ok, binary(report.from_vsn),
               map({{atom("duration_ms"), term(report.duration_ms)},
                    {atom("modules_changed"), term(report.modules_changed)},
                    {atom("processes_migrated"), term(report.processes_migrated)},
                    {atom("longest_suspension_us"), term(report.longest_suspension_us)}}));
}

install_report decode_install_report(const term& reply) {
  install_report r;
  if (!match(reply, pat::tuple(atoms::ok, pat::bind(r.from_vsn),
                               pat::map(pat::key(atom("duration_ms"), pat::bind(r.duration_ms)),
                                        pat::key(atom("modules_changed"), pat::bind(r.modules_changed)),
                                        pat::key(atom("processes_migrated"), pat::bind(r.processes_migrated)),
                                        pat::key(atom("longest_suspension_us"), pat::bind(r.longest_suspension_us))))))
    throw protocol_error(
        server, "{ok, FromVsn, #{duration_ms, modules_changed, processes_migrated, longest_suspension_us}}", reply);
  return r;
}

term encode_install_progress(const install_progress& progress) {
  return tuple(atom("release_progress"), binary(progress.to_vsn), binary(progress.step),
               term::make_list(progress.processes));
}

std::optional<install_progress> decode_install_progress(const term& message) {
  install_progress p;
  term processes;
  if (!match(message, pat::tuple(atom("release_progress"), pat::bind(p.to_vsn), pat::bind(p.step),
                                 pat::bind(processes, pat::is_list))) ||
      !processes.is_proper_list())
    return std::nullopt;
  for (const term& pid : processes.elements()) p.processes.push_back(pid);
  return p;
}

term encode_install_plan(const install_plan& plan) {
  return tuple(atoms::ok, binary(plan.from_vsn), plan.upgrade ? up_atom : down_atom, binary(plan.script));
}

install_plan decode_install_plan(const term& reply) {
  install_plan plan;
  atom direction = atoms::undefined;
  if (!match(reply, pat::tuple(atoms::ok, pat::bind(plan.from_vsn), pat::bind(direction), pat::bind(plan.script))) ||
      (direction != up_atom && direction != down_atom))
    throw protocol_error(server, "{ok, FromVsn, up | down, Script}", reply);
  plan.upgrade = direction == up_atom;
  return plan;
}

}  // namespace otp::release::release_handler
