// framing — distribution frames after the handshake.
//
// On the wire a frame is a 4-byte big-endian length and a payload; length 0 is a tick. Without the
// atom cache a payload is 'p' (112), 131, Control, and for messages 131, Message.
//
// `frame_splitter` cuts a byte stream into payloads. A frame longer than the message limit is read
// past without being kept: only its first bytes (enough for its control message) are handed on,
// marked dropped, so one oversized message costs its connection nothing but the time to read it.
// The buffer grows with the bytes that arrive (doubling at most), never ahead of them to the
// length a frame announces. `encode_frame` appends one whole frame; `decode_payload` decodes one
// payload and throws frame_error for anything malformed: a wrong tag, a control that is not a tuple
// starting with an integer, bytes after the message, or a control that does not decode. A message
// that does not decode is reported in the frame instead (`undecodable_message`), for the caller to
// drop: one term costs its message, never the connection.
// Not thread-safe: a splitter belongs to one connection's reader.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "otp/term.hpp"

namespace otp::detail::dist {

struct frame_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Appends 4-byte length, 'p', 131, control and, when given, 131, message.
void encode_frame(std::string& out, const term& control, const term* message);
inline constexpr std::string_view tick_frame{"\0\0\0\0", 4};

struct control_frame {
  term control;                   // a tuple; element 0 is the operation
  std::optional<term> message;    // the payload term of SEND, REG_SEND, ...
  std::size_t message_bytes = 0;  // its size in the frame
  // Set when the message is well framed but holds a term this node cannot hold (an integer beyond
  // 64 bits, a bitstring, a fun, ...): why. `message` is then empty; the message alone is dropped.
  std::string undecodable_message;
  std::int64_t op() const { return control[0].as_int(); }
};
control_frame decode_payload(std::string_view payload);

// One frame cut from the stream: its payload (empty for a tick), or for a frame over the limit
// (`dropped`) the first bytes of its payload and its whole length.
struct split_frame {
  std::string_view payload;
  std::size_t length = 0;
  bool dropped = false;
};

class frame_splitter {
 public:
  // How much of a dropped frame is kept: a control message is a few hundred bytes.
  static constexpr std::size_t dropped_prefix_size = 4096;

  explicit frame_splitter(std::size_t max_message_size) : max_(max_message_size) {}

  // Room for at least `n` more bytes (more when the buffer has it); write into it, then commit what
  // was written.
  char* prepare(std::size_t n);
  std::size_t capacity() const noexcept { return buffer_.size() - end_; }
  void commit(std::size_t n) noexcept { end_ += n; }

  // The next complete frame, valid until the next call; nullopt when more bytes are needed.
  std::optional<split_frame> next();

 private:
  std::size_t max_;
  std::string dropped_prefix_;      // of the frame being read past
  std::size_t dropped_length_ = 0;  // its whole payload length
  std::size_t dropped_left_ = 0;    // its bytes still to read past
  std::vector<char> buffer_ = std::vector<char>(64 * 1024);
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
  std::size_t frame_bytes_ = 0;  // header and payload of the frame being read, from begin_; 0: unknown
};

}  // namespace otp::detail::dist
