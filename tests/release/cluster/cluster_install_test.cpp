// Releases installed across real nodes (tests/cli/node, on 127.0.0.1), each booting its own copy
// of the counter example's release 1.0.0; only the first node gets 1.1.0 unpacked, the others get
// it over distribution. This test process is a hidden node that coordinates.
#include "otp/cluster_install.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "../../support/child_process.hpp"
#include "../seq_release_fixture.hpp"
#include "otp/gen_server.hpp"
#include "otp/node.hpp"
#include "otp/node_agent.hpp"
#include "otp/release_handler.hpp"
#include "otp/release_history.hpp"
#include "otp/release_root.hpp"
#include "otp/runtime.hpp"
#include "otp/term_text.hpp"

namespace {

namespace fs = std::filesystem;
namespace cluster = otp::release::cluster;
namespace rh = otp::release::release_handler;
using namespace std::chrono_literals;
using otp::atom;
using otp::binary;
using otp::term;
using otp::tuple;

std::string unique(const std::string& prefix) {
  static std::atomic<int> n{0};
  return prefix + std::to_string(::getpid()) + "x" + std::to_string(n++);
}

fs::path example_counter_root() { return fs::path(OTP_EXAMPLE_ROOTS_DIR) / "counter" / "root"; }

// A node process (tests/cli/node) on its own copy of release 1.0.0 of `source` (default: the
// counter example's root): releases/1.0.0 and every lib/<app>-1.0.0.
struct cluster_node {
  fs::path root;
  std::string name;
  std::string cookie;
  std::unique_ptr<otp::test::child_process> process;

  cluster_node(const fs::path& parent, std::string node_cookie, const fs::path& source = example_counter_root())
      : root(parent / unique("root")), name(unique("c") + "@127.0.0.1"), cookie(std::move(node_cookie)) {
    std::vector<fs::path> parts{fs::path("releases") / "1.0.0"};
    for (const auto& lib : fs::directory_iterator(source / "lib"))
      if (lib.path().filename().string().ends_with("-1.0.0")) parts.push_back(fs::path("lib") / lib.path().filename());
    for (const fs::path& p : parts) {
      fs::create_directories(root / p);
      fs::copy(source / p, root / p, fs::copy_options::recursive);
    }
    boot();
  }
  void boot() {
    process = std::make_unique<otp::test::child_process>(
        std::vector<std::string>{OTP_CLI_TEST_NODE, root.string(), name, cookie});
    process->expect_line("ready", 20000ms);
  }
  atom node() const { return atom(name); }
  term handler() const { return tuple(rh::registered_name, node()); }
  term counter() const { return tuple(atom("counter"), node()); }
  std::vector<otp::release::history_event> history() const {
    return otp::release::release_history(root / "releases" / "history.sqlite").events();
  }
};

class ClusterInstall : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / unique("otp_cluster_");
    fs::create_directories(dir_);
  }
  void TearDown() override {
    nodes_.clear();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // Starts n nodes with the cookie on release 1.0.0 of `source`.
  void start_nodes(int n, const fs::path& source = example_counter_root()) {
    for (int i = 0; i < n; ++i) nodes_.push_back(std::make_unique<cluster_node>(dir_, cookie_, source));
  }
  // Inside a process of the joined node: gives the first node release 1.1.0.
  void unpack_on_first() const {
    ASSERT_EQ(rh::unpack_from(otp::release::release_root(example_counter_root()), "1.1.0", nodes_[0]->handler())[0],
              atom("ok"));
  }
  std::vector<atom> names() const {
    std::vector<atom> out;
    for (const auto& n : nodes_) out.push_back(n->node());
    return out;
  }
  // This test process as a hidden node of the cluster, until the guard goes (even on failure).
  struct joined {
    explicit joined(const std::string& cookie) {
      otp::node::options o;
      o.name = unique("coordinator") + "@127.0.0.1";
      o.cookie = cookie;
      o.hidden = true;
      otp::node::start(o);
    }
    ~joined() { otp::node::stop(); }
    joined(const joined&) = delete;
    joined& operator=(const joined&) = delete;
  };
  joined join() const { return joined(cookie_); }

  fs::path dir_;
  std::string cookie_ = "cluster-test-cookie";
  std::vector<std::unique_ptr<cluster_node>> nodes_;
  otp::runtime rt_;
};

std::vector<std::string> kinds_with_operation(const cluster_node& n, const std::string& operation) {
  std::vector<std::string> out;
  for (const auto& e : n.history())
    if (e.operation == operation) out.push_back(e.kind);
  return out;
}

