// env_yaml — reading application environments from YAML (private to the release library): the
// `env:` of an application file, and the configuration maps of a release's `config:` and of a
// node's config file, each `App: {Key: Term}` with every value an Erlang term written as a YAML
// scalar (read by the term parser).
//
// Thread-safety: as yaml_reader (a reader is used by one thread).
#pragma once

#include <string>

#include "otp/application.hpp"
#include "otp/detail/yaml_reader.hpp"
#include "otp/release_file.hpp"

namespace otp::release::detail {

class env_reader : public appup::detail::yaml_reader {
 public:
  using yaml_reader::yaml_reader;

  // A map of key -> Erlang term; keys are names, each at most once.
  application::environment environment(const YAML::Node& n, const std::string& what) const;
  // A map of application -> environment.
  configuration config(const YAML::Node& n, const std::string& what) const;
};

}  // namespace otp::release::detail
