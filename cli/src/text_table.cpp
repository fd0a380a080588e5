// Column widths, then the rows.
#include "text_table.hpp"

#include <algorithm>
#include <ostream>

namespace otpctl {

void print_table(std::ostream& out, const table_row& header, const std::vector<table_row>& rows) {
  auto shown = [](const std::string& cell) { return cell.empty() ? std::string("-") : cell; };
  std::vector<std::size_t> widths(header.size(), 0);
  auto measure = [&](const table_row& row) {
    for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i)
      widths[i] = std::max(widths[i], shown(row[i]).size());
  };
  measure(header);
  for (const table_row& row : rows) measure(row);
  auto print = [&](const table_row& row) {
    for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      const std::string cell = shown(row[i]);
      out << cell;
      if (i + 1 < widths.size()) out << std::string(widths[i] - cell.size() + 2, ' ');
    }
    out << "\n";
  };
  print(header);
  for (const table_row& row : rows) print(row);
}

}  // namespace otpctl