TEST_F(ClusterInstall, ACleanUpgradeAndRollbackOfThreeNodes) {
  start_nodes(3);
  rt_.run([&] {
    const auto member = join();
    unpack_on_first();
    for (const auto& n : nodes_) otp::gen_server::cast(n->counter(), tuple(atom("increment"), 7));

    const cluster::outcome up = cluster::install("1.1.0", names());
    EXPECT_TRUE(up.committed);
    for (const auto& r : up.nodes) EXPECT_TRUE(r.ok) << r.node.text() << ": " << r.result;
    for (const auto& n : nodes_) {
      EXPECT_EQ(otp::gen_server::call(n->counter(), atom("get")), term(7)) << n->name << ": the sum survived";
      EXPECT_EQ(otp::gen_server::call(n->counter(), atom("reset")), atom("ok")) << n->name << " runs 1.1.0";
    }
    const auto releases = cluster::status(names(), 5000ms);
    EXPECT_TRUE(cluster::agree(releases));
    EXPECT_EQ(releases[2].current, "1.1.0");
    EXPECT_EQ(releases[2].permanent, "1.0.0");

    const cluster::outcome down = cluster::install("1.0.0", names());
    EXPECT_TRUE(down.committed && down.all_ok());
    for (const auto& n : nodes_)
      EXPECT_EQ(otp::gen_server::call(n->counter(), atom("reset"))[0], atom("error")) << n->name << " runs 1.0.0";

    for (const auto& n : nodes_) {
      EXPECT_EQ(kinds_with_operation(*n, up.operation), (std::vector<std::string>{"install_start", "install_end"}))
          << n->name << " records the operation under its shared id";
    }
  });
}

TEST_F(ClusterInstall, ANodeThatCannotPrepareAbortsTheOperationEverywhere) {
  start_nodes(3);
  // The third node has 1.1.0 too, but one of its module files changed after its unpack: its
  // release handler refuses to prepare.
  rt_.run([&] {
    const auto member = join();
    unpack_on_first();
    ASSERT_EQ(rh::push_release("1.1.0", nodes_[2]->node(), nodes_[0]->handler())[0], atom("ok"));
    const fs::path module = nodes_[2]->root / "lib" / "counter-1.1.0" / "modules" / "counter.so";
    fs::copy_file(nodes_[2]->root / "lib" / "counter-1.0.0" / "modules" / "counter.so", module,
                  fs::copy_options::overwrite_existing);

    const cluster::outcome r = cluster::install("1.1.0", names());
    EXPECT_FALSE(r.committed);
    EXPECT_FALSE(r.nodes[2].ok);
    EXPECT_NE(r.nodes[2].result.to_string().find("changed_file"), std::string::npos) << r.nodes[2].result;
    for (const auto& n : nodes_)
      EXPECT_EQ(otp::gen_server::call(n->counter(), atom("reset"))[0], atom("error")) << n->name << " still runs 1.0.0";
    const auto releases = cluster::status(names(), 5000ms);
    EXPECT_TRUE(cluster::agree(releases));
    EXPECT_EQ(releases[0].current, "1.0.0");
    for (int i : {0, 1}) {
      const auto events = nodes_[static_cast<std::size_t>(i)]->history();
      ASSERT_FALSE(events.empty());
      EXPECT_EQ(events.back().kind, "install_end");
      EXPECT_EQ(events.back().outcome, "failed") << "prepared, then aborted";
      EXPECT_NE(events.back().reason.find("aborted"), std::string::npos) << events.back().reason;
    }
  });
}

TEST_F(ClusterInstall, ANodeKilledBeforeTheCommitComesBackOnItsPermanentReleaseAndIsSyncedLater) {
  start_nodes(3);
  rt_.run([&] {
    const auto member = join();
    unpack_on_first();
    // The phases by hand, to kill the third node between its prepare and the commit.
    const std::string op = "kill-test";
    for (int i : {1, 2})
      ASSERT_EQ(rh::push_release("1.1.0", nodes_[static_cast<std::size_t>(i)]->node(), nodes_[0]->handler())[0],
                atom("ok"));
    for (const auto& n : nodes_) ASSERT_EQ(rh::prepare_install("1.1.0", op, 10000ms, n->handler())[0], atom("ok"));
    nodes_[2]->process->kill();  // SIGKILL
    for (int i : {0, 1})
      EXPECT_EQ(rh::commit_install(op, nodes_[static_cast<std::size_t>(i)]->handler())[0], atom("ok"));

    nodes_[2]->boot();
    auto releases = cluster::status(names(), 5000ms);
    EXPECT_FALSE(cluster::agree(releases)) << "the restarted node is behind";
    EXPECT_EQ(releases[2].current, "1.0.0") << "it booted its permanent release";
    const auto events = nodes_[2]->history();
    EXPECT_TRUE(std::any_of(events.begin(), events.end(), [](const auto& e) {
      return e.kind == "install_interrupted";
    })) << "its next boot found the install it never finished";

    const cluster::outcome sync = cluster::sync(names());
    ASSERT_EQ(sync.nodes.size(), 1u);
    EXPECT_TRUE(sync.committed && sync.all_ok()) << sync.nodes[0].result;
    releases = cluster::status(names(), 5000ms);
    EXPECT_TRUE(cluster::agree(releases));
    EXPECT_EQ(releases[2].current, "1.1.0");
  });
}

