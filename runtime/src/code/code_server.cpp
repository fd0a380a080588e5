// The code server (otp/code.hpp): the module table, the process that serialises every change to
// it, loading (copy, dlopen, descriptor checks), purging with the process scan, and the code path.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <system_error>
#include <unordered_map>

#include "code/module_bodies.hpp"
#include "otp/code.hpp"
#include "otp/file_name.hpp"
#include "otp/log.hpp"
#include "otp/rolling_upgrade.hpp"
#include "otp/runtime.hpp"
#include "otp/version_order.hpp"
#include "processes/runtime_state.hpp"

namespace otp::code {

using detail::module_slot;
using detail::module_version;
namespace fs = std::filesystem;

namespace {

const atom code_server_name("code_server");
const atom nofile("nofile");
const atom badfile("badfile");
const atom abi_mismatch("abi_mismatch");
const atom on_load_failure("on_load_failure");
const atom not_purged("not_purged");
const atom purge_failed("purge_failed");

// How long purge waits for the processes it killed to be gone.
constexpr milliseconds purge_wait{5000};

struct module_entry {
  module_slot* slot = nullptr;
  std::unique_ptr<module_version> current;
  std::unique_ptr<module_version> old;
};

// Read by any thread under `mutex`; changed only by the code server process (under `mutex`).
struct module_table {
  std::mutex mutex;
  std::map<std::uint32_t, module_entry> entries;  // by atom index
  std::vector<fs::path> code_path;

