#include "otp/release_handler.hpp"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <memory>
#include <set>
#include <system_error>
#include <vector>

#include "install_progress.hpp"
#include "otp/application_controller.hpp"
#include "otp/code.hpp"
#include "otp/gen_server.hpp"
#include "otp/log.hpp"
#include "otp/process.hpp"
#include "otp/release_file.hpp"
#include "otp/release_history.hpp"
#include "otp/release_root.hpp"
#include "otp/script_runner.hpp"
#include "otp/sha256.hpp"
#include "otp/version_order.hpp"

namespace otp::release {
namespace {

namespace fs = std::filesystem;

term error(term reason) { return tuple(atoms::error, std::move(reason)); }

// A failure inside a request: its reason is the {error, Reason} reply.
struct request_failed {
  term reason;
};

// The start type the release gives `app` (permanent when it does not list it).
appup::start_type type_in(const loaded_release& r, atom app) {
  const appup::release_app* listed = r.release.find(app);
  return listed != nullptr ? listed->type : appup::start_type::permanent;
}

class handler final : public gen_server::behaviour {
 public:
  explicit handler(handler_options options)
      : options_(std::move(options)),
        root_(options_.root),
        history_file_(options_.history.empty() ? root_.releases_dir() / "history.sqlite" : options_.history),
        apps_(root_) {}

  gen_server::init_result init(const term&) override {
    trap_exit(true);
    std::optional<term> failure;  // acted on after the catch: stopping applications waits for them
    try {
      boot();
    } catch (const request_failed& f) {
      failure = f.reason;
    } catch (const application_error& e) {
      failure = e.reason();
    } catch (const std::exception& e) {
      failure = tuple(atom("boot_failed"), binary(e.what()));
    }
    if (failure) {
      apps_.stop_all();
      return gen_server::init_result::stop(*failure);
    }
    return gen_server::init_result::ok(term());
  }

  gen_server::result handle_call(const term& request, const term&, const term& state) override {
    term reply;
    try {
      reply = answer(request);
    } catch (const request_failed& f) {
      reply = error(f.reason);
    } catch (const application_error& e) {
      reply = error(e.reason());
    } catch (const std::exception& e) {
      reply = error(tuple(atom("exception"), binary(e.what())));
    }
    return gen_server::result::reply(std::move(reply), state);
  }

  gen_server::result handle_info(const term& info, const term& state) override {
    if (info.is_tuple(3) && info[0].is_atom(atoms::exit_))
      if (const auto exit = apps_.exited(info[1], info[2])) {
        const std::string what =
            "application " + std::string(exit->app.text()) + " exited: " + exit->reason.to_string();
        const std::string type(appup::to_string(exit->type));
        if (!exit->stops_node) {
          log::write(log::level::notice, what + " (" + type + "); the node keeps running");
          return gen_server::result::noreply(state);
        }
        log::write(log::level::critical, what + "; the node stops (" + type + ")");
        history_->record_application_exit(std::string(exit->app.text()), exit->vsn, exit->reason.to_string());
        if (pending_) abort_install("the node stops");
        apps_.stop_all();
        return gen_server::result::stop(tuple(atom("application_exited"), exit->app, exit->reason), state);
      }
    if (info.is_tuple(2) && info[0].is_atom(atom("prepare_timeout")) && pending_ &&
        binary(pending_->operation) == info[1]) {
      log::write(log::level::warning, "release_handler: the prepared install of " + pending_->vsn + " (operation " +
                                          pending_->operation + ") got no commit in time; aborted");
      abort_install("no commit in time");
    }
    // Anything else (a late reply to a batch of sys requests) is of no interest.
    return gen_server::result::noreply(state);
  }

  void terminate(const term&, const term&) override {
    if (pending_) abort_install("the release handler stopped");
    apps_.stop_all();
  }

  std::string module_name() const override { return "release_handler"; }

