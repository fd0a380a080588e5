#include "otp/log.hpp"

#include <fmt/format.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cstdlib>
#include <mutex>

namespace otp::log {
namespace {

constexpr std::array<std::string_view, 6> level_names{"debug", "info", "notice", "warning", "error", "critical"};
// spdlog has no notice; our own level name is written into every record, so this only informs spdlog.
constexpr std::array<spdlog::level::level_enum, 6> spdlog_levels{spdlog::level::debug, spdlog::level::info,
                                                                 spdlog::level::info,  spdlog::level::warn,
                                                                 spdlog::level::err,   spdlog::level::critical};

std::size_t index_of(level l) { return static_cast<std::size_t>(l); }

level level_from_env() {
  const char* text = std::getenv("OTP_LOG_LEVEL");
  const auto* found = std::find(level_names.begin(), level_names.end(), text ? std::string_view{text} : "");
  return found == level_names.end() ? level::info : static_cast<level>(found - level_names.begin());
}

bool json_from_env() {
  const char* text = std::getenv("OTP_LOG_FORMAT");
  return text != nullptr && std::string_view{text} == "json";
}

class logger {
 public:
  logger()
      : threshold_{level_from_env()},
        json_{json_from_env()},
        out_{"otp", std::make_shared<spdlog::sinks::stderr_sink_mt>()} {
    out_.set_level(spdlog::level::trace);
    out_.set_pattern(json_ ? R"({"time":"%Y-%m-%dT%H:%M:%S.%f%z",%v})" : "%Y-%m-%d %H:%M:%S.%f %v");
  }

  void set_level(level l) { threshold_.store(l, std::memory_order_relaxed); }
  level get_level() const { return threshold_.load(std::memory_order_relaxed); }
  bool json() const { return json_; }

  // `text` is the plain rendering (stderr without OTP_LOG_FORMAT=json, and captures); `json_members`
  // the JSON object's members after "time" and "level", used with OTP_LOG_FORMAT=json.
  void emit(level l, const std::string& text, std::string_view json_members) {
    if (json_) {
      out_.log(spdlog_levels[index_of(l)], R"("level":"{}",{})", to_string(l), json_members);
    } else {
      out_.log(spdlog_levels[index_of(l)], "[{}] {}", to_string(l), text);
    }
    std::lock_guard lock{captures_mutex_};
    for (std::vector<record>* records : captures_) records->push_back({l, text});
  }

  void attach(std::vector<record>* records) {
    std::lock_guard lock{captures_mutex_};
    captures_.push_back(records);
  }
  void detach(std::vector<record>* records) {
    std::lock_guard lock{captures_mutex_};
    std::erase(captures_, records);
  }
  template <typename F>
  auto with_captures(F f) {
    std::lock_guard lock{captures_mutex_};
    return f();
  }

 private:
  std::atomic<level> threshold_;
  const bool json_;
  spdlog::logger out_;
  std::mutex captures_mutex_;
  std::vector<std::vector<record>*> captures_;
};

// Never destroyed: scheduler threads and static destructors may still log while the process exits.
logger& the_logger() {
  static logger* const instance = new logger;
  return *instance;
}

void append_json_string(std::string& out, std::string_view text) {
  out += '"';
  for (char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += fmt::format("\\u{:04x}", static_cast<int>(c));
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

void append_json_member(std::string& out, std::string_view key, std::string_view value) {
  if (!out.empty()) out += ',';
  append_json_string(out, key);
  out += ':';
  append_json_string(out, value);
}

// "supervisor_report" -> "=SUPERVISOR REPORT====", "progress" -> "=PROGRESS REPORT====".
std::string report_header(std::string_view category) {
  std::string header{"="};
  for (char c : category) header += c == '_' ? ' ' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (!header.ends_with(" REPORT")) header += " REPORT";
  return header + "====";
}

std::string render_report(std::string_view category, std::initializer_list<field> fields) {
  std::string text = report_header(category);
  std::string_view separator = " ";
  for (const field& f : fields) {
    text.append(separator).append(f.key).append(": ");
    for (char c : f.value) {
      text += c;
      if (c == '\n') text += "        ";
    }
    separator = "\n    ";
  }
  return text;
}

}  // namespace

std::string_view to_string(level l) noexcept { return level_names[index_of(l)]; }

void set_level(level l) noexcept { the_logger().set_level(l); }
level get_level() noexcept { return the_logger().get_level(); }
bool enabled(level l) noexcept { return l >= the_logger().get_level(); }

void write(level l, std::string_view message) {
  if (!enabled(l)) return;
  logger& out = the_logger();
  std::string json_members;
  if (out.json()) append_json_member(json_members, "msg", message);
  out.emit(l, std::string{message}, json_members);
}

void report(level l, std::string_view category, std::initializer_list<field> fields) {
  if (!enabled(l)) return;
  logger& out = the_logger();
  std::string json_members;
  if (out.json()) {
    append_json_member(json_members, "category", category);
    for (const field& f : fields) append_json_member(json_members, f.key, f.value);
  }
  out.emit(l, render_report(category, fields), json_members);
}

capture::capture() { the_logger().attach(&records_); }
capture::~capture() { the_logger().detach(&records_); }

std::vector<record> capture::records() const {
  return the_logger().with_captures([&] { return records_; });
}

std::vector<std::string> capture::lines() const {
  return the_logger().with_captures([&] {
    std::vector<std::string> texts;
    for (const record& r : records_) texts.push_back(r.text);
    return texts;
  });
}

bool capture::contains(std::string_view needle) const {
  return the_logger().with_captures([&] {
    return std::any_of(records_.begin(), records_.end(),
                       [&](const record& r) { return r.text.find(needle) != std::string::npos; });
  });
}

void capture::clear() {
  the_logger().with_captures([&] { records_.clear(); });
}

}  // namespace otp::log
