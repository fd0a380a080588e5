#include "dist/remote_spawn.hpp"

#include <vector>

#include "otp/process.hpp"
#include "otp/rpc.hpp"

namespace otp::detail::dist {

namespace {

const atom erpc_atom("erpc");
const atom return_atom("return");
const atom throw_atom("throw");
const atom exit_atom("exit");

}  // namespace

outcome evaluate(atom module, atom function, const term& args) {
  const std::vector<term> arguments(args.elements().begin(), args.elements().end());
  const term undef_stack = list(tuple(module, function, args, term::make_list({})));
  const term stack = list(tuple(module, function, static_cast<std::int64_t>(arguments.size()), term::make_list({})));
  const auto f = rpc::lookup(module, function, arguments.size());
  if (!f) return {atoms::error, atom("undef"), undef_stack};
  try {
    return {return_atom, (*f)(arguments), term()};
  } catch (const rpc::thrown& t) {
    return {throw_atom, t.value(), stack};
  } catch (const rpc::error& e) {
    return {atoms::error, e.reason(), stack};
  } catch (const exit_exception& e) {
    return {exit_atom, e.reason(), term()};
  } catch (const std::exception& e) {
    return {atoms::error, exit_reason_of(e), stack};
  }
}

namespace {

// The arguments of erpc:execute_call/4 or execute_cast/3 as {M, F, Args}, or nullopt when they
// are not an apply's (Erlang's apply then fails with badarg).
std::optional<std::array<term, 3>> apply_arguments(const term& args, std::size_t skip) {
  const auto a = args.elements();
  if (a.size() != skip + 3 || !a[skip].is_atom() || !a[skip + 1].is_atom() || !a[skip + 2].is_proper_list())
    return std::nullopt;
  return std::array<term, 3>{a[skip], a[skip + 1], a[skip + 2]};
}

// erpc:execute_call(Ref, M, F, A): exits with the reply erpc:call reads from the 'DOWN'.
void execute_call(const term& args) {
  const term ref = args.elements()[0];
  const auto mfa = apply_arguments(args, 1);
  const outcome o = mfa ? evaluate(mfa->at(0).as_atom(), mfa->at(1).as_atom(), mfa->at(2))
                        : outcome{atoms::error, atom("badarg"),
                                  list(tuple(atom("erlang"), atom("apply"), args.tail(), term::make_list({})))};
  if (o.kind == atoms::error) otp::exit(tuple(ref, atoms::error, o.value, o.stack));
  otp::exit(tuple(ref, o.kind, o.value));
}

// Exits as a process whose function raised `o` (nothing when it returned).
void end_as(const outcome& o) {
  if (o.kind == return_atom) return;
  if (o.kind == exit_atom) otp::exit(o.value);
  if (o.kind == throw_atom) otp::exit(tuple(tuple(atom("nocatch"), o.value), o.stack));
  otp::exit(tuple(o.value, o.stack));
}

// erpc:execute_cast(M, F, A): an error ends the process as erpc's own raise would.
void execute_cast(const term& args) {
  const auto mfa = apply_arguments(args, 0);
  if (!mfa) otp::exit(tuple(tuple(erpc_atom, atom("badarg")), term::make_list({})));
  const outcome o = evaluate(mfa->at(0).as_atom(), mfa->at(1).as_atom(), mfa->at(2));
  if (o.kind != atoms::error) return end_as(o);
  const term cast_frame = list(tuple(erpc_atom, atom("execute_cast"), 3, term::make_list({})));
  otp::exit(tuple(tuple(atom("exception"), tuple(o.value, o.stack)), cast_frame));
}

}  // namespace

std::function<void()> remote_spawn_body(atom module, atom function, term args) {
  if (module == erpc_atom && function == atom("execute_call") && args.size() == 4)
    return [args = std::move(args)] { execute_call(args); };
  if (module == erpc_atom && function == atom("execute_cast") && args.size() == 3)
    return [args = std::move(args)] { execute_cast(args); };
  return [module, function, args = std::move(args)] { end_as(evaluate(module, function, args)); };
}

}  // namespace otp::detail::dist
