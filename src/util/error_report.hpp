#pragma once
// The error tail shared by both quintet binaries (the full CLI and the core build, which has no CLI11).
#include <functional>

namespace quintet {

// Runs `body` and returns its exit code. What it throws becomes one line on stderr:
//   quintet::Error (UsageError, FormatError, IoError)  "quintet: error: WHAT"           exit 2
//   any other std::exception (e.g. from LibTorch)      "quintet: internal error: WHAT"  exit 1
//   anything else                                      "quintet: internal error: unknown exception"  exit 1
int run_reporting_errors(const std::function<int()>& body);

}  // namespace quintet