  module_entry* find(atom name) {
    auto it = entries.find(name.index());
    return it == entries.end() ? nullptr : &it->second;
  }
};

module_table& table() {
  static auto* t = new module_table();  // modules stay loaded until the OS process exits
  return *t;
}

version_info info_of(const module_version& v) { return {v.vsn(), v.file(), v.copy()}; }

// --- loading -------------------------------------------------------------------------------------

struct open_failure {
  atom reason = atoms::undefined;
  std::string cause;
};

// The private copies live in TMPDIR/otp-cpp-modules-<pid>-<start time>-XXXXXX, made at the first
// load. An OS process killed with SIGKILL leaves its directory behind; the next process to make
// one removes those whose process is gone: directories (not links) of this user, named this way,
// whose pid no longer runs or runs another process (its start time differs).
constexpr std::string_view copies_prefix = "otp-cpp-modules-";

// Field 22 of /proc/<pid>/stat (the process's start time in clock ticks since boot), or "" when
// there is no such process.
std::string process_start_time(const std::string& pid) {
  std::ifstream in("/proc/" + pid + "/stat");
  std::string line;
  std::getline(in, line);
  const auto name_end = line.rfind(") ");
  if (name_end == std::string::npos) return {};
  std::istringstream fields(line.substr(name_end + 2));  // field 3 onwards
  std::string field;
  for (int i = 3; i <= 22 && fields >> field; ++i) {
    if (i == 22) return field;
  }
  return {};
}

// "<pid>-<start time>" of a copies directory's name, or nullopt when it is not one of ours.
std::optional<std::pair<std::string, std::string>> owner_of_copies(std::string_view name) {
  if (!name.starts_with(copies_prefix)) return std::nullopt;
  name.remove_prefix(copies_prefix.size());
  const auto first = name.find('-');
  const auto second = first == std::string_view::npos ? first : name.find('-', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  const std::string_view pid = name.substr(0, first), start = name.substr(first + 1, second - first - 1);
  auto digits = [](std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (!digits(pid) || !digits(start)) return std::nullopt;
  return std::pair{std::string(pid), std::string(start)};
}

void remove_stale_copies(const fs::path& temp) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(temp, ec)) {
    const auto owner = owner_of_copies(entry.path().filename().string());
    if (!owner) continue;
    struct stat info {};
    if (::lstat(entry.path().c_str(), &info) != 0 || !S_ISDIR(info.st_mode) || info.st_uid != ::geteuid()) continue;
    if (process_start_time(owner->first) == owner->second) continue;  // its process still runs
    std::error_code ignored;
    fs::remove_all(entry.path(), ignored);
  }
}

// The directory that holds the private copies (each is unlinked as soon as it is open).
const fs::path& copies_directory() {
  static const fs::path dir = [] {
    const fs::path temp = fs::temp_directory_path();
    remove_stale_copies(temp);
    const std::string pid = std::to_string(::getpid());
    std::string pattern =
        (temp / (std::string(copies_prefix) + pid + "-" + process_start_time(pid) + "-XXXXXX")).string();
    if (::mkdtemp(pattern.data()) == nullptr)
      throw std::system_error(errno, std::generic_category(), "mkdtemp " + pattern);
    return fs::path(pattern);
  }();
  return dir;
}

fs::path unique_copy_of(const fs::path& file) {
  static std::atomic<std::uint64_t> counter{0};
  const std::string name = file.stem().string() + "." + std::to_string(::getpid()) + "." +
                           std::to_string(counter.fetch_add(1, std::memory_order_relaxed)) + ".so";
  return copies_directory() / name;
}

bool name_matches_file(std::string_view name, const fs::path& file) {
  const std::string stem = file.stem().string();
  return stem == name ||
         (stem.size() > name.size() && stem.compare(0, name.size(), name) == 0 && stem[name.size()] == '-');
}

std::string what_of_current_exception() {
  try {
    throw;
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "an exception that is not a std::exception";
  }
}

// Opens `file` as a module version, or says why it is not one. Changes nothing else.
std::unique_ptr<module_version> open_module(const fs::path& file, std::optional<atom> expected, open_failure& failure) {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) {
    failure = {nofile, "no such file"};
    return nullptr;
  }
  const fs::path copy = unique_copy_of(file);
  if (!fs::copy_file(file, copy, fs::copy_options::overwrite_existing, ec)) {
    failure = {nofile, "cannot copy it to " + copy.string() + ": " + ec.message()};
    return nullptr;
  }
  boost::dll::shared_library library;
  try {
    library.load(copy, boost::dll::load_mode::rtld_local | boost::dll::load_mode::rtld_now);
  } catch (const std::exception& e) {
    fs::remove(copy, ec);
    failure = {badfile, std::string("not a loadable shared library: ") + e.what()};
    return nullptr;
  }
  fs::remove(copy, ec);  // the mapping stays; a rebuilt file can no longer alias this one
  if (!library.has(module::descriptor_symbol)) {
    failure = {badfile, std::string("not an otp-cpp module: no '") + module::descriptor_symbol +
                            "' symbol (define it with OTP_GEN_SERVER_MODULE or OTP_PROCESS_MODULE)"};
    return nullptr;
  }
  const module::descriptor* d = library.get_alias<const module::descriptor*()>(module::descriptor_symbol)();
  if (d == nullptr || d->magic != module::descriptor_magic) {
    failure = {badfile, "its otp_module_descriptor is not an otp-cpp module descriptor"};
    return nullptr;
  }
  if (d->abi != module::abi_version) {
    failure = {abi_mismatch, "built for runtime module ABI " + std::to_string(d->abi) + ", this runtime has ABI " +
                                 std::to_string(module::abi_version) + "; rebuild it against this runtime"};
    return nullptr;
  }
  const std::string name = d->name != nullptr ? d->name : "";
  if (name.empty() || d->vsn == nullptr) {
    failure = {badfile, "its descriptor has no name or no vsn"};
    return nullptr;
  }
  if (expected && name != expected->text()) {
    failure = {badfile,
               "module name mismatch: expected " + std::string(expected->text()) + ", the file defines " + name};
    return nullptr;
  }
  if (!name_matches_file(name, file)) {
    failure = {badfile, "module name mismatch: the file defines " + name + ", so it must be named " + name + ".so or " +
                            name + "-<vsn>.so"};
    return nullptr;
  }
  const bool is_server = d->behaviour == module::kind::gen_server;
  if ((is_server && d->make_server == nullptr) || (!is_server && d->behaviour != module::kind::process) ||
      (!is_server && d->loop == nullptr)) {
    failure = {badfile, "its descriptor names no callbacks for its behaviour"};
    return nullptr;
  }
  std::shared_ptr<gen_server::behaviour> server;
  try {
    if (d->on_load != nullptr) d->on_load();
    if (is_server) server = d->make_server();
  } catch (...) {
    failure = {on_load_failure, "its initialisation threw: " + what_of_current_exception()};
    return nullptr;
  }
  return std::make_unique<module_version>(atom(name), *d, file, copy, std::move(library), std::move(server));
}

// --- the process scan ------------------------------------------------------------------------------

// Pids of the processes that run `version` now (Erlang's check_process_code).
std::vector<term> processes_running(const module_version* version) {
  std::vector<term> found;
  auto& processes = detail::the_runtime_state().table;
  for (const term& pid : processes.pids()) {
    processes.visit(pid.as_pid(), [&](detail::process_control_block& p) {
      if (p.code_in_use().load(std::memory_order_seq_cst) == version) found.push_back(pid);
    });
  }
  return found;
}

// --- the code server process ---------------------------------------------------------------------

term failure_term(atom reason, const fs::path& file, const std::string& cause) {
  return tuple(atoms::error, reason, binary(file.string() + ": " + cause));
}

// The code server's protocol: the tags of the requests its API functions (below) send and of the
// `prepared` answer, one name each for both ends.
struct code_server_tags {
  atom load{"load"};
  atom prepare{"prepare"};
  atom finish{"finish"};
  atom rolling_begin{"rolling_begin"};
  atom rolling_finish{"rolling_finish"};
  atom rolling_abort{"rolling_abort"};
  atom rolling_code_change_in_held{"rolling_code_change_in_held"};
  atom discard{"discard"};
  atom soft_purge{"soft_purge"};
  atom purge{"purge"};
  atom delete_{"delete"};
  atom prepared{"prepared"};
};
const code_server_tags& tags() {
  static const code_server_tags value;
  return value;
}

class code_server final : public gen_server::behaviour {
 public:
  gen_server::init_result init(const term&) override { return gen_server::init_result::ok(term()); }

