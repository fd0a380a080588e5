// otp_cli_test_node: a node for otpctl's end-to-end tests, as `otpctl start` would run it.
//
//   otp_cli_test_node ROOT NAME COOKIE [PEER]
//
// Runs otp::release::run_node: the node NAME (long names) with COOKIE boots the permanent release
// of the release root ROOT (its newest release on a first boot). With PEER, it then pings that
// node, so the two are connected (visible to each other: what `otpctl load --all-nodes` reaches).
// Prints "ready" on stdout once the release runs (and PEER answered, "ready pang" if it did not),
// "failed <why>" if the node cannot start. It stops cleanly on SIGTERM, on `otpctl stop`, and when
// its stdin closes (the test that started it went away).
#include <signal.h>
#include <unistd.h>

#include <iostream>
#include <string>
#include <thread>

#include "otp/node.hpp"
#include "otp/node_runner.hpp"
#include "otp/process.hpp"

int main(int argc, char** argv) {
  if (argc != 4 && argc != 5) {
    std::cerr << "usage: otp_cli_test_node ROOT NAME COOKIE [PEER]\n";
    return 2;
  }
  otp::release::node_config config;
  config.root = argv[1];
  config.node.name = argv[2];
  config.node.names = otp::node::name_kind::longnames;
  config.node.cookie = argv[3];
  const std::string peer = argc == 5 ? argv[4] : "";
  config.on_ready = [&peer](const std::string&, const std::string&) {
    otp::register_name(otp::atom("black_hole"), otp::spawn([] {
                         for (;;) otp::receive();
                       }));
    std::string line = "ready";
    if (!peer.empty() && !(otp::node::ping(otp::atom(peer)) == otp::atom("pong"))) line += " pang";
    // Created after run_node blocked SIGTERM, so the signal this thread raises goes to run_node.
    std::thread([] {
      std::string ignored;
      while (std::getline(std::cin, ignored)) {
      }
      ::kill(::getpid(), SIGTERM);
    }).detach();
    std::cout << line << std::endl;
  };
  config.on_error = [](const std::string& message) { std::cout << "failed " << message << std::endl; };
  return otp::release::run_node(config);
}
