// kv_store version "1": a gen_server keeping a map, registered as kv_store.
//   call {put, Key, Value}  stores Value under Key, replies ok
//   call {get, Key}         replies the value, or undefined
// Any other call is answered {error, {unknown_call, Request}}.
#include <otp/gen_server.hpp>
#include <otp/module.hpp>
#include <otp/process.hpp>
#include <utility>
#include <vector>

namespace {

using otp::atom;
using otp::term;
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
    return init_result::ok(otp::map({}));  // the state: #{Key => Value}
  }

  result handle_call(const term& request, const term&, const term& map) override {
    if (request.is_tuple(3) && request[0].is_atom(atom("put")))
      return result::reply(atom("ok"), put(map, request[1], request[2]));
    if (request.is_tuple(2) && request[0].is_atom(atom("get"))) {
      const term* value = map.find(request[1]);
      return result::reply(value != nullptr ? *value : term(atom("undefined")), map);
    }
    return result::reply(otp::tuple(atom("error"), otp::tuple(atom("unknown_call"), request)), map);
  }
};

}  // namespace

OTP_GEN_SERVER_MODULE(kv_store, OTP_MODULE_VSN, kv_store)
