// metrics — a node's figures in Prometheus' text exposition format, version 0.0.4 (private to
// the observer library). A pure function of the node's replies, so that one scrape is one set of
// calls and the text is testable without a node.
//
// Names follow Prometheus' conventions: the otp_ prefix, _total for counters, base units
// (seconds, bytes), labels for what varies (scheduler, application, supervisor, child, outcome).
//
// Thread-safety: a pure function of its arguments.
#pragma once

#include <string>
#include <vector>

#include "otp/release_handler_protocol.hpp"
#include "otp/term.hpp"

namespace otp::observer::detail {

struct metrics_input {
  term statistics;  // node agent `statistics`
  term status;      // node agent `status`
  term history;     // release handler `history` (every event)
  std::vector<release::release_handler::release_entry> releases;
};

std::string prometheus_text(const metrics_input& in);

// A label value escaped as the format wants it (backslash, double quote, newline).
std::string label_value(const std::string& text);

}  // namespace otp::observer::detail
