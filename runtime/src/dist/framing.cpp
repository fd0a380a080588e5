#include "dist/framing.hpp"

#include <algorithm>
#include <cstring>

#include "otp/external_format.hpp"
#include "otp/term_text.hpp"
#include "terms/big_endian.hpp"

namespace otp::detail::dist {

void encode_frame(std::string& out, const term& control, const term* message) {
  const std::size_t start = out.size();
  out.append(4, '\0');
  out.push_back('p');
  out.push_back(static_cast<char>(etf::version_magic));
  const etf::encode_options utf8{.atoms = etf::atom_encoding::utf8};
  etf::encode_append(out, control, utf8);
  if (message != nullptr) {
    out.push_back(static_cast<char>(etf::version_magic));
    etf::encode_append(out, *message, utf8);
  }
  const std::size_t length = out.size() - start - 4;
  for (int i = 0; i < 4; ++i) out[start + static_cast<std::size_t>(i)] = static_cast<char>(length >> (24 - 8 * i));
}

control_frame decode_payload(std::string_view payload) {
  if (payload.size() < 3 || payload[0] != 'p')
    throw frame_error("not a pass-through frame (tag " +
                      std::to_string(payload.empty() ? -1 : static_cast<unsigned char>(payload[0])) + ")");
  if (static_cast<unsigned char>(payload[1]) != etf::version_magic) throw frame_error("control without version byte");
  control_frame frame;
  std::size_t at = 2;
  try {
    frame.control = etf::decode_one(payload, at);
    if (at < payload.size()) {
      if (static_cast<unsigned char>(payload[at]) != etf::version_magic)
        throw frame_error("message without version byte at byte " + std::to_string(at));
      ++at;
      frame.message_bytes = payload.size() - at;
      try {
        frame.message = etf::decode_one(payload, at);
      } catch (const etf::decode_error& e) {
        // The frame's length bounds the message: the stream stays in step without it.
        frame.undecodable_message = e.what();
        at = payload.size();
      }
      if (at != payload.size()) throw frame_error(std::to_string(payload.size() - at) + " bytes after the message");
    }
  } catch (const etf::decode_error& e) {
    throw frame_error(e.what());
  }
  if (!frame.control.is_tuple() || frame.control.size() < 2 || !frame.control[0].is_integer())
    throw frame_error("control message is not {Op, ...}: " + to_string(frame.control, report_limits));
  return frame;
}

char* frame_splitter::prepare(std::size_t n) {
  if (buffer_.size() - end_ >= n) return buffer_.data() + end_;
  // Move what is left to the front, then grow if that is not enough.
  if (begin_ > 0) {
    std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (buffer_.size() - end_ < n) {
    // Double at most, and never past the frame being read: the buffer follows the bytes that
    // arrived, not the length a peer announced.
    const std::size_t needed = end_ + n;
    std::size_t size = std::max(needed, 2 * buffer_.size());
    if (frame_bytes_ != 0) size = std::max(needed, std::min(size, frame_bytes_));
    buffer_.resize(size);
  }
  return buffer_.data() + end_;
}

std::optional<split_frame> frame_splitter::next() {
  if (dropped_left_ > 0) {
    const std::size_t n = std::min(end_ - begin_, dropped_left_);
    begin_ += n;
    dropped_left_ -= n;
    if (begin_ == end_) begin_ = end_ = 0;
    if (dropped_left_ > 0) return std::nullopt;
    return split_frame{dropped_prefix_, dropped_length_, true};
  }
  const std::size_t available = end_ - begin_;
  if (available < 4) {
    if (available == 0) begin_ = end_ = 0;
    return std::nullopt;
  }
  const std::size_t length = detail::get_big_endian(std::string_view(buffer_.data() + begin_, 4), 0, 4);
  if (length > max_) {
    // Keep the first bytes (the control message says who sent it), read past the rest.
    const std::size_t keep = std::min(length, dropped_prefix_size);
    if (available - 4 < keep) {
      frame_bytes_ = keep + 4;
      return std::nullopt;
    }
    dropped_prefix_.assign(buffer_.data() + begin_ + 4, keep);
    dropped_length_ = length;
    dropped_left_ = length - keep;
    begin_ += 4 + keep;
    frame_bytes_ = 0;
    if (dropped_left_ > 0) return next();
    return split_frame{dropped_prefix_, dropped_length_, true};
  }
  if (available - 4 < length) {
    frame_bytes_ = length + 4;
    return std::nullopt;
  }
  std::string_view payload(buffer_.data() + begin_ + 4, length);
  begin_ += 4 + length;
  frame_bytes_ = 0;
  return split_frame{payload, length, false};
}

}  // namespace otp::detail::dist
