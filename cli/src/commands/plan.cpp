// otpctl plan: the two releases (archives or roots), one catalog of their applications, plan_relup.
#include "commands/plan.hpp"

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "otp/relup.hpp"
#include "release_source.hpp"

namespace otpctl::commands {

namespace po = boost::program_options;

namespace {

void declare(po::options_description&, po::options_description& arguments,
             po::positional_options_description& positional) {
  arguments.add_options()("releases", po::value<std::vector<std::string>>());
  positional.add("releases", -1);
}

// The planner's catalog: the running release's applications as `from` holds them, the target's
// as `to` holds them.
otp::appup::app_catalog catalog_of(const release_source& from, const release_source& to,
                                   const otp::appup::release& target) {
  otp::appup::app_catalog catalog = from.root().catalog({from.vsn()});
  const otp::appup::app_catalog target_apps = to.root().catalog({to.vsn()});
  for (const otp::appup::release_app& a : target.apps) catalog.add(*target_apps.find(a.name, a.vsn));
  return catalog;
}

exit_code run(const po::variables_map& args, std::ostream& out, std::ostream& err) {
  const std::vector<std::string> given =
      args.count("releases") ? args["releases"].as<std::vector<std::string>>() : std::vector<std::string>{};
  if (given.size() != 2 && given.size() != 3)
    throw usage_error("give FROM and TO (archives or roots), or ROOT FROM_VSN TO_VSN");
  try {
    std::optional<release_source> from, to;
    if (given.size() == 3) {
      from.emplace(given[0], given[1], "FROM_VSN");
      to.emplace(given[0], given[2], "TO_VSN");
    } else {
      from.emplace(given[0], std::nullopt, "'otpctl plan ROOT FROM_VSN TO_VSN'");
      to.emplace(given[1], std::nullopt, "'otpctl plan ROOT FROM_VSN TO_VSN'");
    }
    if (from->vsn() == to->vsn()) {
      err << "otpctl plan: FROM and TO are both release " << from->vsn() << ": nothing to plan\n";
      return exit_code::failed;
    }
    const otp::appup::release running = from->root().read_release(from->vsn());
    const otp::appup::release target = to->root().read_release(to->vsn());
    try {
      out << otp::appup::plan_relup(running, target, catalog_of(*from, *to, target)).to_string();
    } catch (const otp::appup::relup_error& e) {
      err << "otpctl plan: no upgrade path from " << from->vsn() << " to " << to->vsn() << ": " << e.what() << "\n";
      return exit_code::failed;
    }
    return exit_code::ok;
  } catch (const usage_error&) {
    throw;
  } catch (const std::runtime_error& e) {  // release_source_error, layout_error, yaml_error
    err << "otpctl plan: " << e.what() << "\n";
    return exit_code::failed;
  }
}

}  // namespace

const command plan{
    "plan",
    "plan FROM TO | plan ROOT FROM_VSN TO_VSN",
    "Print the relup script from one release to another, with no node.",
    "Plans, offline, what a node running release FROM does to install release TO: the same planner,\n"
    "from the same appups, as 'otpctl relup' on a node (an upgrade when TO's version is the newer,\n"
    "a downgrade with the newer version's 'down' instructions otherwise), printed as 'otpctl relup\n"
    "--dry-run' prints it: a '%% relup up from ... to ...' line, then one instruction a line in\n"
    "Erlang syntax. FROM and TO are release archives (<name>-<vsn>.tar.gz) or release roots holding\n"
    "one release; with three arguments, ROOT is a release root holding both FROM_VSN and TO_VSN.\n"
    "Exit status: 0 planned; 1 a release cannot be read, FROM and TO are the same version, or there is\n"
    "no upgrade path (the planner's reason); 2 usage.",
    &declare,
    &run,
};

}  // namespace otpctl::commands
