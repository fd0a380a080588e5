// sys_debug: debug_cmd and handle_debug of sys.erl, for one process.
#include "behaviours/sys_debug.hpp"

#include <ctime>
#include <vector>

#include "otp/log.hpp"

namespace otp::detail {
namespace {

const atom trace_atom("trace");
const atom log_atom("log");
const atom log_to_file_atom("log_to_file");
const atom statistics_atom("statistics");
const atom no_debug_atom("no_debug");
const atom get_atom("get");
const atom print_atom("print");
const atom unknown_debug("unknown_debug");
const atom in_atom("in");
const atom out_atom("out");
const atom reductions_atom("reductions");
constexpr std::size_t default_log_size = 10;  // sys's nlog_new/0

// erlang:localtime(): {{Year, Month, Day}, {Hour, Minute, Second}}.
term local_time() {
  const std::time_t now = std::time(nullptr);
  std::tm t{};
  localtime_r(&now, &t);
  auto i = [](int v) { return term(static_cast<std::int64_t>(v)); };
  return tuple(tuple(i(t.tm_year + 1900), i(t.tm_mon + 1), i(t.tm_mday)),
               tuple(i(t.tm_hour), i(t.tm_min), i(t.tm_sec)));
}

bool is_atom_flag(const term& flag, bool value) { return flag.is_atom(value ? atoms::true_ : atoms::false_); }

}  // namespace

term debug_options::command(const term& command, const term& name) {
  if (command.is_atom(no_debug_atom)) {
    trace_ = false;
    log_.reset();
    file_.reset();
    statistics_.reset();
    return atoms::ok;
  }
  if (!command.is_tuple(2)) return unknown_debug;
  const term& flag = command[1];
  if (command[0].is_atom(trace_atom)) {
    if (!flag.is_atom(atoms::true_) && !flag.is_atom(atoms::false_)) return unknown_debug;
    trace_ = flag.is_atom(atoms::true_);
    return atoms::ok;
  }
  if (command[0].is_atom(log_atom)) return log_command(flag, name);
  if (command[0].is_atom(statistics_atom)) return statistics_command(flag);
  if (command[0].is_atom(log_to_file_atom)) return log_to_file_command(flag);
  return unknown_debug;  // install/remove carry Erlang funs, which this runtime cannot run
}

term debug_options::log_command(const term& flag, const term& name) {
  if (is_atom_flag(flag, true)) {
    turn_log_on(default_log_size);
  } else if (flag.is_tuple(2) && is_atom_flag(flag[0], true) && flag[1].is_integer() && flag[1].as_int() >= 1) {
    turn_log_on(static_cast<std::size_t>(flag[1].as_int()));
  } else if (is_atom_flag(flag, false)) {
    log_.reset();
  } else if (flag.is_atom(get_atom)) {
    return tuple(atoms::ok, logged_events());
  } else if (flag.is_atom(print_atom)) {
    if (log_) {
      log::write(log::level::notice, "** Debug messages:");
      for (const term& event : log_->events) log::write(log::level::notice, print_(name, event));
    }
  } else {
    return unknown_debug;
  }
  return atoms::ok;
}

// As sys's install_debug: an option that is on already stays as it is (its size, its events).
void debug_options::turn_log_on(std::size_t capacity) {
  if (!log_) log_.emplace(log_ring{capacity, {}});
}

term debug_options::statistics_command(const term& flag) {
  if (is_atom_flag(flag, true)) {
    if (!statistics_) statistics_.emplace(counts{local_time()});  // on already: the counts go on
  } else if (is_atom_flag(flag, false)) {
    statistics_.reset();
  } else if (flag.is_atom(get_atom)) {
    if (!statistics_) return tuple(atoms::ok, atom("no_statistics"));
    auto pair = [](std::string_view key, term value) { return tuple(atom(key), std::move(value)); };
    return tuple(atoms::ok, list(pair("start_time", statistics_->start_time), pair("current_time", local_time()),
                                 pair("reductions", term(statistics_->in)), pair("messages_in", term(statistics_->in)),
                                 pair("messages_out", term(statistics_->out))));
  } else {
    return unknown_debug;
  }
  return atoms::ok;
}

term debug_options::log_to_file_command(const term& flag) {
  if (is_atom_flag(flag, false)) {
    file_.reset();
    return atoms::ok;
  }
  const std::optional<std::string> file_name =
      flag.is_binary() ? std::optional<std::string>(std::string(flag.as_binary())) : flag.as_charlist();
  if (!file_name) return tuple(atoms::error, atom("open_file"));
  file_.reset();  // as sys: the file open before is closed, even when the new one cannot be opened
  auto opened = std::make_unique<log_file>(log_file{*file_name, std::ofstream(*file_name, std::ios::trunc)});
  if (!opened->stream) return tuple(atoms::error, atom("open_file"));
  file_ = std::move(opened);
  return atoms::ok;
}

void debug_options::record(const term& event, const term& name) {
  if (trace_ || file_) {
    const std::string line = print_(name, event);
    if (trace_) log::write(log::level::notice, line);
    if (file_) file_->stream << line << '\n' << std::flush;
  }
  if (log_) {
    if (log_->events.size() == log_->capacity) log_->events.pop_front();
    log_->events.push_back(event);
  }
  if (statistics_ && event.is_tuple() && event.size() >= 2) {
    if (event[0].is_atom(in_atom) && event.size() <= 3) ++statistics_->in;
    if (event[0].is_atom(out_atom) && event.size() >= 3) ++statistics_->out;
  }
}

term debug_options::logged_events() const {
  if (!log_) return term();
  return term::make_list(std::vector<term>(log_->events.begin(), log_->events.end()));
}

term debug_options::status() const {
  std::vector<term> options;
  if (trace_) options.push_back(tuple(trace_atom, atoms::true_));
  if (log_) options.push_back(tuple(log_atom, tuple(term(static_cast<std::int64_t>(log_->capacity)), logged_events())));
  if (file_) options.push_back(tuple(log_to_file_atom, charlist(file_->name)));
  if (statistics_)
    options.push_back(
        tuple(statistics_atom, tuple(statistics_->start_time, tuple(reductions_atom, term(statistics_->in)),
                                     term(statistics_->in), term(statistics_->out))));
  return term::make_list(std::move(options));
}

}  // namespace otp::detail
