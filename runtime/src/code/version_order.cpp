#include "otp/version_order.hpp"

#include <algorithm>

namespace otp {

bool version_less(std::string_view a, std::string_view b) {
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    const std::size_t ie = std::min(a.find('.', i), a.size());
    const std::size_t je = std::min(b.find('.', j), b.size());
    const std::string_view pa = a.substr(i, ie - i), pb = b.substr(j, je - j);
    const bool numeric = !pa.empty() && !pb.empty() && pa.find_first_not_of("0123456789") == std::string_view::npos &&
                         pb.find_first_not_of("0123456789") == std::string_view::npos;
    if (numeric) {
      const std::string_view na = pa.substr(std::min(pa.find_first_not_of('0'), pa.size()));
      const std::string_view nb = pb.substr(std::min(pb.find_first_not_of('0'), pb.size()));
      if (na.size() != nb.size()) return na.size() < nb.size();
      if (na != nb) return na < nb;
    } else if (pa != pb) {
      return pa < pb;
    }
    i = ie + 1;
    j = je + 1;
  }
  return a.size() - std::min(i, a.size()) < b.size() - std::min(j, b.size());
}

}  // namespace otp
