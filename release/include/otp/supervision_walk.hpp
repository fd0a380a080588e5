// otp::release supervision_walk — which processes use which modules, found as release_handler finds
// them: by walking supervision trees with which_children.
//
// Every running child contributes {Supervisor, Id, Pid, Modules}; a child of type supervisor is
// walked in turn, and each root is included with its callback module. Children without a pid
// (undefined, restarting) are skipped. Processes outside the trees are never found, as in OTP.
// A child whose modules are `dynamic` is asked which module it runs (process_info, answered by
// the process itself, as release_handler's get_modules) and reported with it, flagged dynamic. Thread-safety: any
// thread or process (the calls are supervisor::which_children).
#pragma once

#include <vector>

#include "otp/term.hpp"

namespace otp::release {

struct supervised_process {
  term supervisor;  // its supervisor's pid; nil for a root
  term id;          // its child id; nil for a root
  term pid;
  std::vector<atom> modules;
  bool dynamic = false;
};

// `roots`: the top supervisors (pids or registered names), walked in order.
std::vector<supervised_process> walk_supervision_trees(const std::vector<term>& roots);

// The pids whose modules contain `module`, in walk order, each once.
std::vector<term> processes_using_module(const std::vector<supervised_process>& walk, atom module);

}  // namespace otp::release
