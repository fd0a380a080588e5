// A node for the release handler's kill test: boots the release root given as argv[1] (first boot:
// 1.0.0), unpacks and installs argv[2], and prints each step of the install on stdout as it is
// done, one line each, so that the test can kill it in the middle.
//   otp_release_handler_node ROOT VSN
#include <cstdio>
#include <iostream>

#include "otp/process.hpp"
#include "otp/release_handler.hpp"
#include "otp/runtime.hpp"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: otp_release_handler_node ROOT VSN\n";
    return 2;
  }
  otp::runtime rt;
  return rt.run([&] {
    namespace rh = otp::release::release_handler;
    otp::release::handler_options options;
    options.root = argv[1];
    options.first_boot_vsn = "1.0.0";
    options.timeout = std::chrono::minutes(1);
    if (!rh::start_link(options).is_tuple(2)) return 1;
    rh::unpack(argv[2]);
    const otp::term me = otp::self();
    otp::spawn([me, vsn = std::string(argv[2])] {
      otp::send(me, otp::tuple(otp::atom("done"), rh::install(vsn, otp::map({{otp::atom("progress"), me}}))));
    });
    for (;;) {
      const otp::term m = otp::receive();
      if (m.is_tuple(4)) std::cout << std::string(m[2].as_binary()) << std::endl;
      if (m.is_tuple(2)) {
        std::cout << "done " << m[1].to_string() << std::endl;
        return 0;
      }
    }
  });
}
