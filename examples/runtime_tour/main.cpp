// runtime_tour — a small runnable tour of the otp-cpp runtime (the README's first command runs it
// until the release demo exists).
//
// It shows the counter twice: as a plain process with a receive loop, and as a registered
// gen_server; then a crash seen through a monitor and a link, and sys:get_state / get_status.
#include <cstdio>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>

#include "otp/gen_server.hpp"
#include "otp/runtime.hpp"
#include "otp/sys.hpp"
#include "otp/term_text.hpp"

using namespace otp;

namespace {

// The counter's loop(Sum), as in Erlang: {increment, N}, {counter, Pid} and print.
void counter_loop() {
  std::int64_t sum = 0;
  for (;;) {
    const term message = receive();
    if (message.is_tuple(2) && message[0].is_atom(atom("increment"))) {
      sum += message[1].as_int();
    } else if (message.is_tuple(2) && message[0].is_atom(atom("counter"))) {
      send(message[1], tuple(atom("counter"), sum));
    } else if (message.is_atom(atom("print"))) {
      std::printf("  plain counter: Sum is %lld\n", static_cast<long long>(sum));
    } else if (message.is_atom(atoms::stop)) {
      return;
    }
  }
}

// The same counter as a gen_server: cast {increment, N}, call get.
class counter_server : public gen_server::behaviour {
 public:
  gen_server::init_result init(const term& args) override { return gen_server::init_result::ok(args); }
  gen_server::result handle_call(const term& request, const term&, const term& sum) override {
    if (request.is_atom(atom("get"))) return gen_server::result::reply(sum, sum);
    return gen_server::behaviour::handle_call(request, {}, sum);
  }
  gen_server::result handle_cast(const term& request, const term& sum) override {
    if (request.is_tuple(2) && request[0].is_atom(atom("increment")))
      return gen_server::result::noreply(sum.as_int() + request[1].as_int());
    return gen_server::result::noreply(sum);
  }
};

// The first message `matches` accepts within a second; a tour that waits longer has gone wrong.
term expect(const std::function<bool(const term&)>& matches, const char* what) {
  auto m = receive(matches, milliseconds(1000));
  if (!m) throw std::runtime_error(std::string("no ") + what + " within a second");
  return std::move(*m);
}

}  // namespace

int main() {
  runtime rt;
  std::printf("otp-cpp runtime tour: %u scheduler threads\n", rt.scheduler_count());

  rt.run([] {
    std::printf("1. a plain process (the counter loop)\n");
    const term pid = spawn(counter_loop);
    send(pid, tuple(atom("increment"), 3));
    send(pid, tuple(atom("increment"), 4));
    send(pid, atom("print"));
    send(pid, tuple(atom("counter"), self()));
    const term answer =
        expect([](const term& m) { return m.is_tuple(2) && m[0].is_atom(atom("counter")); }, "answer from the counter");
    std::printf("  it answered %s\n", answer.to_string().c_str());
    send(pid, atoms::stop);

    std::printf("2. the counter as a registered gen_server\n");
    const term started = gen_server::start(std::make_shared<counter_server>(), 0, {.name = atom("counter")});
    std::printf("  gen_server:start -> %s\n", started.to_string().c_str());
    gen_server::cast(atom("counter"), parse_term("{increment, 3}"));
    gen_server::cast(atom("counter"), parse_term("{increment, 39}"));
    std::printf("  call(counter, get) -> %s\n", gen_server::call(atom("counter"), atom("get")).to_string().c_str());
    std::printf("  sys:get_state(counter) -> %s\n", sys::get_state(atom("counter")).to_string().c_str());

    std::printf("3. a crash, seen by a monitor and by a trapping link\n");
    trap_exit(true);
    const term crasher = spawn_link([] {
      receive();
      throw std::runtime_error("boom");
    });
    const term ref = monitor(crasher);
    send(crasher, atom("go"));
    const term down = expect([&](const term& m) { return m.is_tuple(5) && m[1] == ref; }, "'DOWN' of the crasher");
    const term exit_message =
        expect([&](const term& m) { return m.is_tuple(3) && m[0].is_atom(atoms::exit_); }, "'EXIT' of the crasher");
    std::printf("  monitor: %s\n  link:    %s\n", down.to_string().c_str(), exit_message.to_string().c_str());

    std::printf("4. a call that times out carries OTP's reason\n");
    sys::suspend(atom("counter"));
    try {
      gen_server::call(atom("counter"), atom("get"), milliseconds(100));
    } catch (const exit_exception& e) {
      std::printf("  %s\n", e.reason().to_string().c_str());
    }
    sys::resume(atom("counter"));
    gen_server::stop(atom("counter"));
  });
  std::printf("done\n");
  return 0;
}
