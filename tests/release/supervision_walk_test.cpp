// Finding the processes that use a module through the supervision trees, as OTP's release_handler
// does.
#include "otp/supervision_walk.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "otp/gen_server.hpp"
#include "otp/runtime.hpp"
#include "otp/supervisor.hpp"
#include "otp/term_text.hpp"

namespace {

namespace sup = otp::supervisor;
using otp::atom;
using otp::term;

class idle_server : public otp::gen_server::behaviour {
 public:
  otp::gen_server::init_result init(const term&) override { return otp::gen_server::init_result::ok(term()); }
};

sup::child_spec worker(const char* id, std::vector<const char*> modules) {
  auto spec = sup::child_spec::worker(
      atom(id), [](const term&) { return otp::gen_server::start_link(std::make_shared<idle_server>(), term()); });
  std::vector<term> mods;
  for (const char* m : modules) mods.emplace_back(atom(m));
  spec.modules = term::make_list(mods);
  return spec;
}

class tree : public sup::behaviour {
 public:
  tree(std::string name, std::vector<sup::child_spec> children)
      : name_(std::move(name)), children_(std::move(children)) {}
  sup::init_result init(const term&) override { return sup::init_result::ok(sup::flags{}, children_); }
  std::string module_name() const override { return name_; }

 private:
  std::string name_;
  std::vector<sup::child_spec> children_;
};

term child_pid(const term& supervisor, const char* id) {
  for (term rest = sup::which_children(supervisor); !rest.is_nil(); rest = rest.tail())
    if (rest.head()[0] == term(atom(id))) return rest.head()[1];
  return term();
}

TEST(SupervisionWalk, FindsEveryRunningChildWithItsModulesThroughNestedSupervisors) {
  otp::runtime rt;
  rt.run([] {
    auto pay = std::make_shared<tree>(
        "pay_sup", std::vector{worker("card", {"card", "shared"}), worker("cash", {"cash", "shared"})});
    auto nested = sup::child_spec::supervisor(atom("pay"), sup::supervisor_starter(pay));
    nested.modules = otp::list(atom("pay_sup"));
    auto idle = sup::child_spec::worker(atom("idle"), [](const term&) { return term(atom("ignore")); });
    idle.restart = sup::restart_type::transient;
    auto dynamic = worker("events", {});
    dynamic.modules = term(atom("dynamic"));
    const term started =
        sup::start(std::make_shared<tree>("shop_sup", std::vector{worker("cart", {"cart"}), nested, idle, dynamic}),
                   term(), atom("shop_sup"));
    ASSERT_TRUE(started.is_tuple(2) && started[0].is_atom(atom("ok"))) << started;
    const term root = started[1];
    const term pay_pid = child_pid(root, "pay");

    const auto walk = otp::release::walk_supervision_trees({atom("shop_sup")});
    ASSERT_FALSE(walk.empty());
    EXPECT_EQ(walk[0].pid, root);
    EXPECT_EQ(walk[0].modules, std::vector<atom>{atom("shop_sup")}) << "a root counts with its callback module";
    EXPECT_EQ(walk.size(), 1u + 3u + 2u) << "the root, cart, pay, events (idle has no pid), card and cash";

    using otp::release::processes_using_module;
    EXPECT_EQ(processes_using_module(walk, atom("cart")), std::vector<term>{child_pid(root, "cart")});
    EXPECT_EQ(processes_using_module(walk, atom("pay_sup")), std::vector<term>{pay_pid});
    EXPECT_EQ(processes_using_module(walk, atom("shared")),
              (std::vector<term>{child_pid(pay_pid, "cash"), child_pid(pay_pid, "card")}))
        << "in which_children order (newest first), found inside the nested supervisor";
    EXPECT_TRUE(processes_using_module(walk, atom("nobody")).empty());
    bool dynamic_seen = false;
    for (const auto& p : walk)
      if (p.id == term(atom("events")))
        dynamic_seen = p.dynamic && p.modules == std::vector<atom>{atom(otp::process_info(p.pid)->module)};
    EXPECT_TRUE(dynamic_seen) << "a dynamic child is reported as such, with the module it says it runs";
    otp::exit(root, atom("shutdown"));
  });
}

}  // namespace