  gen_server::result handle_call(const term& request, const term&, const term& state) override {
    return gen_server::result::reply(answer(request), state);
  }

  std::string module_name() const override { return "code_server"; }

 private:
  term answer(const term& r) {
    const atom op = r[0].as_atom();
    if (op == tags().load) {
      const std::optional<atom> expected =
          r[3].is_atom(atoms::undefined) ? std::nullopt : std::optional<atom>(r[3].as_atom());
      return load(fs::path(std::string(r[1].as_binary())), r[2].is_atom(atoms::true_), expected);
    }
    if (op == tags().prepare) return prepare(fs::path(std::string(r[1].as_binary())), r[2].as_atom());
    if (op == tags().finish) return finish(r[1]);
    if (op == tags().rolling_begin) return rolling_begin(r[1], r[2].is_atom(atoms::true_));
    if (op == tags().rolling_finish) return rolling_finish(r[1].as_atom());
    if (op == tags().rolling_abort) return rolling_abort(r[1].as_atom());
    if (op == tags().rolling_code_change_in_held) {
      detail::slot_of(r[1].as_atom()).code_change_in_held.store(r[2].is_atom(atoms::true_), std::memory_order_relaxed);
      return atoms::ok;
    }
    if (op == tags().discard) {
      prepared_.erase(r[1]);
      return atoms::ok;
    }
    const atom name = r[1].as_atom();
    if (op == tags().soft_purge) return term(purge_old(name, true).removed);
    if (op == tags().purge) return term(purge_old(name, false).killed);
    if (op == tags().delete_) return term(delete_current(name));
    return tuple(atoms::error, atom("unknown_request"));
  }

  term load(const fs::path& file, bool purge_first, std::optional<atom> expected) {
    if (purge_first && expected) {
      if (!purge_old(*expected, false).removed)
        return failure_term(
            purge_failed, file,
            "processes still run the old code of " + std::string(expected->text()) + " after purge killed them");
    } else if (expected) {
      if (refuse_not_purged(*expected)) return failure_term(not_purged, file, not_purged_cause(*expected));
    }
    open_failure failure;
    std::unique_ptr<module_version> version = open_module(file, expected, failure);
    if (!version) return failure_term(failure.reason, file, failure.cause);
    const atom name = version->name();
    if (purge_first && !expected && !purge_old(name, false).removed)
      return failure_term(purge_failed, file, "processes still run the old code of " + std::string(name.text()));
    if (!purge_first && refuse_not_purged(name)) return failure_term(not_purged, file, not_purged_cause(name));
    install(std::move(version));
    return tuple(atoms::module, name);
  }

