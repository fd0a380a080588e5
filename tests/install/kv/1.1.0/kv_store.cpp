// kv_store version "2": the same store, which now also counts the writes it took.
//   call {put, Key, Value}  stores Value under Key, replies ok
//   call {get, Key}         replies the value, or undefined
//   call stats              replies #{keys => N, writes => W}                          (new)
//   call {config_change, Changed, New, Removed}  (from the application controller after an upgrade
//                           that changed kv's environment) keeps it as kv's last_config_change (new)
// The state changes shape: version "1" kept #{Key => Value}, version "2" keeps {Map, Writes}.
// code_change migrates a running store both ways: up from "1" (a store that had N keys took at
// least N writes) and down to "1" ({down, "1"}: the writes are dropped).
#include <cstdint>
#include <otp/application.hpp>
#include <otp/gen_server.hpp>
#include <otp/module.hpp>
#include <otp/process.hpp>
#include <utility>
#include <vector>

namespace {

using otp::atom;
using otp::term;
using otp::gen_server::code_change_result;
using otp::gen_server::init_result;
using otp::gen_server::result;

term put(const term& map, const term& key, const term& value) {
  std::vector<std::pair<term, term>> pairs(map.map_pairs().begin(), map.map_pairs().end());
  pairs.emplace_back(key, value);  // a later duplicate wins
  return term::make_map(std::move(pairs));
}

class kv_store : public otp::gen_server::behaviour {
 public:
  init_result init(const term&) override {
    otp::register_name(atom("kv_store"), otp::self());
    return init_result::ok(otp::tuple(otp::map({}), 0));  // the state: {#{Key => Value}, Writes}
  }

  result handle_call(const term& request, const term&, const term& state) override {
    const term& map = state[0];
    const std::int64_t writes = state[1].as_int();
    if (request.is_tuple(3) && request[0].is_atom(atom("put")))
      return result::reply(atom("ok"), otp::tuple(put(map, request[1], request[2]), writes + 1));
    if (request.is_tuple(2) && request[0].is_atom(atom("get"))) {
      const term* value = map.find(request[1]);
      return result::reply(value != nullptr ? *value : term(atom("undefined")), state);
    }
    if (request.is_tuple(4) && request[0].is_atom(atom("config_change"))) {
      otp::application::set_env(atom("kv"), atom("last_config_change"), otp::tuple(request[1], request[2], request[3]));
      return result::reply(atom("ok"), state);
    }
    if (request.is_atom(atom("stats")))
      return result::reply(otp::map({{atom("keys"), static_cast<std::int64_t>(map.size())}, {atom("writes"), writes}}),
                           state);
    return result::reply(otp::tuple(atom("error"), otp::tuple(atom("unknown_call"), request)), state);
  }

  code_change_result code_change(const term& old_vsn, const term& state, const term&) override {
    if (old_vsn.is_tuple(2) && old_vsn[0].is_atom(atom("down")))  // to "1": {Map, Writes} -> Map
      return code_change_result::success(state[0]);
    return code_change_result::success(otp::tuple(state, static_cast<std::int64_t>(state.size())));  // from "1"
  }
};

}  // namespace

OTP_GEN_SERVER_MODULE(kv_store, OTP_MODULE_VSN, kv_store)
