// otp::module — writing a hot-loadable module (docs/code.md).
//
// A module is a shared library built by CMake's `otp_add_module(<name> VSN <vsn> SOURCES ...)`.
// It defines exactly one descriptor with one of these macros, at namespace scope in one source:
//
//   class counter_server : public otp::gen_server::behaviour { ... };   // callbacks, no state
//   OTP_GEN_SERVER_MODULE(counter, "1.1.0", counter_server)
//
//   otp::module::next loop(const otp::term& state) { ... }             // a plain process
//   OTP_PROCESS_MODULE(counter, "1", loop)
//
// An optional last argument names an on_load function (`void f()`), run by the code server after
// the library is opened: throwing refuses the load (on_load_failure), as Erlang's -on_load does.
//
// Contract for the code in a module:
// - Callbacks are stateless: the process state is a term, so it outlives the code that made it.
//   The behaviour object is created once per loaded version and shared by every process of the
//   module; it must be safe to call from any scheduler thread.
// - gen_server modules are dispatched to the module's *current* version at every message (Erlang's
//   Mod:handle_call). The new version's code_change(OldVsn, State, Extra) migrates a state; a
//   downgrade passes {down, Vsn}.
// - A plain process runs `loop(State)` of the version it started on until loop returns
//   `next::in_current_version(State)`, Erlang's ?MODULE:loop(State): the runtime then calls loop of
//   the module's current version. `next::done()` ends the process normally.
// - Nothing the module creates may outlive its version except terms: no thread_local with a
//   destructor, no threads, no objects handed to the host. glibc keeps a library mapped while a
//   thread_local with a destructor is alive, and an object whose vtable lives in an unloaded
//   library crashes at its next virtual call.
#pragma once

#include <boost/dll/alias.hpp>
#include <cstdint>
#include <memory>
#include <string_view>

#include "otp/gen_server.hpp"
#include "otp/term.hpp"

namespace otp::module {

// Bumped whenever the descriptor or any type a module shares with the runtime changes layout.
inline constexpr std::uint32_t abi_version = 1;
inline constexpr std::uint64_t descriptor_magic = 0x55444f4d5f50544fULL;  // "OTP_MODU"

enum class kind : std::uint32_t { gen_server = 1, process = 2 };

// What a plain process's loop returns.
class next {
 public:
  // Continue in loop(State) of the module's current version.
  static next in_current_version(term state) { return next(true, std::move(state)); }
  // End the process with reason normal.
  static next done() { return next(false, term()); }

  bool continues() const noexcept { return continues_; }
  const term& state() const noexcept { return state_; }

 private:
  next(bool continues, term state) : continues_(continues), state_(std::move(state)) {}
  bool continues_;
  term state_;
};

// The one symbol a module exports. `magic` and `abi` come first and never move, so a runtime can
// refuse a module of another ABI before reading anything else.
struct descriptor {
  std::uint64_t magic;
  std::uint32_t abi;
  kind behaviour;
  const char* name;
  const char* vsn;
  std::shared_ptr<gen_server::behaviour> (*make_server)();  // gen_server modules
  next (*loop)(const term& state);                          // process modules
  void (*on_load)();                                        // optional
};

// The exported alias the code server looks up.
inline constexpr const char* descriptor_symbol = "otp_module_descriptor";

namespace detail {
template <class Server>
std::shared_ptr<gen_server::behaviour> make_server() {
  return std::make_shared<Server>();
}

// otp_add_module defines OTP_MODULE_NAME and OTP_MODULE_VSN; the macro must agree with them.
#ifdef OTP_MODULE_NAME
inline constexpr std::string_view declared_name = OTP_MODULE_NAME;
#else
inline constexpr std::string_view declared_name{};
#endif
#ifdef OTP_MODULE_VSN
inline constexpr std::string_view declared_vsn = OTP_MODULE_VSN;
#else
inline constexpr std::string_view declared_vsn{};
#endif
using on_load_function = void (*)();
constexpr on_load_function optional_on_load() { return nullptr; }
constexpr on_load_function optional_on_load(on_load_function f) { return f; }

constexpr bool agrees(std::string_view given, std::string_view declared) {
  return declared.empty() || given == declared;
}
}  // namespace detail

}  // namespace otp::module

#define OTP_MODULE_DESCRIPTOR_(Name, Vsn, Kind, MakeServer, Loop, OnLoad)                                       \
  static_assert(::otp::module::detail::agrees(#Name, ::otp::module::detail::declared_name),                     \
                "the module name differs from the one given to otp_add_module");                                \
  static_assert(::otp::module::detail::agrees(Vsn, ::otp::module::detail::declared_vsn),                        \
                "the module vsn differs from the VSN given to otp_add_module");                                 \
  namespace {                                                                                                   \
  const ::otp::module::descriptor otp_module_descriptor_value{                                                  \
      ::otp::module::descriptor_magic, ::otp::module::abi_version, Kind, #Name, Vsn, MakeServer, Loop, OnLoad}; \
  const ::otp::module::descriptor* otp_module_descriptor_function() { return &otp_module_descriptor_value; }    \
  }                                                                                                             \
  BOOST_DLL_ALIAS(otp_module_descriptor_function, otp_module_descriptor)

// OTP_GEN_SERVER_MODULE(name, "vsn", ServerClass [, on_load])
#define OTP_GEN_SERVER_MODULE(Name, Vsn, ServerClass, ...)                                                             \
  OTP_MODULE_DESCRIPTOR_(Name, Vsn, ::otp::module::kind::gen_server, &::otp::module::detail::make_server<ServerClass>, \
                         nullptr, ::otp::module::detail::optional_on_load(__VA_ARGS__))

// OTP_PROCESS_MODULE(name, "vsn", loop_function [, on_load])
#define OTP_PROCESS_MODULE(Name, Vsn, LoopFunction, ...)                                  \
  OTP_MODULE_DESCRIPTOR_(Name, Vsn, ::otp::module::kind::process, nullptr, &LoopFunction, \
                         ::otp::module::detail::optional_on_load(__VA_ARGS__))
