#include "otp/supervision_walk.hpp"

#include <algorithm>

#include "otp/process.hpp"
#include "otp/supervisor.hpp"

namespace otp::release {
namespace {

void walk(const term& supervisor_pid, std::vector<supervised_process>& out) {
  for (term rest = supervisor::which_children(supervisor_pid); rest.is_list() && !rest.is_nil(); rest = rest.tail()) {
    const term& child = rest.head();  // {Id, Pid | restarting | undefined, Type, Modules}
    if (!child.is_tuple(4) || !child[1].is_pid()) continue;
    supervised_process p{supervisor_pid, child[0], child[1], {}, child[3].is_atom(atom("dynamic"))};
    for (term m = child[3]; m.is_list() && !m.is_nil(); m = m.tail())
      if (m.head().is_atom()) p.modules.push_back(m.head().as_atom());
    if (p.dynamic) {  // as release_handler's get_modules: ask the process which module it runs
      const auto info = process_info(p.pid);
      if (info && !info->module.empty()) p.modules.push_back(atom(info->module));
    }
    out.push_back(std::move(p));
    if (child[2].is_atom(atom("supervisor"))) walk(child[1], out);
  }
}

}  // namespace

std::vector<supervised_process> walk_supervision_trees(const std::vector<term>& roots) {
  std::vector<supervised_process> out;
  for (const term& root : roots) {
    const term pid = root.is_atom() ? whereis(root.as_atom()) : root;
    if (!pid.is_pid()) continue;
    const auto info = process_info(pid);
    if (!info) continue;
    supervised_process top{term(), term(), pid, {}, false};
    if (!info->module.empty()) top.modules.push_back(atom(info->module));
    out.push_back(std::move(top));
    walk(pid, out);
  }
  return out;
}

std::vector<term> processes_using_module(const std::vector<supervised_process>& walk, atom module) {
  std::vector<term> pids;
  for (const supervised_process& p : walk)
    if (std::find(p.modules.begin(), p.modules.end(), module) != p.modules.end() &&
        std::find(pids.begin(), pids.end(), p.pid) == pids.end())
      pids.push_back(p.pid);
  return pids;
}

}  // namespace otp::release
