// A shared library that is not an otp-cpp module: it exports no descriptor.
extern "C" __attribute__((visibility("default"))) int plain_library_answer() { return 42; }
