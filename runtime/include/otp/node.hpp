// otp::node — this OS process as a distributed Erlang node (docs/distribution.md).
//
// `start` makes the runtime a node named name@host: it registers with EPMD (starting the real
// `epmd -daemon` when none answers, as erl does), listens for connections, and from then on pids,
// references and {Name, Node} reach other nodes — Erlang/OTP ones or otp-cpp ones — over Erlang's
// distribution protocol (handshake version 6, MD5 cookie challenge, ticks), on plain TCP or, with
// options::tls, on TLS as Erlang's inet_tls_dist. Nodes connect on first use (a send, link,
// monitor, call or ping), as in Erlang.
//
// What users get, as in OTP: send to a pid or {Name, Node}; gen_server call/cast to remote servers;
// links and monitors across nodes, with `noconnection` when a node goes away; node monitoring
// (monitor_node, monitor_nodes); `nodes()`; hidden nodes (tools) that stay out of `nodes()`;
// net_kernel answers is_auth, so `net_adm:ping` from Erlang gets pong; `nl` loads a module on every
// otp-cpp node and returns each node's result.
//
// Failures of other nodes never throw here: a wrong cookie, a bad digest, a garbled handshake, an
// oversized or malformed frame costs that connection only and is logged (warning, at most a few
// lines a second) with the peer's address and the reason. Before a peer proved the cookie nothing
// it sent outlives its connection: no atom, no table entry, no displaced connection.
// The node listens on the address its name gives (x@127.0.0.1: 127.0.0.1 only).
//
// Ownership: the node belongs to the running otp::runtime; `stop` (or the runtime's destructor)
// ends it. At most one node per OS process. The registered processes net_kernel and otp_code_push
// run while the node is alive.
// Thread-safety: every function may be called from any thread; the ones marked "process" must run
// inside a process (they are about the calling process).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "otp/atom.hpp"
#include "otp/process.hpp"
#include "otp/term.hpp"

