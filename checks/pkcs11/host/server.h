#pragma once
// The module host's request loop: loads one PKCS#11 module and answers requests on `fd`
// until the parent says "finalize" or goes away. Every PKCS#11 call it makes is timed
// and reported back with the answer.
namespace certwiz::pkcs11::host {

int serve(int fd);

}  // namespace certwiz::pkcs11::host
