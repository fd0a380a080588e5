// The code server's rules, which are Erlang's: load_abs/load_file, two versions, not_purged,
// purge-first load, soft_purge, purge, delete, the code path, unmapping, and load failures that
// change nothing.
#include <gtest/gtest.h>

#include <algorithm>

#include "code_test_support.hpp"
#include "otp/log.hpp"

namespace otp_test {
namespace {

// A counter process started from the code path, and a monitor on it.
struct watched {
  term pid;
  term ref;
};
// A counter process started from the code path, known to be looping in the version that was
// current when it started (a spawned process takes the current version when it first runs, as
// Erlang's does; a load before that would give it the new one), and a monitor on it.
watched spawn_counter(std::int64_t start = 0);

// {counter, Sum, Vsn} from a counter process.
term ask_counter(const term& pid) {
  otp::send(pid, otp::tuple("counter"_a, otp::self()));
  auto reply = otp::receive([](const term& m) { return m.is_tuple(3) && m[0].is_atom("counter"_a); }, 3000ms);
  if (!reply) throw std::runtime_error("the counter did not answer");
  return *reply;
}

watched spawn_counter(std::int64_t start) {
  const term pid = code::spawn("counter"_a, term(start));
  const watched counter{pid, otp::monitor(pid)};
  ask_counter(pid);
  return counter;
}

std::optional<term> down_reason(const term& ref, otp::milliseconds within) {
  auto m =
      otp::receive([&](const term& x) { return x.is_tuple(5) && x[0].is_atom(atoms::down) && x[1] == ref; }, within);
  if (!m) return std::nullopt;
  return (*m)[4];
}

TEST_F(Code, LoadAbsLoadsTheModuleTheFileDefinesAndAllLoadedDescribesIt) {
  const code::load_result r = code::load_abs(module_file("counter-1.so"));
  ASSERT_TRUE(r) << r.message;
  EXPECT_EQ(r.to_term(), otp::tuple(atoms::module, "counter"_a));
  EXPECT_TRUE(code::is_loaded("counter"_a));
  EXPECT_FALSE(code::check_old_code("counter"_a));
  const auto info = code::which("counter"_a);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->behaviour, "process");
  ASSERT_TRUE(info->current);
  EXPECT_EQ(info->current->vsn, "1");
  EXPECT_EQ(info->current->file, module_file("counter-1.so"));
  EXPECT_FALSE(info->old);
  const auto all = code::all_loaded();
  EXPECT_TRUE(std::any_of(all.begin(), all.end(), [](const code::module_info& m) { return m.name == "counter"_a; }));
}

TEST_F(Code, LoadFileTakesTheHighestVersionInTheCodePathAndPlainNameFirst) {
  stage("counter-1.so");
  stage("counter-2.so");
  EXPECT_EQ(code::find_in_path("counter"_a), scratch_ / "counter-2.so");
  ASSERT_TRUE(code::load_file("counter"_a));
  EXPECT_EQ(code::which("counter"_a)->current->vsn, "2");
  stage("counter-1.so", "counter.so");
  EXPECT_EQ(code::find_in_path("counter"_a), scratch_ / "counter.so");
  EXPECT_FALSE(code::find_in_path("absent"_a));
  const code::load_result missing = code::load_file("absent"_a);
  EXPECT_EQ(missing.to_term(), otp::tuple(atoms::error, "nofile"_a));
  EXPECT_NE(missing.message.find("absent"), std::string::npos) << missing.message;
}

TEST_F(Code, LoadingMakesCurrentOldAndLoadFileRefusesNotPurgedWhileOldCodeExists) {
  stage("acc-1.so");
  ASSERT_TRUE(code::load_file("acc"_a));
  fs::remove(scratch_ / "acc-1.so");
  stage("acc-2.so");
  ASSERT_TRUE(code::load_file("acc"_a));
  auto info = code::which("acc"_a);
  EXPECT_EQ(info->current->vsn, "2");
  ASSERT_TRUE(info->old);
  EXPECT_EQ(info->old->vsn, "1");
  EXPECT_TRUE(code::check_old_code("acc"_a));

  fs::remove(scratch_ / "acc-2.so");
  stage("acc-3.so");
  otp::log::capture log;
  const code::load_result refused = code::load_file("acc"_a);
  EXPECT_EQ(refused.to_term(), otp::tuple(atoms::error, "not_purged"_a));
  EXPECT_TRUE(log.contains("not_purged")) << "Erlang logs the refused load";
  EXPECT_EQ(code::load_abs(scratch_ / "acc-3.so").to_term(), otp::tuple(atoms::error, "not_purged"_a));
  info = code::which("acc"_a);
  EXPECT_EQ(info->current->vsn, "2") << "a refused load changed the current version";
  EXPECT_EQ(info->old->vsn, "1");

  // c:l/1 purges first, then loads.
  ASSERT_TRUE(code::load("acc"_a));
  info = code::which("acc"_a);
  EXPECT_EQ(info->current->vsn, "3");
  EXPECT_EQ(info->old->vsn, "2");
}

TEST_F(Code, SoftPurgeRefusesWhileAPlainProcessRunsOldCodeAndPurgeKillsIt) {
  stage("counter-1.so");
  rt_.run([&] {
    ASSERT_TRUE(code::load_file("counter"_a));
    const watched counter = spawn_counter(5);
    EXPECT_EQ(ask_counter(counter.pid)[2], otp::binary("v1"));
    EXPECT_TRUE(code::soft_purge("counter"_a)) << "no old code: soft_purge is true";
    EXPECT_FALSE(code::purge("counter"_a)) << "no old code: purge kills nobody";

    ASSERT_TRUE(code::load_abs(module_file("counter-2.so")));
    const auto users = code::processes_using("counter"_a);
    ASSERT_EQ(users.size(), 1u);
    EXPECT_EQ(users[0].pid, counter.pid);
    EXPECT_EQ(users[0].vsn, "1");
    EXPECT_TRUE(users[0].old);

    EXPECT_FALSE(code::soft_purge("counter"_a)) << "soft_purge removed code a process runs";
    EXPECT_TRUE(code::check_old_code("counter"_a));
    EXPECT_EQ(ask_counter(counter.pid), otp::tuple("counter"_a, 5, otp::binary("v1")));

    EXPECT_TRUE(code::purge("counter"_a)) << "purge must say it killed a process";
    EXPECT_EQ(down_reason(counter.ref, 3000ms), term(atoms::killed));
    EXPECT_FALSE(code::check_old_code("counter"_a));
  });
}

TEST_F(Code, SoftPurgeRemovesOldCodeNobodyRuns) {
  rt_.run([&] {
    ASSERT_TRUE(code::load_abs(module_file("counter-1.so")));
    ASSERT_TRUE(code::load_abs(module_file("counter-2.so")));
    EXPECT_TRUE(code::soft_purge("counter"_a));
    EXPECT_FALSE(code::check_old_code("counter"_a));
    EXPECT_TRUE(code::soft_purge("unknown_module"_a)) << "as Erlang: true for a module that is not loaded";
  });
}

TEST_F(Code, PurgeFirstLoadKillsProcessesOnOldCodeAsTheThirdLoadDoes) {
  stage("counter-1.so");
  rt_.run([&] {
    ASSERT_TRUE(code::load_file("counter"_a));
    const watched counter = spawn_counter();
    ASSERT_TRUE(code::load_abs(module_file("counter-2.so")));
    EXPECT_FALSE(down_reason(counter.ref, 50ms)) << "a load without purge killed a process";
    ASSERT_TRUE(code::load("counter"_a)) << "l/1 loads whatever the path has, after a purge";
    EXPECT_EQ(down_reason(counter.ref, 3000ms), term(atoms::killed));
  });
}

TEST_F(Code, DeleteMakesCurrentOldAndRefusesWhenOldCodeExists) {
  rt_.run([&] {
    EXPECT_FALSE(code::delete_module("counter"_a)) << "not loaded";
    ASSERT_TRUE(code::load_abs(module_file("counter-1.so")));
    ASSERT_TRUE(code::load_abs(module_file("counter-2.so")));
    otp::log::capture log;
    EXPECT_FALSE(code::delete_module("counter"_a));
    EXPECT_TRUE(log.contains("must be purged before deleting"));
    EXPECT_TRUE(code::soft_purge("counter"_a));
    EXPECT_TRUE(code::delete_module("counter"_a));
    EXPECT_FALSE(code::is_loaded("counter"_a));
    EXPECT_TRUE(code::check_old_code("counter"_a));
    EXPECT_THROW(code::spawn("counter"_a, term(0)), otp::badarg) << "no current code: spawn cannot find loop";
  });
}

TEST_F(Code, AFileRebuiltAtTheSamePathLoadsAsNewCode) {
  stage("counter-1.so", "counter.so");
  rt_.run([&] {
    ASSERT_TRUE(code::load("counter"_a));
    EXPECT_EQ(code::which("counter"_a)->current->vsn, "1");
    stage("counter-2.so", "counter.so");
    ASSERT_TRUE(code::load("counter"_a));
    EXPECT_EQ(code::which("counter"_a)->current->vsn, "2");
    const watched counter = spawn_counter(7);
    EXPECT_EQ(ask_counter(counter.pid), otp::tuple("counter"_a, 7, otp::binary("v2")));
    otp::exit(counter.pid, atoms::kill);
  });
}

TEST_F(Code, APurgedVersionIsGoneFromTheProcessMemoryMaps) {
  rt_.run([&] {
    ASSERT_TRUE(code::load_abs(module_file("acc-1.so")));
    const std::string copy = code::which("acc"_a)->current->loaded_copy.string();
    EXPECT_TRUE(mapped(copy)) << copy << " is not in /proc/self/maps after the load";
    ASSERT_TRUE(code::load_abs(module_file("acc-2.so")));
    EXPECT_TRUE(mapped(copy)) << "the old version must stay loaded until purged";
    EXPECT_TRUE(code::soft_purge("acc"_a));
    EXPECT_FALSE(mapped(copy)) << copy << " is still mapped after its purge";
    const std::string copy2 = code::which("acc"_a)->current->loaded_copy.string();
    EXPECT_TRUE(code::delete_module("acc"_a));
    EXPECT_FALSE(code::purge("acc"_a));
    EXPECT_FALSE(mapped(copy2));
  });
}

// --- load failures -----------------------------------------------------------------------------------

struct failed_load_case {
  std::string file_name;  // in the scratch dir after staging, or a test module
  std::string reason;
  std::string cause;  // a part of the message
};

void PrintTo(const failed_load_case& c, std::ostream* out) { *out << c.file_name << " -> " << c.reason; }

class LoadFailure : public Code, public ::testing::WithParamInterface<failed_load_case> {};

TEST_P(LoadFailure, NamesTheFileAndTheCauseAndChangesNothing) {
  const failed_load_case& c = GetParam();
  stage("counter-1.so");
  fs::path file = scratch_ / c.file_name;
  if (c.file_name == "text.so") {
    std::ofstream(file) << "this is not an ELF file\n";
  } else if (c.file_name == "other-1.so") {
    install_file(module_file("counter-1.so"), file);  // defines counter, named other
  } else if (c.file_name != "missing-1.so") {
    file = module_file(c.file_name);
  }
  rt_.run([&] {
    ASSERT_TRUE(code::load_file("counter"_a));
    const watched counter = spawn_counter(11);
    const auto before = code::all_loaded();

    const code::load_result r = code::load_abs(file);
    EXPECT_FALSE(r);
    EXPECT_EQ(r.to_term(), otp::tuple(atoms::error, atom(c.reason))) << r.message;
    EXPECT_NE(r.message.find(file.string()), std::string::npos) << "the message must name the file: " << r.message;
    EXPECT_NE(r.message.find(c.cause), std::string::npos) << r.message;

    const auto after = code::all_loaded();
    ASSERT_EQ(after.size(), before.size()) << "a failed load added or removed a module";
    EXPECT_EQ(code::which("counter"_a)->current->vsn, "1");
    EXPECT_FALSE(code::check_old_code("counter"_a));
    EXPECT_EQ(ask_counter(counter.pid), otp::tuple("counter"_a, 11, otp::binary("v1")));
    EXPECT_FALSE(down_reason(counter.ref, 0ms));
    otp::exit(counter.pid, atoms::kill);
  });
}

INSTANTIATE_TEST_SUITE_P(
    Every, LoadFailure,
    ::testing::Values(failed_load_case{"missing-1.so", "nofile", "no such file"},
                      failed_load_case{"text.so", "badfile", "not a loadable shared library"},
                      failed_load_case{"nodescriptor-1.so", "badfile", "no 'otp_module_descriptor' symbol"},
                      failed_load_case{"wrongabi-1.so", "abi_mismatch", "built for runtime module ABI 999"},
                      failed_load_case{"other-1.so", "badfile", "module name mismatch"},
                      failed_load_case{"onloadthrows-1.so", "on_load_failure", "configuration missing"},
                      failed_load_case{"ctorthrows-1.so", "on_load_failure", "cannot construct the callbacks"}),
    [](const auto& test) {
      std::string name = test.param.file_name.substr(0, test.param.file_name.find('.'));
      std::erase(name, '-');
      return name;
    });

TEST_F(Code, LoadBinaryWritesTheFileAndLoadsItPurgingFirst) {
  rt_.run([&] {
    std::ifstream in(module_file("counter-2.so"), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ASSERT_TRUE(code::load_abs(module_file("counter-1.so")));
    const watched counter = spawn_counter();
    ASSERT_TRUE(code::load_abs(module_file("counter-2.so")));  // counter runs old code now
    const code::load_result r = code::load_binary("counter"_a, scratch_ / "counter.so", bytes);
    ASSERT_TRUE(r) << r.message;
    EXPECT_EQ(down_reason(counter.ref, 3000ms), term(atoms::killed)) << "load_binary must purge first";
    EXPECT_TRUE(fs::exists(scratch_ / "counter.so"));
    EXPECT_EQ(code::which("counter"_a)->current->file, scratch_ / "counter.so");
  });
}

TEST_F(Code, StartLinkLoadsFromTheCodePathAndReportsUndefWhenAbsent) {
  stage("acc-1.so");
  rt_.run([&] {
    EXPECT_FALSE(code::is_loaded("acc"_a));
    const term started = code::start_link("acc"_a, term(4));
    ASSERT_TRUE(started.is_tuple(2) && started[0].is_atom(atoms::ok)) << started;
    EXPECT_TRUE(code::is_loaded("acc"_a));
    EXPECT_EQ(otp::gen_server::call(started[1], "total"_a), term(4));
    EXPECT_EQ(code::start_link("absent"_a, term()), otp::tuple(atoms::error, otp::tuple("undef"_a, "absent"_a)));
    otp::unlink(started[1]);
    otp::exit(started[1], atoms::kill);
  });
}

}  // namespace
}  // namespace otp_test