namespace otp::node {

enum class name_kind {
  longnames,   // -name: the host part is a fully qualified name or an IP address
  shortnames,  // -sname: the host part is the host name up to its first dot
};

// Distribution over TLS, as Erlang's inet_tls_dist: every connection of the node, in and out, is
// TLS from its first byte, and the distribution handshake and frames run inside it (EPMD is
// unchanged). A TLS node and a plain one cannot talk: each refuses the other with a log line. The
// files are PEM and are read once, by `start`, which throws start_error naming a file it cannot use.
struct tls_options {
  std::filesystem::path certificate_file;  // this node's certificate (and its chain), for both roles
  std::filesystem::path key_file;          // its private key (unencrypted)
  std::filesystem::path ca_file;           // the CA certificates a peer's certificate must chain to (may
                                           // be empty when verify_peer is off)
  // On: a peer must present a certificate that chains to ca_file (accepted connections refuse a
  // peer without one), and a node this node connects to must have one naming the host part of its
  // node name. Off: certificates are not checked (encryption only).
  bool verify_peer = true;
};

struct options {
  // "alive@host", or "alive" to take the host from this machine (as -name / -sname do).
  std::string name;
  name_kind names = name_kind::longnames;
  // The cookie (-setcookie). When unset, `cookie_file` is read, and created with a random cookie
  // (mode 0400) when missing; a cookie file others may read is refused.
  std::optional<std::string> cookie;
  std::optional<std::filesystem::path> cookie_file;  // default $HOME/.erlang.cookie
  // A hidden node (-hidden): its connections stay out of nodes() on both sides.
  bool hidden = false;
  // connect_all (-connect_all false to turn it off): `global` takes part in the protocol with
  // every visible node that connects, and connects to the nodes they know of, so the cluster
  // stays fully connected (docs/distribution.md#global). Off: global ignores new connections.
  bool connect_all = true;
  // net_ticktime: a tick goes out every quarter of it when nothing else did, and a connection
  // from which nothing arrived for about this long is dropped. Erlang's default: 60 s.
  std::chrono::milliseconds net_ticktime{60000};
  // net_setuptime: how long a handshake may take.
  std::chrono::milliseconds setup_time{7000};
  // Incoming handshakes under way at once, in all and from one IP address. When a new connection
  // would go over a cap, the oldest pending handshake (from that address, or of all) is closed to
  // make room, so stalled connections cannot keep a real peer out.
  std::size_t max_pending_handshakes = 64;
  std::size_t max_pending_handshakes_per_address = 16;
  // The largest message (a distribution frame, in bytes on the wire) this node takes from a peer.
  // A longer one is read past without being kept, dropped and logged with its sender; the
  // connection and everything else on it stay up. A message decodes to a few times its wire size.
  std::size_t max_message_size = 64u << 20;
  // The port to listen on; 0 lets the OS choose (inet_dist_listen_min/max unset).
  std::uint16_t port = 0;
  // EPMD's port (ERL_EPMD_PORT when set, else 4369).
  std::optional<std::uint16_t> epmd_port;
  // Distribution over TLS (erl -proto_dist inet_tls) when set; plain TCP when not. See tls_options.
  std::optional<tls_options> tls;
};

// Why `start` could not make this a node: bad name, cookie file refused, EPMD unreachable, name
// already registered, ...
class start_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// net_kernel:start. Throws start_error; throws std::logic_error when already alive or no runtime
// runs.
void start(const options& opts);
// net_kernel:stop: closes every connection (links and monitors across them fire with
// noconnection), unregisters from EPMD; the node is nonode@nohost again. Does nothing when not alive.
void stop();

bool alive();
// node(): this node's name, nonode@nohost when not alive.
atom name();
// erlang:get_cookie() (the empty string when not alive).
std::string cookie();

enum class node_set { visible, hidden, connected };
// nodes(), nodes(hidden), nodes(connected): the nodes connected now.
std::vector<atom> nodes(node_set which = node_set::visible);

// A connection to another node as the observer's metrics show it: bytes written to and read from
// its socket since it was set up (per write and per read: no count on the message path).
struct connection_statistics {
  atom node;
  bool hidden = false;
  std::uint64_t bytes_sent = 0;
  std::uint64_t bytes_received = 0;
};
// Every connection that is up now.
std::vector<connection_statistics> connections();

// net_adm:ping: pong when a connection could be set up and the node answers is_auth, else pang.
atom ping(atom node);
// net_kernel:connect_node: true when connected (now or already).
bool connect(atom node);
// Why this node's last attempt to connect to `node` failed, in words (the reason its log line gave),
// e.g. "handshake timed out (net_setuptime)", or node::cookie_refused when the peer hung up after
// our digest, as a node does on a wrong cookie; empty when no attempt failed.
std::string last_connect_failure(atom node);
inline constexpr std::string_view cookie_refused =
    "the peer closed the connection after our challenge reply: it refused our cookie";
// erlang:disconnect_node: true when a connection was closed.
bool disconnect(atom node);

// (process) erlang:monitor_node(Node, true|false): {nodedown, Node} comes when the connection goes
// down, or at once when it cannot be set up. Each `true` needs its own `false` or nodedown.
void monitor_node(atom node, bool on);
// (process) net_kernel:monitor_nodes(true|false): {nodeup, Node} and {nodedown, Node} for every
// visible node, and for hidden ones too when `include_hidden`.
void monitor_nodes(bool on, bool include_hidden = false);

// nl(Module): the bytes of the module's current version (its file; else the file load_file would
// load) go to every visible connected node, which stores them in its code path and loads them with
// purge-first semantics (code::load_binary). Unlike Erlang's fire-and-forget nl, every node's
// answer comes back, in nodes() order: {module, Module} or {error, Reason} from that node's code
// server, or {badrpc, Reason} when it did not answer (noproc: not an otp-cpp node; nodedown;
// timeout). Throws badarg when the module has no file here.
struct nl_result {
  atom node = atoms::undefined;
  term result;
};
std::vector<nl_result> nl(atom module, milliseconds timeout = milliseconds(30000));
// The same with given bytes and nodes (nl is code_push(M, File, Bytes, nodes())).
std::vector<nl_result> code_push(atom module, const std::filesystem::path& file, const std::string& bytes,
                                 const std::vector<atom>& to, milliseconds timeout = milliseconds(30000));

// The cookie in `file` (first line), creating the file with a random cookie and mode 0400 when it
// is missing; throws start_error when the file is readable by others or holds no cookie.
std::string read_cookie_file(const std::filesystem::path& file);

}  // namespace otp::node
