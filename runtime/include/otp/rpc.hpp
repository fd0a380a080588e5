// otp::rpc — C++ functions that Erlang nodes call as Module:Function(Args...) (docs/rpc.md).
//
// A function registered here under {Module, Function, Arity} is what `rpc:call`, `erpc:call`,
// `rpc:cast`, `rpc:multicall`, `erpc:multicall` and `spawn(Node, M, F, A)` run when they name this
// node: each call runs in a fresh process of this node, with the call's arguments.
// A function returns its result; it raises Erlang's exception classes by throwing
// `rpc::thrown(Value)` (throw), `rpc::error(Reason)` (error) or `otp::exit_exception(Reason)` /
// `otp::exit(Reason)` (exit). Any other C++ exception is an error with the reason
// {exception, <<"Type">>, <<"what()">>}.
//
// The runtime registers built-ins (erlang:node/0, erlang:nodes/0,1, erlang:system_info/1,
// init:stop/0, code:which/1, code:all_loaded/0); a node running a release adds
// application:which_applications/0 and release_handler:which_releases/0.
//
// Registration is for code that lives as long as the process (the program's own C++ code, at
// start): the registry keeps the std::function, so it must not point into a hot-loadable module
// whose library a purge closes. A module offers its services through its processes instead.
//
// Thread-safety: every function may be called from any thread; a registration made while calls
// run is seen by the calls that start after it.
#pragma once

#include <cstddef>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "otp/term.hpp"

namespace otp::rpc {

// A registered function: called with the call's arguments (as many as its arity).
using function = std::function<term(const std::vector<term>& args)>;

// Erlang's throw(Value), from a registered function.
class thrown : public std::exception {
 public:
  explicit thrown(term value) : value_(std::move(value)) {}
  const term& value() const noexcept { return value_; }
  const char* what() const noexcept override { return "rpc: thrown"; }

 private:
  term value_;
};

// Erlang's error(Reason), from a registered function.
class error : public std::exception {
 public:
  explicit error(term reason) : reason_(std::move(reason)) {}
  const term& reason() const noexcept { return reason_; }
  const char* what() const noexcept override { return "rpc: error"; }

 private:
  term reason_;
};

// Registers `f` as Module:Function/Arity, replacing whatever was registered there (a built-in too).
void register_function(atom module, atom name, std::size_t arity, rpc::function f);
// False when nothing was registered there.
bool unregister_function(atom module, atom name, std::size_t arity);
// What is registered as Module:Function/Arity.
std::optional<rpc::function> lookup(atom module, atom name, std::size_t arity);

// The function registered for Module:Function/length(Args) applied to Args, in the calling process
// or thread; error(undef) when none is registered.
term apply(atom module, atom name, const std::vector<term>& args);

// init:stop/0: what it does on this node. By default it stops distribution (node::stop); a node
// running a release sets a handler that stops the release and the node.
void set_stop_handler(std::function<void()> handler);

}  // namespace otp::rpc