 private:
  // --- boot --------------------------------------------------------------------------------------
  void boot() {
    std::error_code ec;
    if (!fs::is_directory(root_.releases_dir(), ec))
      throw request_failed{
          tuple(atom("no_release_root"),
                binary(root_.root().string() + ": not a release root (it has no releases/ directory)"))};
    history_ = std::make_unique<release_history>(history_file_);
    if (options_.config_file) apps_.set_node_config(load_config_file(*options_.config_file));
    for (const interrupted_install& i : history_->interrupted_installs()) {
      log::write(log::level::warning, "release_handler: the install of " + i.vsn + " from " + i.from_vsn +
                                          " started at " + i.at +
                                          " never ended (the node stopped during it); recorded");
      history_->record_interrupted(i.install_id);
    }
    std::string vsn;
    if (auto permanent = history_->permanent_vsn()) {
      vsn = *permanent;
    } else if (options_.first_boot_vsn) {
      vsn = *options_.first_boot_vsn;
    } else {
      const auto all = root_.release_versions();
      if (all.empty()) throw request_failed{tuple(atom("no_release"), binary(root_.releases_dir().string()))};
      vsn = all.back();
    }
    if (!history_->status_of(vsn)) do_unpack(vsn);
    current_ = root_.load(vsn);
    release_config_ = load_release_config(current_.file);
    history_->record_boot(current_.release.name, vsn);
    if (history_->status_of(vsn) != release_status::permanent) history_->record_make_permanent(vsn);
    code::set_path(module_dirs(current_));
    for (const application_spec& app : current_.applications)
      apps_.start(app, type_in(current_, app.name), release_config_);
    log::write(log::level::info, "release_handler: booted release " + current_.release.name + " " + vsn);
  }

  std::vector<fs::path> module_dirs(const loaded_release& r) const {
    std::vector<fs::path> dirs;
    for (const auto& a : r.release.apps) dirs.push_back(root_.modules_dir(a.name, a.vsn));
    return dirs;
  }

  // --- requests ----------------------------------------------------------------------------------
  term answer(const term& r) {
    namespace request = release_handler::request;
    if (r.is_atom(request::releases)) return release_handler::encode_releases(releases());
    if (r.is_atom(request::which_releases)) return otp_which_releases(std::nullopt);
    if (r.is_tuple(2) && r[0].is_atom(request::which_releases) && r[1].is_atom())
      return otp_which_releases(r[1].as_atom());
    if (r.is_atom(request::which_applications)) return apps_.running();
    if (r.is_atom(request::otp_which_applications)) return apps_.which_applications();
    if (r.is_atom(request::applications)) return apps_.describe(current_);
    if (r.is_atom(request::application_env)) return environments(std::nullopt);
    if (!r.is_tuple() || r.size() < 2 || !r[0].is_atom()) throw request_failed{tuple(atom("bad_request"), r)};
    const atom op = r[0].as_atom();
    if (op == request::history) return history(r[1].is_integer() ? r[1].as_int() : 20);
    if (op == request::application_env && r[1].is_atom()) return environments(r[1].as_atom());
    if (op == request::start_application && r[1].is_atom()) return start_application(r[1].as_atom());
    if (op == request::stop_application && r[1].is_atom()) {
      if (!apps_.stop(r[1].as_atom())) throw request_failed{tuple(atom("not_started"), r[1])};
      return atoms::ok;
    }
    if (op == request::commit_install) {
      expect_pending(r[1]);
      return commit_install();
    }
    if (op == request::abort_install) {
      expect_pending(r[1]);
      return abort_install("by request");
    }
    const std::string vsn = version_of(r[1]);
    if (op == request::unpack) return r.is_tuple(3) ? unpack_files(vsn, r[2]) : unpack(vsn);
    if (op == request::check_install) return check_install(vsn);
    if (op == request::install) return install(vsn, r.is_tuple(3) ? r[2] : term());
    if (op == request::prepare_install) return prepare_install(vsn, r.is_tuple(3) ? r[2] : term());
    if (op == request::push_release) {
      if (!r.is_tuple(3) || !r[2].is_atom()) throw request_failed{tuple(atom("bad_request"), r)};
      if (!history_->status_of(vsn)) throw request_failed{tuple(atom("unknown_release"), binary(vsn))};
      return release_handler::unpack_from(root_, vsn, tuple(release_handler::registered_name, r[2]));
    }
    if (op == request::make_permanent) return make_permanent(vsn);
    if (op == request::remove) return remove(vsn);
    throw request_failed{tuple(atom("bad_request"), r)};
  }