  // {prepared, Handle, Vsn} or a load failure; the version waits in prepared_.
  term prepare(const fs::path& file, atom expected) {
    open_failure failure;
    std::unique_ptr<module_version> version = open_module(file, expected, failure);
    if (!version) return failure_term(failure.reason, file, failure.cause);
    const term handle = make_ref();
    const term answer = tuple(tags().prepared, handle, binary(version->vsn()));
    prepared_.emplace(handle, std::move(version));
    return answer;
  }

  term finish(const term& handle) {
    auto it = prepared_.find(handle);
    if (it == prepared_.end()) return failure_term(nofile, "", "no prepared module for " + handle.to_string());
    std::unique_ptr<module_version> version = std::move(it->second);
    prepared_.erase(it);
    const atom name = version->name();
    if (!purge_old(name, false).removed)
      return failure_term(
          purge_failed, version->file(),
          "processes still run the old code of " + std::string(name.text()) + " after purge killed them");
    install(std::move(version));
    return tuple(atoms::module, name);
  }

  // A rolling upgrade begins: the prepared version becomes current while the one it replaces is
  // held for the processes not yet migrated (module_version.hpp).
  term rolling_begin(const term& handle, bool code_change_in_held) {
    auto it = prepared_.find(handle);
    if (it == prepared_.end()) return failure_term(nofile, "", "no prepared module for " + handle.to_string());
    // The handle is used up either way, as finish's is.
    std::unique_ptr<module_version> version = std::move(it->second);
    prepared_.erase(it);
    const atom name = version->name();
    const fs::path file = version->file();
    if (version->kind() != module::kind::gen_server)
      return failure_term(badfile, file,
                          std::string(name.text()) + " is not a gen_server module; only gen_servers can be rolled");
    {
      std::lock_guard lock(table().mutex);
      const module_entry* e = table().find(name);
      if (e == nullptr || e->current == nullptr || e->current->kind() != module::kind::gen_server)
        return failure_term(nofile, file,
                            "a rolling upgrade needs " + std::string(name.text()) + " loaded as a gen_server module");
      if (e->slot->held.load(std::memory_order_relaxed) != nullptr)
        return failure_term(not_purged, file, "a rolling upgrade of " + std::string(name.text()) + " is under way");
    }
    if (!purge_old(name, false).removed)
      return failure_term(
          purge_failed, file,
          "processes still run the old code of " + std::string(name.text()) + " after purge killed them");
    module_slot& slot = detail::slot_of(name);
    std::lock_guard lock(table().mutex);
    module_entry& e = table().entries[name.index()];
    e.old = std::move(e.current);
    e.current = std::move(version);
    e.current->set_seq(++slot.installs);
    slot.code_change_in_held.store(code_change_in_held, std::memory_order_relaxed);
    slot.held.store(e.old.get(), std::memory_order_seq_cst);  // before current: see code_pin
    slot.current.store(e.current.get(), std::memory_order_seq_cst);
    return tuple(atoms::module, name);
  }

  // Every process may run the current version now; the held one is ordinary old code.
  static term rolling_finish(atom name) {
    module_slot& slot = detail::slot_of(name);
    std::lock_guard lock(table().mutex);
    slot.held.store(nullptr, std::memory_order_seq_cst);
    slot.code_change_in_held.store(false, std::memory_order_relaxed);
    return atoms::ok;
  }

  // The held version becomes current again and the rolled one old, to be purged by the caller.
  static term rolling_abort(atom name) {
    module_slot& slot = detail::slot_of(name);
    std::lock_guard lock(table().mutex);
    module_entry* e = table().find(name);
    if (e == nullptr || e->old == nullptr || slot.held.load(std::memory_order_relaxed) != e->old.get())
      return tuple(atoms::error, atom("not_rolling"));
    std::swap(e->old, e->current);
    slot.current.store(e->current.get(), std::memory_order_seq_cst);  // before held: see code_pin
    slot.held.store(nullptr, std::memory_order_seq_cst);
    slot.code_change_in_held.store(false, std::memory_order_relaxed);
    return atoms::ok;
  }

  static bool refuse_not_purged(atom name) {
    std::lock_guard lock(table().mutex);
    const module_entry* e = table().find(name);
    return e != nullptr && e->old != nullptr;
  }
  static std::string not_purged_cause(atom name) {
    return "old code of " + std::string(name.text()) + " must be purged first (code:load_file refuses: not_purged)";
  }

