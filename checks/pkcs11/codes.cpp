// The pkcs11 module's failure codes (codes.def), registered in the catalogue.
#define CERTWIZ_MODULE "pkcs11"
#define CERTWIZ_MODULE_RANK 30
#define CERTWIZ_CODES_DEF "checks/pkcs11/codes.def"
#include "checks/core/module_codes.h"
