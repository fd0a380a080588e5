// The status document described in status_json.hpp.
#include "otp/status_json.hpp"

#include "otp/term_json.hpp"

namespace otp::observer {

std::string text_of(const term* t) {
  if (t == nullptr) return "";
  return t->is_binary() ? std::string(t->as_binary()) : t->to_string();
}

boost::json::array status_json(const term& status, const term& applications) {
  boost::json::array json = to_json(status).as_array();
  for (const term& app : applications.elements())
    if (app.is_map() && text_of(app.find(atom("state"))) == "stopped")
      json.push_back(boost::json::object{{"app", text_of(app.find(atom("name")))},
                                         {"vsn", text_of(app.find(atom("vsn")))},
                                         {"state", "stopped"},
                                         {"type", text_of(app.find(atom("type")))},
                                         {"reason", text_of(app.find(atom("reason")))}});
  return json;
}

}  // namespace otp::observer