  static void install(std::unique_ptr<module_version> version) {
    module_slot& slot = detail::slot_of(version->name());
    std::lock_guard lock(table().mutex);
    module_entry& e = table().entries[version->name().index()];
    e.slot = &slot;
    e.old = std::move(e.current);  // empty: the caller purged or refused first
    e.current = std::move(version);
    e.current->set_seq(++slot.installs);
    slot.kind.store(e.current->kind(), std::memory_order_relaxed);
    slot.current.store(e.current.get(), std::memory_order_seq_cst);
  }

  struct purge_outcome {
    bool removed = false;  // no old code is left
    bool killed = false;   // a process was killed
  };

  // soft_purge (`soft`) or purge of the old version of `name`.
  purge_outcome purge_old(atom name, bool soft) {
    module_version* old = nullptr;
    {
      std::lock_guard lock(table().mutex);
      module_entry* e = table().find(name);
      if (e == nullptr || e->old == nullptr) return {true, false};
      old = e->old.get();
      if (e->slot->held.load(std::memory_order_seq_cst) == old) {  // a rolling upgrade still needs it
        log::write(log::level::error,
                   "purge of " + std::string(name.text()) + ": a rolling upgrade holds its old code; it stays loaded");
        return {false, false};
      }
    }
    std::vector<term> users = processes_running(old);
    purge_outcome outcome;
    if (!users.empty()) {
      if (soft) return outcome;
      kill_and_wait(users);
      outcome.killed = true;
      if (!processes_running(old).empty()) {
        log::write(log::level::error, "purge of " + std::string(name.text()) +
                                          ": processes still run the old code after being killed; it stays loaded");
        return outcome;
      }
    }
    std::unique_ptr<module_version> removed;
    {
      std::lock_guard lock(table().mutex);
      removed = std::move(table().find(name)->old);
    }
    removed.reset();  // closes the library, outside the lock
    outcome.removed = true;
    return outcome;
  }

  static void kill_and_wait(const std::vector<term>& pids) {
    std::vector<term> refs;
    refs.reserve(pids.size());
    for (const term& pid : pids) {
      refs.push_back(monitor(pid));
      exit(pid, atoms::kill);
    }
    const auto deadline = std::chrono::steady_clock::now() + purge_wait;
    for (const term& ref : refs) {
      const auto left = std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
      const bool down =
          receive([&](const term& m) { return m.is_tuple(5) && m[0].is_atom(atoms::down) && m[1] == ref; },
                  std::max(left, milliseconds(0)))
              .has_value();
      if (!down) demonitor(ref, true);
    }
  }

  static bool delete_current(atom name) {
    std::lock_guard lock(table().mutex);
    module_entry* e = table().find(name);
    if (e == nullptr || e->current == nullptr) return false;
    if (e->old != nullptr) {
      log::write(log::level::error, "Module " + std::string(name.text()) + " must be purged before deleting");
      return false;
    }
    e->slot->current.store(nullptr, std::memory_order_seq_cst);
    e->old = std::move(e->current);
    return true;
  }

  std::unordered_map<term, std::unique_ptr<module_version>, term_hash> prepared_;
};

// The code server's pid, started on first use in this runtime.
term server() {
  const term pid = whereis(code_server_name);
  if (pid.is_pid()) return pid;
  const term started =
      gen_server::start(std::make_shared<code_server>(), term(), gen_server::start_options{.name = code_server_name});
  if (started.is_tuple(2) && started[0].is_atom(atoms::ok)) return started[1];
  if (started.is_tuple(2) && started[1].is_tuple(2) && started[1][0].is_atom(atoms::already_started))
    return started[1][1];
  throw std::runtime_error("the code server could not start: " + started.to_string());
}

term ask(term request) { return gen_server::call(server(), std::move(request), infinity); }

load_result result_of(const term& answer) {
  load_result r;
  if (answer.is_tuple(2) && answer[0].is_atom(atoms::module)) {
    r.module = answer[1].as_atom();
    return r;
  }
  r.reason = answer[1].as_atom();
  r.message = std::string(answer[2].as_binary());
  log::write(log::level::error, "Loading of " + r.message);
  return r;
}

load_result load_request(const fs::path& file, bool purge_first, std::optional<atom> expected) {
  return result_of(ask(tuple(tags().load, binary(file.string()), term(purge_first),
                             expected ? term(*expected) : term(atoms::undefined))));
}

load_result missing(atom module) {
  load_result r;
  r.reason = nofile;
  const auto problem = file_name_problem(module.text());
  r.message = std::string(module.text()) +
              (problem ? ": not a module name that can be a file name (" + *problem + "); nothing loaded"
                       : ": not found in the code path");
  log::write(log::level::error, "Loading of " + r.message);
  return r;
}

}  // namespace

