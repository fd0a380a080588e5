// Fuzz target: the distribution frames that follow the handshake — frame_splitter cutting a byte
// stream into payloads, and decode_payload on each non-tick payload (control and message in ETF).
// The first input byte is the size of the chunks the stream arrives in (1..256), the rest the stream.
// Invariants: the splitter hands out every byte it was given once, as whole frames (a frame over the
// message limit as its first bytes, marked dropped); a payload that decodes re-encodes
// (encode_frame) to a frame that splits and decodes to equal terms.
// Anything else than a frame_error is a crash.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "dist/framing.hpp"
#include "fuzz_check.hpp"

namespace {

namespace dist = otp::detail::dist;

constexpr std::size_t max_frame_size = 1 << 16;

void check_round_trip(const dist::control_frame& frame) {
  std::string wire;
  dist::encode_frame(wire, frame.control, frame.message ? &*frame.message : nullptr);
  dist::frame_splitter splitter(wire.size());
  std::memcpy(splitter.prepare(wire.size()), wire.data(), wire.size());
  splitter.commit(wire.size());
  const std::optional<dist::split_frame> split = splitter.next();
  otp::fuzz::require(split && !split->dropped && split->payload.size() + 4 == wire.size(),
                     "an encoded frame splits whole");
  const dist::control_frame again = dist::decode_payload(split->payload);
  otp::fuzz::require(again.control == frame.control, "control round-trips");
  otp::fuzz::require(again.message == frame.message, "message round-trips");
}

void decode(std::string_view payload) {
  if (payload.empty()) return;  // a tick
  dist::control_frame frame;
  try {
    frame = dist::decode_payload(payload);
  } catch (const dist::frame_error&) {
    return;
  }
  check_round_trip(frame);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t chunk = std::size_t{data[0]} + 1;
  const std::string_view stream = otp::fuzz::bytes_of(data + 1, size - 1);
  dist::frame_splitter splitter(max_frame_size);
  std::size_t handed_out = 0;
  for (std::size_t at = 0; at < stream.size(); at += chunk) {
    const std::size_t n = std::min(chunk, stream.size() - at);
    std::memcpy(splitter.prepare(n), stream.data() + at, n);
    splitter.commit(n);
    while (const std::optional<dist::split_frame> frame = splitter.next()) {
      otp::fuzz::require(frame->dropped == (frame->length > max_frame_size), "only frames over the limit are dropped");
      otp::fuzz::require(frame->dropped ? frame->payload.size() <= dist::frame_splitter::dropped_prefix_size
                                        : frame->payload.size() == frame->length,
                         "a kept frame is whole, a dropped one its first bytes");
      otp::fuzz::require(stream.substr(handed_out + 4, frame->payload.size()) == frame->payload,
                         "the bytes handed out are the stream's");
      handed_out += 4 + frame->length;
      if (!frame->dropped) decode(frame->payload);
    }
  }
  // What is left is an incomplete frame: less than a header, or less than the header announces.
  otp::fuzz::require(handed_out <= stream.size(), "the splitter hands out only bytes it was given");
  const std::string_view rest = stream.substr(handed_out);
  if (rest.size() >= 4) {
    const auto* p = reinterpret_cast<const unsigned char*>(rest.data());
    const std::size_t length = (std::size_t{p[0]} << 24) | (std::size_t{p[1]} << 16) | (std::size_t{p[2]} << 8) | p[3];
    otp::fuzz::require(rest.size() - 4 < length, "the splitter hands out every complete frame");
  }
  return 0;
}
