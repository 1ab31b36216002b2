#pragma once
// PKCS#11's types as the platform's modules are built. Windows modules (HiCOSPKCS11.dll)
// pack every Cryptoki structure to 1 byte (PKCS#11 v2.40, section 2.1); the build sets
// CERTWIZ_CRYPTOKI_PACKED for Windows targets so the host reads their CK_INFO and
// CK_TOKEN_INFO at the right offsets. Include this, never <p11-kit/pkcs11.h> directly.
#ifdef CERTWIZ_CRYPTOKI_PACKED
#pragma pack(push, cryptoki, 1)
#endif
#include <p11-kit/pkcs11.h>
#ifdef CERTWIZ_CRYPTOKI_PACKED
#pragma pack(pop, cryptoki)
#endif