term load_result::to_term() const { return module ? tuple(atoms::module, *module) : tuple(atoms::error, reason); }

load_result load_abs(const fs::path& file) { return load_request(file, false, std::nullopt); }

load_result load_file(atom module) {
  const std::optional<fs::path> file = find_in_path(module);
  return file ? load_request(*file, false, module) : missing(module);
}

load_result load(atom module) {
  const std::optional<fs::path> file = find_in_path(module);
  return file ? load_request(*file, true, module) : missing(module);
}

load_result load(const fs::path& file) { return load_request(file, true, std::nullopt); }

load_result load_binary(atom module, const fs::path& file, const std::string& bytes) {
  std::error_code ec;
  if (file.has_parent_path()) fs::create_directories(file.parent_path(), ec);
  const fs::path temporary = file.string() + ".part-" + std::to_string(::getpid());
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) {
      load_result r;
      r.reason = nofile;
      r.message = file.string() + ": cannot write it";
      return r;
    }
  }
  fs::rename(temporary, file, ec);  // a new inode: a process mapping the old file keeps its copy
  if (ec) {
    fs::remove(temporary, ec);
    load_result r;
    r.reason = nofile;
    r.message = file.string() + ": cannot replace it: " + ec.message();
    return r;
  }
  return load_request(file, true, module);
}

prepared_load prepare_load(atom module, const fs::path& file) {
  const term answer = ask(tuple(tags().prepare, binary(file.string()), module));
  prepared_load p;
  if (answer.is_tuple(3) && answer[0].is_atom(tags().prepared)) {
    p.handle = answer[1];
    p.vsn = std::string(answer[2].as_binary());
    p.result.module = module;
    return p;
  }
  p.handle = atoms::undefined;
  p.result = result_of(answer);
  return p;
}

load_result finish_load(const term& handle) { return result_of(ask(tuple(tags().finish, handle))); }

void discard_prepared(const term& handle) { ask(tuple(tags().discard, handle)); }

// otp/rolling_upgrade.hpp: the code server's part.
load_result begin_rolling(const term& prepared_handle, bool code_change_in_held) {
  return result_of(ask(tuple(tags().rolling_begin, prepared_handle, term(code_change_in_held))));
}
void finish_rolling(atom module) { ask(tuple(tags().rolling_finish, module)); }
void set_rolling_code_change_in_held(atom module, bool in_held) {
  ask(tuple(tags().rolling_code_change_in_held, module, term(in_held)));
}
bool abort_rolling(atom module) { return ask(tuple(tags().rolling_abort, module)).is_atom(atoms::ok); }

void set_path(std::vector<fs::path> directories) {
  std::lock_guard lock(table().mutex);
  table().code_path = std::move(directories);
}

void add_path(const fs::path& directory) {
  std::lock_guard lock(table().mutex);
  table().code_path.push_back(directory);
}

std::vector<fs::path> get_path() {
  std::lock_guard lock(table().mutex);
  return table().code_path;
}

std::optional<fs::path> find_in_path(atom module) {
  const std::string name(module.text());
  if (!is_safe_file_name(name)) return std::nullopt;  // "../x" or "a/b" would leave the directory
  auto is_plain_file = [](const fs::path& file) {     // a link could lead anywhere: refused
    std::error_code ec;
    return fs::symlink_status(file, ec).type() == fs::file_type::regular;
  };
  for (const fs::path& dir : get_path()) {
    std::error_code ec;
    if (is_plain_file(dir / (name + ".so"))) return dir / (name + ".so");
    std::optional<fs::path> best;
    std::string best_vsn;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      const std::string stem = entry.path().stem().string();
      if (entry.path().extension() != ".so" || stem.size() <= name.size() + 1 ||
          stem.compare(0, name.size() + 1, name + "-") != 0 || !is_plain_file(entry.path()))
        continue;
      const std::string vsn = stem.substr(name.size() + 1);
      if (!best || otp::version_less(best_vsn, vsn)) {
        best = entry.path();
        best_vsn = vsn;
      }
    }
    if (best) return best;
  }
  return std::nullopt;
}

