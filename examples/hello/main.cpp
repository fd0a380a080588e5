// examples/hello/main.cpp — the README's "first gen_server in five minutes".
#include <cstdio>
#include <memory>

#include "otp/gen_server.hpp"
#include "otp/runtime.hpp"

using namespace otp;

class counter : public gen_server::behaviour {
 public:
  gen_server::init_result init(const term& start) override { return gen_server::init_result::ok(start); }
  gen_server::result handle_call(const term&, const term&, const term& sum) override {
    return gen_server::result::reply(sum, sum);  // any call: the sum
  }
  gen_server::result handle_cast(const term& request, const term& sum) override {
    return gen_server::result::noreply(sum.as_int() + request[1].as_int());  // {increment, N}
  }
};

int main() {
  runtime rt;  // one scheduler thread per core
  gen_server::start(std::make_shared<counter>(), 0, {.name = atom("counter")});
  gen_server::cast(atom("counter"), tuple(atom("increment"), 3));
  std::printf("%s\n", gen_server::call(atom("counter"), atom("get")).to_string().c_str());  // 3
}
