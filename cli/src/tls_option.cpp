// --tls-cert, --tls-key, --tls-ca, --tls-no-verify (tls_option.hpp).
#include "tls_option.hpp"

#include <filesystem>
#include <string>

#include "command.hpp"

namespace otpctl {

namespace po = boost::program_options;

void declare_tls_options(po::options_description& options) {
  options.add_options()("tls-cert", po::value<std::string>()->value_name("FILE"),
                        "distribution over TLS: this node's certificate (PEM)")(
      "tls-key", po::value<std::string>()->value_name("FILE"), "with --tls-cert: its private key (PEM)")(
      "tls-ca", po::value<std::string>()->value_name("FILE"),
      "with --tls-cert: the CA certificates (PEM) a peer's certificate must chain to")(
      "tls-no-verify", "with --tls-cert: do not check peers' certificates (encryption only)");
}

std::optional<otp::node::tls_options> tls_from(const po::variables_map& args) {
  const bool any =
      args.count("tls-cert") || args.count("tls-key") || args.count("tls-ca") || args.count("tls-no-verify");
  if (!any) return std::nullopt;
  if (!args.count("tls-cert") || !args.count("tls-key"))
    throw usage_error("distribution over TLS needs both --tls-cert and --tls-key");
  const bool verify = args.count("tls-no-verify") == 0;
  if (verify && !args.count("tls-ca"))
    throw usage_error("--tls-ca is needed to check peers' certificates (or give --tls-no-verify)");
  const auto path = [&](const char* option) {
    return std::filesystem::absolute(args[option].as<std::string>()).lexically_normal();
  };
  otp::node::tls_options tls;
  tls.certificate_file = path("tls-cert");
  tls.key_file = path("tls-key");
  if (args.count("tls-ca")) tls.ca_file = path("tls-ca");
  tls.verify_peer = verify;
  return tls;
}

std::vector<std::string> tls_arguments(const otp::node::tls_options& tls) {
  std::vector<std::string> words{"--tls-cert", tls.certificate_file.string(), "--tls-key", tls.key_file.string()};
  if (!tls.ca_file.empty()) words.insert(words.end(), {"--tls-ca", tls.ca_file.string()});
  if (!tls.verify_peer) words.emplace_back("--tls-no-verify");
  return words;
}

}  // namespace otpctl