bool soft_purge(atom module) { return ask(tuple(tags().soft_purge, module)).is_atom(atoms::true_); }
bool purge(atom module) { return ask(tuple(tags().purge, module)).is_atom(atoms::true_); }
bool delete_module(atom module) { return ask(tuple(tags().delete_, module)).is_atom(atoms::true_); }

bool is_loaded(atom module) {
  std::lock_guard lock(table().mutex);
  const module_entry* e = table().find(module);
  return e != nullptr && e->current != nullptr;
}

bool check_old_code(atom module) {
  std::lock_guard lock(table().mutex);
  const module_entry* e = table().find(module);
  return e != nullptr && e->old != nullptr;
}

namespace {
module_info describe(atom name, const module_entry& e) {
  module_info info{name, {}, std::nullopt, std::nullopt};
  const module_version* any = e.current ? e.current.get() : e.old.get();
  if (any != nullptr) info.behaviour = any->kind() == module::kind::gen_server ? "gen_server" : "process";
  if (e.current) info.current = info_of(*e.current);
  if (e.old) info.old = info_of(*e.old);
  return info;
}
}  // namespace

std::vector<module_info> all_loaded() {
  std::lock_guard lock(table().mutex);
  std::vector<module_info> all;
  for (const auto& [index, e] : table().entries)
    if (e.current || e.old) all.push_back(describe(atom::from_index(index), e));
  return all;
}

std::optional<module_info> which(atom module) {
  std::lock_guard lock(table().mutex);
  const module_entry* e = table().find(module);
  if (e == nullptr || (!e->current && !e->old)) return std::nullopt;
  return describe(module, *e);
}

std::vector<process_on_code> processes_using(atom module) {
  std::vector<process_on_code> found;
  std::lock_guard lock(table().mutex);
  const module_entry* e = table().find(module);
  if (e == nullptr) return found;
  auto& processes = detail::the_runtime_state().table;
  for (const term& pid : processes.pids()) {
    processes.visit(pid.as_pid(), [&](detail::process_control_block& p) {
      const void* running = p.code_in_use().load(std::memory_order_seq_cst);
      const bool member = p.code_module().load(std::memory_order_relaxed) == e->slot;
      const bool held = member && e->old && e->current &&
                        e->slot->held.load(std::memory_order_seq_cst) == e->old.get() &&
                        p.code_seq().load(std::memory_order_relaxed) < e->current->seq();
      if (e->old && (running == e->old.get() || held))
        found.push_back({pid, e->old->vsn(), true});
      else if (e->current && (running == e->current.get() || member))
        found.push_back({pid, e->current->vsn(), false});
    });
  }
  return found;
}

// --- starting a module's processes -------------------------------------------------------------------

namespace {
// The module's slot with current code, loading it from the code path when needed; nullptr when it
// cannot be had.
module_slot* ready_slot(atom module) {
  module_slot& slot = detail::slot_of(module);
  if (slot.current.load(std::memory_order_acquire) == nullptr && !load_file(module)) return nullptr;
  return &slot;
}
}  // namespace

term start_server(atom module, term args, gen_server::start_options options) {
  module_slot* slot = ready_slot(module);
  if (slot == nullptr || slot->kind.load(std::memory_order_relaxed) != module::kind::gen_server)
    return tuple(atoms::error, tuple(atom("undef"), module));
  return gen_server::start(detail::make_module_server(*slot), std::move(args), std::move(options));
}

term spawn(atom module, term args, spawn_options options) {
  module_slot* slot = ready_slot(module);
  if (slot == nullptr || slot->kind.load(std::memory_order_relaxed) != module::kind::process)
    throw badarg("spawn: " + std::string(module.text()) + " is not a loadable process module");
  return detail::spawn_body(detail::make_module_process(*slot, std::move(args)), options);
}

term start_link(atom module, term args) {
  module_slot* slot = ready_slot(module);
  if (slot == nullptr) return tuple(atoms::error, tuple(atom("undef"), module));
  if (slot->kind.load(std::memory_order_relaxed) == module::kind::gen_server)
    return gen_server::start_link(detail::make_module_server(*slot), std::move(args));
  return tuple(atoms::ok, spawn(module, std::move(args), spawn_options{.link = true}));
}

}  // namespace otp::code
