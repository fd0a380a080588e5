// Certificates for the tests of distribution over TLS, made once per test program in a temp dir by
// scripts/dist-tls-certs.sh (the command docs/distribution.md shows; OTP_TLS_CERTS_SCRIPT): a CA
// with the certificates "node" and "other" it signed, and "rogue", signed by a CA of its own that
// nobody trusts. Also: whether a node's distribution port speaks TLS (the openssl command's
// s_client, with the port from `epmd -names`), so a test can tell TLS is really on.
#pragma once

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "otp/epmd.hpp"
#include "otp/node.hpp"

namespace otp::test {

class tls_certificates {
 public:
  // The set of this test program (made on first use; removed at exit).
  static const tls_certificates& get() {
    static const tls_certificates certificates;
    return certificates;
  }

  std::filesystem::path trusted_dir() const { return dir_ / "trusted"; }
  std::filesystem::path ca() const { return trusted_dir() / "ca.pem"; }
  // "node" and "other" chain to ca(); "rogue" does not.
  std::filesystem::path certificate(const std::string& name) const { return dir_of(name) / (name + ".pem"); }
  std::filesystem::path key(const std::string& name) const { return dir_of(name) / (name + ".key"); }

  // node::tls_options with `name`'s certificate and key, trusting ca().
  node::tls_options options(const std::string& name = "node") const {
    node::tls_options o;
    o.certificate_file = certificate(name);
    o.key_file = key(name);
    o.ca_file = ca();
    return o;
  }

  // An erl -ssl_dist_optfile for `name`'s certificate, verifying peers both ways against ca(), as
  // docs/distribution.md shows; written next to the certificates.
  std::filesystem::path erl_optfile(const std::string& name = "node") const {
    const std::filesystem::path file = dir_ / (name + ".erl_dist.conf");
    std::ofstream out(file);
    const std::string files = "{certfile, \"" + certificate(name).string() + "\"}, {keyfile, \"" + key(name).string() +
                              "\"}, {cacertfile, \"" + ca().string() + "\"}";
    out << "[{server, [" << files << ", {verify, verify_peer}, {fail_if_no_peer_cert, true}]},\n"
        << " {client, [" << files << ", {verify, verify_peer}]}].\n";
    return file;
  }

  // True when the distribution port of node `alive`@127.0.0.1 completes a TLS handshake with
  // "other"'s certificate and verifies against ca().
  bool speaks_tls(const std::string& alive) const {
    const otp::epmd::lookup_result found = otp::epmd::lookup("127.0.0.1", alive, std::chrono::seconds(3));
    if (found.status != otp::epmd::lookup_status::registered) throw std::runtime_error("EPMD does not know " + alive);
    const std::string command = "openssl s_client -connect 127.0.0.1:" + std::to_string(found.port) +
                                " -brief -verify_return_error -CAfile " + ca().string() + " -cert " +
                                certificate("other").string() + " -key " + key("other").string() +
                                " </dev/null >/dev/null 2>&1";
    return std::system(command.c_str()) == 0;
  }

  ~tls_certificates() {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  tls_certificates(const tls_certificates&) = delete;
  tls_certificates& operator=(const tls_certificates&) = delete;

 private:
  tls_certificates() {
    std::string pattern = (std::filesystem::temp_directory_path() / "otp_tls_XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = pattern;
    make(trusted_dir(), "node");
    make(trusted_dir(), "other");
    make(dir_ / "rogue", "rogue");
  }

  std::filesystem::path dir_of(const std::string& name) const {
    return name == "rogue" ? dir_ / "rogue" : trusted_dir();
  }

  static void make(const std::filesystem::path& dir, const std::string& name) {
    const std::string command = std::string(OTP_TLS_CERTS_SCRIPT) + " " + dir.string() + " " + name;
    if (std::system(command.c_str()) != 0) throw std::runtime_error("failed: " + command);
  }

  std::filesystem::path dir_;
};

}  // namespace otp::test
