// The release tests' fixture: a release root in a temporary directory holding release seqrel
// 1.0.0 and 1.1.0 of one application, seqapp, whose supervisor (seq_sup) runs seq_a (child a) and
// seq_b (child b, modules: dynamic) — tests/release/modules/seq.cpp says what they do — and
// helpers to start the release handler on it and look at the result.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "otp/code.hpp"
#include "otp/gen_server.hpp"
#include "otp/process.hpp"
#include "otp/release_handler.hpp"
#include "otp/release_history.hpp"
#include "otp/runtime.hpp"
#include "otp/supervisor.hpp"
#include "release_test_support.hpp"

namespace rel_test {

namespace fs = std::filesystem;
namespace rh = otp::release::release_handler;
using namespace std::chrono_literals;
using otp::atom;
using otp::binary;
using otp::term;
using otp::tuple;

inline fs::path built(const std::string& file) { return fs::path(OTP_TEST_RELEASE_MODULE_DIR) / file; }

// The appup's options for one install scenario.
struct appup_options {
  std::string a_extra = "[]";
  std::string b_extra = "[]";
  std::string a_pre_purge = "brutal_purge";
  std::string mode{};  // empty: OTP's order; "rolling": both updates migrate process by process
};

inline std::string release_yaml(const std::string& vsn) {
  return "name: seqrel\nvsn: \"" + vsn + "\"\napplications:\n  - {name: seqapp, vsn: \"" + vsn + "\"}\n";
}

inline std::string app_yaml(const std::string& vsn) {
  return "name: seqapp\nvsn: \"" + vsn +
         "\"\nmodules: [seq_a, seq_b]\napplications: []\n"
         "supervisor:\n  name: seq_sup\n  strategy: one_for_one\n  children:\n"
         "    - id: a\n      start: {module: seq_a, arg: \"[]\"}\n"
         "    - id: b\n      start: {module: seq_b, arg: \"[]\"}\n      modules: dynamic\n";
}

inline std::string updates(const appup_options& o) {
  const std::string mode = o.mode.empty() ? "" : "        mode: " + o.mode + "\n";
  return "      - update: seq_a\n        change: {advanced: \"" + o.a_extra +
         "\"}\n        dep_mods: [seq_b]\n        pre_purge: " + o.a_pre_purge + "\n" + mode +
         "      - update: seq_b\n        change: {advanced: \"" + o.b_extra + "\"}\n" + mode;
}

inline std::string appup_yaml(const appup_options& o) {
  return "vsn: \"1.1.0\"\nup:\n  - from: \"1.0.0\"\n    instructions:\n" + updates(o) +
         "down:\n  - to: \"1.0.0\"\n    instructions:\n" + updates(o);
}

class seq_release_test : public ::testing::Test {
 protected:
  void SetUp() override { lay_out({}); }

  void TearDown() override {
    rt_.run([] {
      for (const auto& m : otp::code::all_loaded()) {
        otp::code::purge(m.name);
        otp::code::delete_module(m.name);
        otp::code::purge(m.name);
      }
    });
    otp::code::set_path({});
  }

  fs::path root() const { return dir_.path(); }
  fs::path lib(const std::string& vsn) const { return root() / "lib" / ("seqapp-" + vsn); }

  void lay_out(const appup_options& o) {
    for (const std::string vsn : {"1.0.0", "1.1.0"}) {
      rel_test::write_file(root() / "releases" / vsn / "seqrel.rel.yaml", release_yaml(vsn));
      rel_test::write_file(lib(vsn) / "seqapp.app.yaml", app_yaml(vsn));
      fs::create_directories(lib(vsn) / "modules");
      const std::string n = vsn == "1.0.0" ? "1" : "2";
      for (const std::string m : {"seq_a", "seq_b"})
        fs::copy_file(built(m + "-" + n + ".so"), lib(vsn) / "modules" / (m + ".so"),
                      fs::copy_options::overwrite_existing);
    }
    rel_test::write_file(lib("1.1.0") / "seqapp.appup.yaml", appup_yaml(o));
  }

  otp::release::handler_options options(std::chrono::milliseconds timeout = 5000ms) const {
    otp::release::handler_options o;
    o.root = root();
    o.first_boot_vsn = "1.0.0";
    o.timeout = timeout;
    return o;
  }

  // Inside a process: starts the handler and checks it booted.
  static void start(const otp::release::handler_options& o) {
    const term started = rh::start_link(o);
    ASSERT_TRUE(started.is_tuple(2) && started[0].is_atom(atom("ok"))) << started;
  }

  // Inside the process that started it: stops the handler and with it the applications.
  static void stop() { otp::gen_server::stop(rh::registered_name); }

  // Inside a process, with the handler running: the pid of child `id` of the application's tree.
  static term child(const std::string& id) {
    const term apps = rh::which_applications();
    for (term rest = apps; !rest.is_nil(); rest = rest.tail()) {
      const term sup = rest.head()[2];
      for (term c = otp::supervisor::which_children(sup); !c.is_nil(); c = c.tail())
        if (c.head()[0] == atom(id)) return c.head()[1];
    }
    return term(atom("undefined"));
  }

  static term vsn_of(const term& pid) { return otp::gen_server::call(pid, atom("vsn")); }

  // {Last, Errors} of each worker after `count` {seq, N} casts, 1..count, to each.
  static void feed(const term& pid, std::int64_t from, std::int64_t to) {
    for (std::int64_t n = from; n <= to; ++n) otp::gen_server::cast(pid, tuple(atom("seq"), n));
  }

  std::vector<std::string> history_kinds() const {
    std::vector<std::string> kinds;
    otp::release::release_history h(root() / "releases" / "history.sqlite");
    for (const auto& e : h.events()) kinds.push_back(e.kind);
    return kinds;
  }

  std::vector<otp::release::history_event> history() const {
    return otp::release::release_history(root() / "releases" / "history.sqlite").events();
  }

  static term status_of(const std::string& vsn) {
    for (const rh::release_entry& r : rh::releases())
      if (r.vsn == vsn) return atom(std::string(otp::release::to_string(r.status)));
    return term(atom("none"));
  }

  otp::runtime rt_;
  rel_test::temp_dir dir_;
};

}  // namespace rel_test