  static std::string version_of(const term& t) {
    if (t.is_binary()) return std::string(t.as_binary());
    if (t.is_atom()) return std::string(t.as_atom().text());
    throw request_failed{tuple(atom("bad_version"), t)};
  }

  // Every release the history knows, newest first.
  std::vector<release_handler::release_entry> releases() const {
    std::vector<release_row> rows = history_->releases();
    std::sort(rows.begin(), rows.end(),
              [](const release_row& a, const release_row& b) { return version_less(b.vsn, a.vsn); });
    std::vector<release_handler::release_entry> out;
    for (const release_row& row : rows) {
      release_handler::release_entry entry{row.name, row.vsn, {}, row.status};
      try {
        for (const auto& a : root_.read_release(row.vsn).apps)
          entry.applications.push_back(std::string(a.name.text()) + "-" + a.vsn);
      } catch (const std::exception&) {
        // its release file is gone or broken: listed without applications
      }
      out.push_back(std::move(entry));
    }
    return out;
  }

  // release_handler:which_releases() as OTP answers it: [{Name, Vsn, ["app-vsn"], Status}] with
  // strings as charlists, newest first; with `status`, only the releases in that status.
  term otp_which_releases(std::optional<atom> status) const {
    std::vector<term> out;
    for (const release_handler::release_entry& r : releases()) {
      const atom status_atom(std::string(to_string(r.status)));
      if (status && *status != status_atom) continue;
      std::vector<term> apps;
      for (const std::string& a : r.applications) apps.push_back(charlist(a));
      out.push_back(tuple(charlist(r.name), charlist(r.vsn), term::make_list(std::move(apps)), status_atom));
    }
    return term::make_list(std::move(out));
  }

  // application:start(App) of an application of the running release, with its start type.
  term start_application(atom name) {
    const auto spec = std::find_if(current_.applications.begin(), current_.applications.end(),
                                   [&](const application_spec& a) { return a.name == name; });
    if (spec == current_.applications.end()) throw request_failed{tuple(atom("not_in_release"), name)};
    apps_.start(*spec, type_in(current_, name), release_config_);
    return atoms::ok;
  }

  // [{App, [{Key, Value}]}] for every application of the running release, or [{Key, Value}] of one.
  term environments(std::optional<atom> only) const {
    auto env_of = [](atom app) {
      std::vector<term> pairs;
      for (const auto& [key, value] : application::get_all_env(app)) pairs.push_back(tuple(key, value));
      return term::make_list(pairs);
    };
    if (only) {
      if (!current_.release.find(*only)) throw request_failed{tuple(atom("not_in_release"), *only)};
      return env_of(*only);
    }
    std::vector<term> out;
    for (const application_spec& a : current_.applications) out.push_back(tuple(a.name, env_of(a.name)));
    return term::make_list(out);
  }

  term unpack(const std::string& vsn) {
    if (history_->status_of(vsn)) throw request_failed{tuple(atom("existing_release"), binary(vsn))};
    do_unpack(vsn);
    return tuple(atoms::ok, binary(vsn));
  }

  // {unpack, Vsn, Files}: the files are checked and written by the root (nothing is written when a
  // check fails); what was written goes again if the unpack fails.
  term unpack_files(const std::string& vsn, const term& files) {
    if (history_->status_of(vsn)) throw request_failed{tuple(atom("existing_release"), binary(vsn))};
    std::vector<fs::path> written;
    try {
      written = root_.write_incoming(vsn, files);
    } catch (const incoming_release_error& e) {
      throw request_failed{e.reason()};
    }
    try {
      do_unpack(vsn);
    } catch (...) {
      root_.remove_written(written);
      throw;
    }
    return tuple(atoms::ok, binary(vsn));
  }

  void do_unpack(const std::string& vsn) {
    const unpack_check check = root_.check_unpacked(vsn);
    if (!check.ok()) {
      std::vector<term> problems;
      for (const std::string& p : check.problems) problems.push_back(binary(p));
      throw request_failed{tuple(atom("bad_release"), binary(vsn), term::make_list(problems))};
    }
    history_->record_unpack(root_.read_release(vsn).name, vsn, check.files);
  }

  // The script from the running release to `vsn`, with the files checked against the unpack.
  struct plan {
    loaded_release target;
    configuration config;  // the target's `config:`
    appup::relup_script script;
  };

