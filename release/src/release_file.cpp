// Release files: name, vsn and the applications with their versions and start types.
#include "otp/release_file.hpp"

#include <utility>

#include "env_yaml.hpp"

namespace otp::release {

namespace {

using appup::detail::field;
using otp::detail::cat;

class rel_reader : public detail::env_reader {
 public:
  using env_reader::env_reader;

  configuration release_config(const YAML::Node& root) const {
    auto fs = fields(root, "the release", {"name", "vsn", "applications", "config"});
    const field* f = get(fs, "config");
    return f == nullptr ? configuration{} : config(f->value, "'config'");
  }

  appup::release document(const YAML::Node& root) const {
    const std::string what = "the release";
    auto fs = fields(root, what, {"name", "vsn", "applications", "config"});
    appup::release rel;
    rel.name = scalar(require(root, fs, "name", what).value, "'name'");
    if (rel.name.empty()) fail(require(root, fs, "name", what).value, "'name' must not be empty");
    rel.vsn = file_version(require(root, fs, "vsn", what).value, "'vsn'");
    const field& apps = require(root, fs, "applications", what);
    if (!apps.value.IsSequence())
      fail(apps.value,
           cat("'applications' must be a list of {name: App, vsn: Vsn} entries, got ", describe(apps.value)));
    for (const auto& item : apps.value) {
      const std::string entry = "an application entry";
      auto efs = fields(item, entry, {"name", "vsn", "type"});
      appup::release_app a{file_name(require(item, efs, "name", entry).value, "'name'"),
                           file_version(require(item, efs, "vsn", entry).value, "'vsn'"), appup::start_type::permanent};
      if (const field* f = get(efs, "type")) {
        const std::string t = f->value.IsScalar() ? f->value.Scalar() : std::string();
        if (t == "permanent")
          a.type = appup::start_type::permanent;
        else if (t == "transient")
          a.type = appup::start_type::transient;
        else if (t == "temporary")
          a.type = appup::start_type::temporary;
        else if (t == "load")
          a.type = appup::start_type::load;
        else if (t == "none")
          a.type = appup::start_type::none;
        else
          fail(f->value, cat("'type' must be permanent, transient, temporary, load or none, got ", describe(f->value)));
      }
      if (rel.find(a.name))
        fail(require(item, efs, "name", entry).value,
             cat("application '", a.name.text(), "' is listed twice in the release"));
      rel.apps.push_back(std::move(a));
    }
    return rel;
  }
};

}  // namespace

appup::release parse_release(std::string_view yaml_text, std::string file_name) {
  rel_reader r(std::move(file_name));
  return r.parse(yaml_text, [&](const YAML::Node& root) { return r.document(root); });
}

appup::release load_release_file(const std::filesystem::path& path) {
  return parse_release(appup::detail::read_text_file(path), path.string());
}

configuration parse_release_config(std::string_view yaml_text, std::string file_name) {
  rel_reader r(std::move(file_name));
  return r.parse(yaml_text, [&](const YAML::Node& root) { return r.release_config(root); });
}

configuration load_release_config(const std::filesystem::path& path) {
  return parse_release_config(appup::detail::read_text_file(path), path.string());
}

configuration parse_config(std::string_view yaml_text, std::string file_name) {
  rel_reader r(std::move(file_name));
  return r.parse(yaml_text, [&](const YAML::Node& root) { return r.config(root, "the config file"); });
}

configuration load_config_file(const std::filesystem::path& path) {
  return parse_config(appup::detail::read_text_file(path), path.string());
}

}  // namespace otp::release
