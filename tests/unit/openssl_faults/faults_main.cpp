// gtest main for test_openssl_faults: OpenSSL's allocation functions must be replaced
// before its first allocation, so before anything else runs.
#include <gtest/gtest.h>
#include <openssl/crypto.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>

#include "tests/unit/openssl_faults/openssl_faults.h"

namespace certwiz::testing {
namespace {
std::atomic<long> g_left{-1};  // < 0: never fail
std::atomic<long> g_refused{0};

bool refuse() {
  long left = g_left.load();
  while (left > 0 && !g_left.compare_exchange_weak(left, left - 1)) {
  }
  if (left != 0) return false;
  ++g_refused;
  return true;
}

void* fault_malloc(size_t n, const char*, int) { return refuse() ? nullptr : std::malloc(n); }
void* fault_realloc(void* p, size_t n, const char*, int) { return n > 0 && refuse() ? nullptr : std::realloc(p, n); }
void fault_free(void* p, const char*, int) { std::free(p); }
}  // namespace

void arm_openssl_allocation_failure(long succeed_first) {
  g_refused = 0;
  g_left = succeed_first;
}
void disarm_openssl_allocation_failure() { g_left = -1; }
long openssl_allocations_refused() { return g_refused.load(); }

}  // namespace certwiz::testing

int main(int argc, char** argv) {
  using namespace certwiz::testing;
  if (CRYPTO_set_mem_functions(fault_malloc, fault_realloc, fault_free) != 1) {
    std::fprintf(stderr, "CRYPTO_set_mem_functions failed: OpenSSL allocated before main\n");
    return 2;
  }
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
