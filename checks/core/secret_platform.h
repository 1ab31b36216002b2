#pragma once
// Platform half of Secret (secret_linux.cpp / secret_generic.cpp).
#include <cstddef>

namespace certwiz::detail {
char* secret_alloc(size_t size);            // zeroed, locked, excluded from dumps where possible
void secret_free(char* p, size_t size);     // caller has wiped it
}  // namespace certwiz::detail