TEST_F(ClusterInstall, ANodeThatJoinsLaterIsSyncedAndOneWithAnotherCookieIsNeverTouched) {
  start_nodes(2);
  rt_.run([&] {
    const auto member = join();
    unpack_on_first();
    ASSERT_TRUE(cluster::install("1.1.0", names()).committed);
  });
  nodes_.push_back(std::make_unique<cluster_node>(dir_, cookie_));         // joins later
  auto stranger = std::make_unique<cluster_node>(dir_, "another-cookie");  // not of the cluster
  rt_.run([&] {
    const auto member = join();
    EXPECT_EQ(otp::node::ping(stranger->node()), atom("pang")) << "another cookie: no connection";
    auto releases = cluster::status(names(), 5000ms);
    EXPECT_FALSE(cluster::agree(releases));
    const cluster::outcome sync = cluster::sync(names());
    ASSERT_EQ(sync.nodes.size(), 1u) << "only the late node was behind";
    EXPECT_EQ(sync.nodes[0].node, nodes_[2]->node());
    EXPECT_TRUE(sync.committed && sync.all_ok()) << sync.nodes[0].result;
    releases = cluster::status(names(), 5000ms);
    EXPECT_TRUE(cluster::agree(releases));
  });
  const auto events = stranger->history();
  EXPECT_TRUE(std::none_of(events.begin(), events.end(), [](const auto& e) { return e.kind == "install_start"; }))
      << "the node with another cookie was never touched";
  EXPECT_TRUE(
      std::none_of(events.begin(), events.end(), [](const auto& e) { return e.kind == "unpack" && e.vsn == "1.1.0"; }));
}

// The seq release of the release handler's tests (tests/release/seq_release_fixture.hpp), its 1.1.0
// with a soft_purge pre-purge for seq_a, laid out as a source root.
fs::path lay_out_seq_source(const fs::path& dir) {
  const fs::path source = dir / "seq_source";
  for (const std::string vsn : {"1.0.0", "1.1.0"}) {
    rel_test::write_file(source / "releases" / vsn / "seqrel.rel.yaml", rel_test::release_yaml(vsn));
    const fs::path lib = source / "lib" / ("seqapp-" + vsn);
    rel_test::write_file(lib / "seqapp.app.yaml", rel_test::app_yaml(vsn));
    fs::create_directories(lib / "modules");
    for (const std::string m : {"seq_a", "seq_b"})
      fs::copy_file(rel_test::built(m + "-" + (vsn == "1.0.0" ? "1" : "2") + ".so"), lib / "modules" / (m + ".so"));
  }
  rel_test::write_file(source / "lib" / "seqapp-1.1.0" / "seqapp.appup.yaml",
                       rel_test::appup_yaml({.a_pre_purge = "soft_purge"}));
  return source;
}

TEST_F(ClusterInstall, ANodeWhoseSoftPurgeCannotSucceedRefusesToPrepareAndNothingChangesAnywhere) {
  const fs::path source = lay_out_seq_source(dir_);
  start_nodes(3, source);
  rt_.run([&] {
    const auto member = join();
    ASSERT_EQ(rh::unpack_from(otp::release::release_root(source), "1.1.0", nodes_[0]->handler())[0], atom("ok"));
    // On the third node, child a runs old code of seq_a: held inside a callback (cast block) while
    // seq_a is loaded again.
    const term agent = tuple(atom("node_agent"), nodes_[2]->node());
    const term tree = *otp::release::node_agent::status(agent).elements()[0].find(atom("tree"));
    term a;
    for (const term& c : tree.find(atom("children"))->elements())
      if (*c.find(atom("id")) == atom("a")) a = *c.find(atom("pid"));
    ASSERT_TRUE(a.is_pid());
    otp::gen_server::cast(a, otp::tuple(atom("block"), otp::self()));
    ASSERT_TRUE(otp::receive([](const term& m) { return m.is_tuple(2) && m[0].is_atom(atom("blocked")); }, 5000ms))
        << "a did not enter its block callback";
    ASSERT_EQ(otp::release::node_agent::load(atom("seq_a"), agent), tuple(atom("module"), atom("seq_a")));

    const cluster::outcome r = cluster::install("1.1.0", names());
    EXPECT_FALSE(r.committed);
    EXPECT_FALSE(r.nodes[2].ok);
    EXPECT_NE(r.nodes[2].result.to_string().find("old_processes"), std::string::npos) << r.nodes[2].result;
    otp::send(a, atom("go_on"));
    for (const auto& n : nodes_) {
      const term first =
          *otp::release::node_agent::status(tuple(atom("node_agent"), n->node())).elements()[0].find(atom("tree"));
      for (const term& c : first.find(atom("children"))->elements())
        EXPECT_EQ(*c.find(atom("vsn")), binary("1")) << n->name << ": every process still runs 1.0.0's code";
    }
    const auto releases = cluster::status(names(), 5000ms);
    EXPECT_TRUE(cluster::agree(releases));
    EXPECT_EQ(releases[0].current, "1.0.0");
  });
}

}  // namespace
