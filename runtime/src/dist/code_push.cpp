#include "dist/code_push.hpp"

#include <fstream>
#include <iterator>
#include <memory>

#include "otp/code.hpp"
#include "otp/gen_server.hpp"
#include "otp/node.hpp"
#include "otp/runtime.hpp"

namespace otp::detail::dist {
namespace {

// The protocol between nodes: {load_binary, Module, FileName, Bytes} to another node's
// otp_code_push, and the {code_push_result, Index, Result} each pusher reports to the collector.
struct code_push_tags {
  atom load_binary{"load_binary"};
  atom code_push_result{"code_push_result"};
};
const code_push_tags& tags() {
  static const code_push_tags value;
  return value;
}

class code_push_server final : public gen_server::behaviour {
 public:
  gen_server::init_result init(const term&) override { return gen_server::init_result::ok(term()); }

  gen_server::result handle_call(const term& request, const term&, const term& state) override {
    if (!(request.is_tuple(4) && request[0].is_atom(tags().load_binary) && request[1].is_atom() &&
          request[2].is_binary() && request[3].is_binary()))
      return gen_server::result::reply(tuple(atoms::error, atoms::badarg), state);
    const std::filesystem::path name = std::filesystem::path(std::string(request[2].as_binary())).filename();
    if (name.empty() || name == "." || name == "..")
      return gen_server::result::reply(tuple(atoms::error, atom("badfile")), state);
    const std::filesystem::path file = code_directory() / name;
    return gen_server::result::reply(
        code::load_binary(request[1].as_atom(), file, std::string(request[3].as_binary())).to_term(), state);
  }

  std::string module_name() const override { return code_push_name; }

 private:
  static std::filesystem::path code_directory() {
    const auto path = code::get_path();
    if (!path.empty()) return path.front();
    auto own = std::filesystem::temp_directory_path() / ("otp-cpp-nl-" + std::string(node::name().text()));
    std::filesystem::create_directories(own);
    return own;
  }
};

}  // namespace

term start_code_push_process() {
  return gen_server::start(std::make_shared<code_push_server>(), term(),
                           gen_server::start_options{.name = atom(code_push_name)});
}

}  // namespace otp::detail::dist

namespace otp::node {

std::vector<nl_result> code_push(atom module, const std::filesystem::path& file, const std::string& bytes,
                                 const std::vector<atom>& to, milliseconds timeout) {
  if (!in_process()) return runtime::current().run([&] { return code_push(module, file, bytes, to, timeout); });
  const term request = tuple(detail::dist::tags().load_binary, module, binary(file.string()), binary(bytes));
  const term collector = self();
  // One caller per node, so every node loads at the same time; each answers {Index, Result}.
  for (std::size_t i = 0; i < to.size(); ++i) {
    const term server = tuple(atom(detail::dist::code_push_name), to[i]);
    spawn([=] {
      term result;
      try {
        result = gen_server::call(server, request, timeout);
      } catch (const exit_exception& e) {
        const term& reason = e.reason();
        const term why = reason.is_tuple(2) ? reason[0] : reason;
        result =
            tuple(atom("badrpc"), why.is_tuple(2) && why[0].is_atom(atoms::nodedown) ? term(atoms::nodedown) : why);
      }
      send(collector, tuple(detail::dist::tags().code_push_result, static_cast<std::int64_t>(i), result));
    });
  }
  std::vector<nl_result> results(to.size());
  for (std::size_t i = 0; i < to.size(); ++i) results[i].node = to[i];
  for (std::size_t got = 0; got < to.size(); ++got) {
    const term answer = *receive(
        [](const term& m) { return m.is_tuple(3) && m[0].is_atom(detail::dist::tags().code_push_result); }, infinity);
    results[static_cast<std::size_t>(answer[1].as_int())].result = answer[2];
  }
  return results;
}

std::vector<nl_result> nl(atom module, milliseconds timeout) {
  std::optional<std::filesystem::path> file;
  if (auto info = code::which(module); info && info->current) file = info->current->file;
  if (!file) file = code::find_in_path(module);
  if (!file) throw badarg("nl: module " + std::string(module.text()) + " is neither loaded nor in the code path");
  std::ifstream in(*file, std::ios::binary);
  if (!in) throw badarg("nl: cannot read " + file->string());
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return code_push(module, *file, bytes, nodes(), timeout);
}

}  // namespace otp::node
