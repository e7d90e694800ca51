// Linked into every system test executable: the tests compare trainings bit for bit, and floating-point sums
// depend on the thread count, which the adaptive rule (nn/runtime.hpp) may change between epochs while other
// tests run beside them. A count set from outside wins (setenv does not overwrite).
#include <cstdlib>

namespace {
const bool pinned = [] { return ::setenv("QUINTET_THREADS", "2", 0) == 0; }();
}  // namespace