  void check_installable(const std::string& vsn) const {
    if (!history_->status_of(vsn)) throw request_failed{tuple(atom("unknown_release"), binary(vsn))};
    if (vsn == current_.release.vsn) throw request_failed{tuple(atom("already_installed"), binary(vsn))};
  }

  plan plan_install(const std::string& vsn) const {
    check_installable(vsn);
    check_files(vsn);
    plan p{root_.load(vsn), {}, {}};
    try {
      p.config = load_release_config(p.target.file);
    } catch (const yaml_error& e) {
      throw request_failed{tuple(atom("bad_config"), binary(e.what()))};
    }
    const appup::app_catalog catalog = root_.catalog({current_.release.vsn, vsn});
    try {
      p.script = appup::plan_relup(current_.release, p.target.release, catalog);
    } catch (const appup::relup_error& e) {
      throw request_failed{tuple(atom("no_relup"), e.reason(), binary(e.what()))};
    }
    return p;
  }

  // Every module file recorded at unpack is there with the same sha256.
  void check_files(const std::string& vsn) const {
    for (const module_file_record& f : history_->files_of(vsn)) {
      const fs::path file = root_.root() / f.path;
      root_.refuse_links(file);
      std::error_code ec;
      if (!fs::is_regular_file(file, ec)) throw request_failed{tuple(atom("missing_file"), binary(file.string()))};
      if (sha256_file_hex(file) != f.sha256)
        throw request_failed{tuple(atom("changed_file"), binary(file.string()), binary("sha256 differs from unpack"))};
    }
  }

  term check_install(const std::string& vsn) const {
    const plan p = plan_install(vsn);
    return release_handler::encode_install_plan(
        {current_.release.vsn, p.script.mode == appup::change_mode::up, p.script.to_string()});
  }

  // --- installs: prepared (everything before the point of no return), then committed --------------

  // An install between its preparation and its commit. Owned by the handler; the script's hooks
  // point into it, so it never moves.
  struct pending_install {
    std::string vsn, from, operation;
    std::int64_t install_id = 0;
    std::chrono::steady_clock::time_point started;
    loaded_release target;
    configuration config;
    std::string to_vsn;
    term progress;
    std::vector<atom> apps_started, apps_stopped;  // by the script's applies, undone if it fails
    std::optional<prepared_script> script;
  };

  static term progress_of(const term& options) {
    const term* p = options.is_map() ? options.find(atom("progress")) : nullptr;
    return p != nullptr && p->is_pid() ? *p : term();
  }
  static std::string operation_of(const term& options) {
    const term* o = options.is_map() ? options.find(atom("operation")) : nullptr;
    return o == nullptr ? std::string() : o->is_binary() ? std::string(o->as_binary()) : o->to_string();
  }

  void refuse_while_pending() const {
    if (pending_)
      throw request_failed{tuple(atom("install_pending"), binary(pending_->vsn), binary(pending_->operation))};
  }

  // Records install_start, checks and plans, and prepares the script. Returns the failure reason,
  // or nothing with pending_ set.
  std::optional<term> begin_install(const std::string& vsn, const term& options) {
    refuse_while_pending();
    check_installable(vsn);  // a request that is no install attempt leaves no history
    auto p = std::make_unique<pending_install>();
    p->vsn = vsn;
    p->from = current_.release.vsn;
    p->operation = operation_of(options);
    p->progress = progress_of(options);
    p->started = std::chrono::steady_clock::now();
    p->install_id = history_->record_install_start(
        current_.release.name, p->from, vsn,
        version_less(p->from, vsn) ? install_direction::upgrade : install_direction::downgrade, p->operation);
    detail::install_began(p->from, vsn);
    pending_ = std::move(p);
    script_outcome failed;  // ended after the catch: ending an install may wait for processes
    try {
      plan planned = plan_install(vsn);
      pending_->target = std::move(planned.target);
      pending_->config = std::move(planned.config);
      pending_->to_vsn = planned.script.to_vsn;
      pending_->script = prepared_script::prepare(std::move(planned.script), inputs_for(*pending_));
      if (!pending_->script->ok()) failed = pending_->script->failure();
    } catch (const request_failed& f) {
      failed.ok = false;
      failed.reason = f.reason;
    } catch (const std::exception& e) {  // its files changed since the unpack (a link, a broken file)
      failed.ok = false;
      failed.reason = tuple(atom("bad_release"), binary(vsn), list(binary(e.what())));
    }
    if (!failed.ok) return end_install(failed);
    return std::nullopt;
  }

