// How otpctl takes the TLS settings of distribution over TLS (docs/distribution.md, "TLS"), for
// the node `otpctl start` boots and for otpctl's own connection to a node:
//
//   --tls-cert FILE    the certificate (PEM) this node presents
//   --tls-key FILE     its private key (PEM, unencrypted)
//   --tls-ca FILE      the CA certificates a peer's certificate must chain to
//   --tls-no-verify    do not check peers' certificates (encryption only; --tls-ca then optional)
//
// None given: plain TCP, as before. A TLS node refuses plain connections and the reverse, so
// otpctl needs the flags exactly when the node it talks to has them. Relative paths are made
// absolute (a daemon's node reads its files after otpctl returned). The files themselves are read
// by otp::node::start, which names a file it cannot use.
//
// Thread-safety: pure.
#pragma once

#include <boost/program_options.hpp>
#include <optional>
#include <string>
#include <vector>

#include "otp/node.hpp"

namespace otpctl {

// Adds --tls-cert, --tls-key, --tls-ca and --tls-no-verify to `options`.
void declare_tls_options(boost::program_options::options_description& options);

// The TLS settings the command line gives; nullopt when it gives none. Throws usage_error when
// some are missing (--tls-cert and --tls-key go together; --tls-ca is needed unless --tls-no-verify).
std::optional<otp::node::tls_options> tls_from(const boost::program_options::variables_map& args);

// The flags that give `tls` back (for a command line otpctl writes, such as a unit's ExecStart).
std::vector<std::string> tls_arguments(const otp::node::tls_options& tls);

}  // namespace otpctl
