#pragma once
// Allocation failures on demand for OpenSSL: faults_main.cpp installs counting allocation
// functions before OpenSSL allocates anything. Once armed with k, the first k allocations
// succeed and every later one fails (memory stays exhausted), until disarmed.
namespace certwiz::testing {

void arm_openssl_allocation_failure(long succeed_first);
void disarm_openssl_allocation_failure();
// Allocations refused since the last arm().
long openssl_allocations_refused();

}  // namespace certwiz::testing