  script_inputs inputs_for(pending_install& p) {
    script_inputs in;
    in.timeout = options_.timeout;
    in.roots = apps_.top_supervisors();
    in.module_file = [this, &p](atom m) -> std::optional<fs::path> {
      for (const application_spec& app : p.target.applications)
        if (std::find(app.modules.begin(), app.modules.end(), m) != app.modules.end())
          return root_.find_module(app.name, app.vsn, m);
      return std::nullopt;
    };
    in.apply = [this, &p](const appup::apply& a) { apply(a, p); };
    in.on_step = [&p](const script_step& s) {
      const std::string text = appup::format(*s.instruction);
      log::write(log::level::info, "release_handler: " + p.to_vsn + ": " + text);
      detail::install_step(text, term::make_list(s.processes));
      if (p.progress.is_pid())
        send(p.progress, release_handler::encode_install_progress({p.to_vsn, text, s.processes}));
    };
    return in;
  }

  // Commits the pending install and ends it.
  term commit_install() {
    const script_outcome outcome = pending_->script->commit();
    if (outcome.ok) {
      current_ = std::move(pending_->target);
      release_config_ = std::move(pending_->config);
      code::set_path(module_dirs(current_));
      apps_.upgraded(current_, release_config_, options_.timeout);
      unpurged_ = outcome.unpurged;
    }
    if (const auto failure = end_install(outcome)) return error(*failure);
    return release_handler::encode_install_report(last_install_report_);
  }

  // Records install_end for the pending install (undoing the applications its script started or
  // stopped when it failed) and clears it. Returns the failure reason, if it failed.
  std::optional<term> end_install(const script_outcome& outcome) {
    std::unique_ptr<pending_install> p = std::move(pending_);
    if (!outcome.ok) {
      if (p->script) p->script->abort();
      for (auto it = p->apps_started.rbegin(); it != p->apps_started.rend(); ++it) apps_.stop(*it);
      for (atom name : p->apps_stopped)
        for (const application_spec& app : current_.applications)
          if (app.name == name) apps_.start(app, type_in(current_, name), release_config_);
    }
    install_result result;
    result.ok = outcome.ok;
    result.duration =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - p->started);
    result.modules_changed = static_cast<std::int64_t>(outcome.modules_changed);
    result.processes_migrated = static_cast<std::int64_t>(outcome.processes_migrated);
    for (atom m : outcome.rolled_modules) result.rolling_modules.emplace_back(m.text());
    result.longest_pause_us = static_cast<std::int64_t>(outcome.longest_suspension.count());
    if (!outcome.ok) result.reason = outcome.reason.to_string();
    history_->record_install_end(p->install_id, result);
    detail::install_ended(outcome.ok, result.reason, result.duration.count(),
                          static_cast<std::int64_t>(outcome.longest_suspension.count()));
    if (!outcome.ok) {
      log::write(log::level::error,
                 "release_handler: install of " + p->vsn + " failed, still running " + p->from + ": " + result.reason);
      return outcome.reason;
    }
    log::write(log::level::info, "release_handler: installed " + p->vsn + " (from " + p->from + ")");
    last_install_report_ = {p->from, static_cast<std::int64_t>(result.duration.count()), result.modules_changed,
                            result.processes_migrated, static_cast<std::int64_t>(outcome.longest_suspension.count())};
    return std::nullopt;
  }

  term install(const std::string& vsn, const term& options) {
    if (const auto failure = begin_install(vsn, options)) return error(*failure);
    return commit_install();
  }

  // {prepare_install, Vsn, #{operation => Id, timeout => Ms}}: the install waits for its commit or
  // abort; after `timeout` (default 60 s) without either it aborts itself.
  term prepare_install(const std::string& vsn, const term& options) {
    if (operation_of(options).empty()) throw request_failed{atom("no_operation_id")};
    if (const auto failure = begin_install(vsn, options)) return error(*failure);
    const term* t = options.find(atom("timeout"));
    const milliseconds wait(t != nullptr && t->is_integer() ? t->as_int() : 60000);
    send_after(wait, self(), tuple(atom("prepare_timeout"), binary(pending_->operation)));
    return tuple(atoms::ok, binary(pending_->from));
  }

