// router — where the runtime hands distribution the signals that leave this node (private).
//
// process.cpp, gen_call.cpp and process_control_block.cpp call these when a pid, a monitor or a
// {Name, Node} names another node. They never block on the network: a signal for a node not yet
// connected is queued on a connection being set up (as erts does with auto-connect), and the
// link, monitor or call behind it gets noconnection if that setup fails.
// Thread-safety: every function may be called from any thread, in or outside a process.
#pragma once

#include "otp/term.hpp"
#include "processes/mailbox.hpp"

namespace otp::detail::dist {

// A signal for a pid of another node; takes ownership of `e`. False when it cannot go anywhere
// (distribution is not running, or the pid belongs to a node incarnation that is gone): a link or
// monitor then fails with noconnection, a message is dropped.
bool forward_signal(const pid_parts& to, envelope* e);

// {Name, Node} ! Message (REG_SEND). `from` is the sending pid, nil outside a process.
void send_to_name(const term& from, atom name, atom node, term message);

// monitor(process, {Name, Node}) for `watcher` under `ref`. False when Node cannot be reached at
// all (distribution not running): the caller then reports noconnection itself.
bool monitor_name(const term& watcher, atom name, atom node, const term& ref);
void demonitor_name(const term& watcher, atom name, atom node, const term& ref);

// A gen call to {Name, Node}: the monitor (as monitor_name) and the REG_SEND, in that order.
bool call_name(const term& caller, atom name, atom node, const term& ref, term message);

// Starts the registered net_kernel process (gen_server:start's answer).
term start_net_kernel_process();

// Stops distribution if it runs (called first thing by ~runtime).
void shutdown_for_runtime() noexcept;

}  // namespace otp::detail::dist
