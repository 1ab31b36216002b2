// Fallback for systems without mmap/termios (untested here): plain heap memory and
// no echo control, so a terminal prompt is refused and --pin-stdin must be used.
#include <new>

#include "checks/core/secret.h"
#include "checks/core/secret_platform.h"

namespace certwiz {
namespace detail {
char* secret_alloc(size_t size) { return new char[size](); }
void secret_free(char* p, size_t) { delete[] p; }
}  // namespace detail

void protect_process_from_dumps() {}

bool read_secret_from_terminal(std::string_view, Secret&) { return false; }

}  // namespace certwiz