  // The pending install of operation `operation`, or request_failed.
  void expect_pending(const term& operation) const {
    if (!pending_ || binary(pending_->operation) != operation)
      throw request_failed{tuple(atom("no_prepared_install"), operation)};
  }

  term abort_install(const std::string& why) {
    script_outcome aborted;
    aborted.ok = false;
    aborted.reason = tuple(atom("aborted"), binary(why));
    end_install(aborted);
    return atoms::ok;
  }

  // application:start/stop/load/unload, as add_application, remove_application and
  // restart_application use them.
  void apply(const appup::apply& a, pending_install& p) {
    if (a.module != atom("application") || a.args.empty() || !a.args[0].is_atom())
      throw std::runtime_error("release_handler can apply only application:start/stop/load/unload, not " +
                               std::string(a.module.text()) + ":" + std::string(a.function.text()));
    const atom app = a.args[0].as_atom();
    if (a.function == atom("start")) {
      const auto spec = std::find_if(p.target.applications.begin(), p.target.applications.end(),
                                     [&](const application_spec& s) { return s.name == app; });
      if (spec == p.target.applications.end())
        throw std::runtime_error("application " + std::string(app.text()) + " is not in the target release");
      apps_.start(*spec, type_in(p.target, app), p.config);
      p.apps_started.push_back(app);
    } else if (a.function == atom("stop")) {
      apps_.stop(app);
      p.apps_stopped.push_back(app);
    } else if (a.function != atom("load") && a.function != atom("unload")) {
      throw std::runtime_error("release_handler cannot apply application:" + std::string(a.function.text()));
    }
  }

  term make_permanent(const std::string& vsn) {
    refuse_while_pending();
    const auto status = history_->status_of(vsn);
    if (!status) throw request_failed{tuple(atom("unknown_release"), binary(vsn))};
    if (*status != release_status::current && *status != release_status::permanent)
      throw request_failed{tuple(atom("bad_status"), atom(std::string(to_string(*status))))};
    if (*status == release_status::current) {
      for (const auto& [module, method] : unpurged_)
        (method == appup::purge_method::brutal_purge) ? code::purge(module) : code::soft_purge(module);
      unpurged_.clear();
      history_->record_make_permanent(vsn);
    }
    return atoms::ok;
  }

  term remove(const std::string& vsn) {
    refuse_while_pending();
    const auto status = history_->status_of(vsn);
    if (!status) throw request_failed{tuple(atom("unknown_release"), binary(vsn))};
    if (*status == release_status::permanent) throw request_failed{tuple(atom("permanent"), binary(vsn))};
    if (*status == release_status::current) throw request_failed{tuple(atom("current"), binary(vsn))};
    std::set<fs::path> kept;
    for (const release_row& row : history_->releases()) {
      if (row.vsn == vsn) continue;
      for (const auto& a : root_.read_release(row.vsn).apps) kept.insert(root_.lib_dir(a.name, a.vsn));
    }
    std::error_code ec;
    for (const auto& a : root_.read_release(vsn).apps)
      if (!kept.contains(root_.lib_dir(a.name, a.vsn))) fs::remove_all(root_.lib_dir(a.name, a.vsn), ec);
    fs::remove_all(root_.release_dir(vsn), ec);
    history_->record_remove(vsn);
    return atoms::ok;
  }

