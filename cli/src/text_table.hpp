// Plain-text tables for otpctl's listings (releases, history, nodes): a header row and rows of
// cells, each column as wide as its widest cell, columns two spaces apart, the last one unpadded,
// so that `column`, `awk` and eyes read them alike. An empty cell prints as "-".
//
// Thread-safety: a pure function of its arguments and the stream.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace otpctl {

using table_row = std::vector<std::string>;

// Every row has the header's number of cells.
void print_table(std::ostream& out, const table_row& header, const std::vector<table_row>& rows);

}  // namespace otpctl
