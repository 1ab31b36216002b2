#pragma once
// The module host's request loop: loads one PKCS#11 module and answers requests on `channel`
// until the parent says "finalize" or goes away. Every PKCS#11 call it makes is timed
// and reported back with the answer.
#include "checks/pkcs11/protocol.h"

namespace certwiz::pkcs11::host {

int serve(const wire::Channel& channel);

}  // namespace certwiz::pkcs11::host