  term history(std::int64_t limit) const {
    const std::vector<history_event> events = history_->events();
    const std::size_t first =
        events.size() > static_cast<std::size_t>(std::max<std::int64_t>(limit, 0)) ? events.size() - limit : 0;
    std::vector<term> out;
    for (std::size_t i = first; i < events.size(); ++i) {
      const history_event& e = events[i];
      std::vector<std::pair<term, term>> fields{{atom("id"), term(e.id)},
                                                {atom("at"), binary(e.at)},
                                                {atom("kind"), atom(e.kind)},
                                                {atom("name"), binary(e.name)},
                                                {atom("vsn"), binary(e.vsn)}};
      auto text = [&](const char* key, const std::string& value) {
        if (!value.empty()) fields.emplace_back(atom(key), binary(value));
      };
      auto number = [&](const char* key, const std::optional<std::int64_t>& value) {
        if (value) fields.emplace_back(atom(key), term(*value));
      };
      text("from_vsn", e.from_vsn);
      text("outcome", e.outcome);
      text("reason", e.reason);
      text("operation", e.operation);
      number("install_id", e.install_id);
      number("duration_ms", e.duration_ms);
      number("modules_changed", e.modules_changed);
      number("processes_migrated", e.processes_migrated);
      number("longest_pause_us", e.longest_pause_us);
      if (!e.rolling_modules.empty()) {
        std::vector<term> rolled;
        for (const auto& m : e.rolling_modules) rolled.emplace_back(atom(m));
        fields.emplace_back(atom("rolling_modules"), term::make_list(std::move(rolled)));
      }
      out.push_back(term::make_map(std::move(fields)));
    }
    return term::make_list(out);
  }

  handler_options options_;
  release_root root_;
  fs::path history_file_;
  std::unique_ptr<release_history> history_;
  loaded_release current_;
  configuration release_config_;  // the running release's `config:`
  application_controller apps_;
  std::vector<std::pair<atom, appup::purge_method>> unpurged_;
  std::unique_ptr<pending_install> pending_;
  release_handler::install_report last_install_report_;  // of the last install that succeeded
};

term call(const term& handler_ref, term request) { return gen_server::call(handler_ref, std::move(request), infinity); }

}  // namespace

namespace release_handler {

term start_link(const handler_options& options) {
  return gen_server::start_link(std::make_shared<handler>(options), term(),
                                gen_server::start_options{.name = registered_name});
}

std::vector<release_entry> releases(const term& h) { return decode_releases(call(h, request::releases)); }
term which_applications(const term& h) { return call(h, request::which_applications); }
term applications(const term& h) { return call(h, request::applications); }
term start_application(atom app, const term& h) { return call(h, tuple(request::start_application, app)); }
term stop_application(atom app, const term& h) { return call(h, tuple(request::stop_application, app)); }
term application_env(atom app, const term& h) {
  return call(h, app == atoms::undefined ? term(request::application_env) : tuple(request::application_env, app));
}
term unpack(const std::string& vsn, const term& h) { return call(h, tuple(request::unpack, binary(vsn))); }
term unpack_from(const release_root& source, const std::string& vsn, const term& h) {
  std::vector<term> files;
  for (const fs::path& relative : source.release_files(vsn)) {
    std::ifstream in(source.root() / relative, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) throw std::runtime_error((source.root() / relative).string() + ": cannot read it");
    files.push_back(tuple(binary(relative.string()), binary(bytes), binary(sha256_hex(bytes))));
  }
  return call(h, tuple(request::unpack, binary(vsn), term::make_list(std::move(files))));
}

term check_install(const std::string& vsn, const term& h) {
  return call(h, tuple(request::check_install, binary(vsn)));
}
term install(const std::string& vsn, const term& options, const term& h) {
  return call(h, tuple(request::install, binary(vsn), options));
}
term prepare_install(const std::string& vsn, const std::string& operation, std::chrono::milliseconds timeout,
                     const term& h) {
  return call(h, tuple(request::prepare_install, binary(vsn),
                       map({{atom("operation"), binary(operation)},
                            {atom("timeout"), term(static_cast<std::int64_t>(timeout.count()))}})));
}
term push_release(const std::string& vsn, atom to_node, const term& h) {
  return call(h, tuple(request::push_release, binary(vsn), to_node));
}
term commit_install(const std::string& operation, const term& h) {
  return call(h, tuple(request::commit_install, binary(operation)));
}
term abort_install(const std::string& operation, const term& h) {
  return call(h, tuple(request::abort_install, binary(operation)));
}
term make_permanent(const std::string& vsn, const term& h) {
  return call(h, tuple(request::make_permanent, binary(vsn)));
}
term remove(const std::string& vsn, const term& h) { return call(h, tuple(request::remove, binary(vsn))); }
term history(std::int64_t limit, const term& h) { return call(h, tuple(request::history, term(limit))); }

}  // namespace release_handler
}  // namespace otp::release
