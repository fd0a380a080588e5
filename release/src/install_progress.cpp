// The install record described in install_progress.hpp.
#include "install_progress.hpp"

#include <chrono>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

namespace otp::release::detail {
namespace {

using clock = std::chrono::steady_clock;

struct step {
  std::string instruction;
  term processes;
  std::int64_t at_ms = 0;
};

struct install_record {
  std::string from_vsn, to_vsn;
  clock::time_point began;
  std::vector<step> steps;
  std::optional<bool> ok;  // set once it ended
  std::string reason;
  std::int64_t duration_ms = 0;
  std::int64_t longest_suspension_us = 0;
};

std::mutex record_mutex;
std::optional<install_record> record;  // guarded by record_mutex

std::int64_t since(clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - t).count();
}

}  // namespace

void install_began(const std::string& from_vsn, const std::string& to_vsn) {
  std::lock_guard lock(record_mutex);
  record.emplace();
  record->from_vsn = from_vsn;
  record->to_vsn = to_vsn;
  record->began = clock::now();
}

void install_step(const std::string& instruction, const term& processes) {
  std::lock_guard lock(record_mutex);
  if (record) record->steps.push_back({instruction, processes, since(record->began)});
}

void install_ended(bool ok, const std::string& reason, std::int64_t duration_ms, std::int64_t longest_suspension_us) {
  std::lock_guard lock(record_mutex);
  if (!record) return;
  record->ok = ok;
  record->reason = reason;
  record->duration_ms = duration_ms;
  record->longest_suspension_us = longest_suspension_us;
}

term install_progress() {
  std::lock_guard lock(record_mutex);
  if (!record) return atoms::undefined;
  std::vector<term> steps;
  for (const step& s : record->steps)
    steps.push_back(
        map({{atom("step"), binary(s.instruction)}, {atom("processes"), s.processes}, {atom("at_ms"), term(s.at_ms)}}));
  std::vector<std::pair<term, term>> fields{
      {atom("from_vsn"), binary(record->from_vsn)},
      {atom("to_vsn"), binary(record->to_vsn)},
      {atom("state"), atom(!record->ok   ? "running"
                           : *record->ok ? "ok"
                                         : "failed")},
      {atom("elapsed_ms"), term(record->ok ? record->duration_ms : since(record->began))},
      {atom("steps"), term::make_list(std::move(steps))}};
  if (record->ok) {
    fields.emplace_back(atom("duration_ms"), term(record->duration_ms));
    fields.emplace_back(atom("longest_suspension_us"), term(record->longest_suspension_us));
    if (!record->reason.empty()) fields.emplace_back(atom("reason"), binary(record->reason));
  }
  return term::make_map(std::move(fields));
}

}  // namespace otp::release::detail
