// Rolling upgrades, the callers' side of the system messages (otp/rolling_upgrade.hpp); the code
// server's side is in code_server.cpp, the processes' side in sys.cpp.
#include "otp/rolling_upgrade.hpp"

#include <algorithm>

#include "behaviours/gen_call.hpp"
#include "otp/runtime.hpp"

namespace otp::sys {

bool rolling_batch::all_ok() const {
  return std::all_of(results.begin(), results.end(), [](const term& r) { return r.is_atom(atoms::ok); });
}

rolling_batch rolling_change_code_all(const std::vector<term>& processes, atom module, const term& old_vsn,
                                      const term& extra, milliseconds timeout, std::size_t window) {
  if (!in_process())
    return runtime::current().run(
        [&] { return rolling_change_code_all(processes, module, old_vsn, extra, timeout, window); });
  const std::size_t n = processes.size();
  rolling_batch out{std::vector<term>(n, tuple(atoms::error, atom("not_asked"))), std::vector<term>(n),
                    std::vector<term>(n), std::vector<std::chrono::microseconds>(n, std::chrono::microseconds(0))};
  const term request = tuple(atom("rolling_change_code"), module, old_vsn, extra);
  window = std::max<std::size_t>(window, 1);
  for (std::size_t first = 0; first < n; first += window) {
    const std::size_t last = std::min(n, first + window);
    const std::vector<term> some(processes.begin() + static_cast<std::ptrdiff_t>(first),
                                 processes.begin() + static_cast<std::ptrdiff_t>(last));
    const detail::call_batch calls = detail::gen_call_many(
        some, [&](const term& from) { return tuple(atoms::system, from, request); }, timeout);
    bool failed = false;
    for (std::size_t k = 0; k < some.size(); ++k) {
      const term& r = calls.results[k];
      const std::size_t at = first + k;
      if (r[0].is_atom(atoms::ok) && r[1].is_tuple(4) && r[1][0].is_atom(atoms::ok)) {
        out.results[at] = atoms::ok;
        out.old_states[at] = r[1][1];
        out.pauses[at] = std::chrono::microseconds(r[1][2].as_int());
        out.new_states[at] = r[1][3];
      } else {
        out.results[at] = r[0].is_atom(atoms::ok) ? r[1] : r;  // {error, R} from code_change, or the call's
        failed = true;
      }
    }
    if (failed) break;
  }
  return out;
}

std::vector<term> rolling_revert_all(const std::vector<term>& processes, const std::vector<term>& old_states,
                                     const std::vector<term>& new_states, const term& back_vsn, const term& extra,
                                     milliseconds timeout) {
  if (!in_process())
    return runtime::current().run(
        [&] { return rolling_revert_all(processes, old_states, new_states, back_vsn, extra, timeout); });
  std::vector<term> results;
  results.reserve(processes.size());
  for (std::size_t k = 0; k < processes.size(); ++k) {
    const term request = tuple(atom("rolling_revert"), old_states[k], new_states[k], back_vsn, extra);
    try {
      results.push_back(detail::gen_call(
          processes[k], [&](const term& from) { return tuple(atoms::system, from, request); }, timeout,
          [&] { return tuple(atoms::sys, atom("rolling_revert"), list(processes[k])); }));
    } catch (const exit_exception& e) {
      results.push_back(tuple(atoms::error, e.reason()));
    }
  }
  return results;
}

}  // namespace otp::sys
