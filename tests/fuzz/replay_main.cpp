// replay_main — runs a fuzz target's LLVMFuzzerTestOneInput once on every file of the directories
// (or on the files) named on the command line, without libFuzzer: the corpus as a regression test.
// A crash or an escaping exception fails the program; so does a directory with no input in it.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

std::vector<std::filesystem::path> inputs_of(const std::filesystem::path& argument) {
  if (!std::filesystem::is_directory(argument)) return {argument};
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(argument))
    if (entry.is_regular_file()) files.push_back(entry.path());
  return files;
}

void run_one(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + file.string());
  const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  // A copy of exactly the input's size, so that a read past its end is a sanitizer's report.
  const std::vector<std::uint8_t> data(bytes.begin(), bytes.end());
  LLVMFuzzerTestOneInput(data.data(), data.size());
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t count = 0;
  for (int i = 1; i < argc; ++i) {
    const auto files = inputs_of(argv[i]);
    if (files.empty()) {
      std::cerr << "replay: no input in " << argv[i] << "\n";
      return 1;
    }
    for (const auto& file : files) {
      std::cout << "replay: " << file.string() << std::endl;  // the last one named is the culprit of a crash
      run_one(file);
      ++count;
    }
  }
  std::cout << "replay: " << count << " inputs, no crash\n";
  return count == 0 ? 1 : 0;
}
