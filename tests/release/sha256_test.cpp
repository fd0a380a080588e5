// SHA-256 against the FIPS 180-4 / NIST vectors, the padding boundaries (values from a reference
// implementation), incremental updates, and files.
#include "otp/sha256.hpp"

#include <gtest/gtest.h>

#include <string>

#include "release_test_support.hpp"

namespace {

using otp::release::sha256;
using otp::release::sha256_file_hex;
using otp::release::sha256_hex;

std::string bytes_0_to(std::size_t n) {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s.push_back(static_cast<char>(i));
  return s;
}

TEST(Sha256, KnownVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(
      sha256_hex("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrs"
                 "mnopqrstnopqrstu"),
      "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
  EXPECT_EQ(sha256_hex(std::string(1000000, 'a')), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, PaddingBoundaries) {
  EXPECT_EQ(sha256_hex(bytes_0_to(55)), "463eb28e72f82e0a96c0a4cc53690c571281131f672aa229e0d45ae59b598b59");
  EXPECT_EQ(sha256_hex(bytes_0_to(56)), "da2ae4d6b36748f2a318f23e7ab1dfdf45acdc9d049bd80e59de82a60895f562");
  EXPECT_EQ(sha256_hex(bytes_0_to(63)), "29af2686fd53374a36b0846694cc342177e428d1647515f078784d69cdb9e488");
  EXPECT_EQ(sha256_hex(bytes_0_to(64)), "fdeab9acf3710362bd2658cdc9a29e8f9c757fcf9811603a8c447cd1d9151108");
  EXPECT_EQ(sha256_hex(bytes_0_to(119)), "da18797ed7c3a777f0847f429724a2d8cd5138e6ed2895c3fa1a6d39d18f7ec6");
  EXPECT_EQ(sha256_hex(bytes_0_to(120)), "f52b23db1fbb6ded89ef42a23ce0c8922c45f25c50b568a93bf1c075420bbb7c");
}

TEST(Sha256, IncrementalUpdatesGiveTheSameDigest) {
  const std::string data = bytes_0_to(200) + std::string(300, 'x');
  const std::string whole = sha256_hex(data);
  for (std::size_t chunk : {1u, 3u, 7u, 55u, 63u, 64u, 65u, 128u, 199u}) {
    sha256 h;
    for (std::size_t i = 0; i < data.size(); i += chunk) h.update(std::string_view(data).substr(i, chunk));
    EXPECT_EQ(sha256::to_hex(h.finish()), whole) << "chunk " << chunk;
  }
}

TEST(Sha256, Files) {
  rel_test::temp_dir dir;
  rel_test::write_file(dir.path() / "abc.txt", "abc");
  EXPECT_EQ(sha256_file_hex(dir.path() / "abc.txt"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  rel_test::write_file(dir.path() / "big.bin", std::string(1000000, 'a'));
  EXPECT_EQ(sha256_file_hex(dir.path() / "big.bin"),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  EXPECT_THROW(sha256_file_hex(dir.path() / "missing.so"), std::runtime_error);
}

}  // namespace
