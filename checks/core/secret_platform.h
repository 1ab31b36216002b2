#pragma once
// Platform half of Secret (secret_linux.cpp or secret_generic.cpp with secret_posix.cpp;
// secret_win.cpp).
#include <cstddef>

namespace certwiz::detail {
char* secret_alloc(size_t size);            // zeroed, locked, excluded from dumps where possible
void secret_free(char* p, size_t size);     // caller has wiped it
// Zeroes `size` bytes in a way the compiler may not drop (explicit_bzero, SecureZeroMemory).
void secret_wipe(void* p, size_t size);
// Reads one byte from a file descriptor, retrying when interrupted: 1 read, 0 end of input, -1 error.
int read_fd_byte(int fd, char& c);
}  // namespace certwiz::detail
