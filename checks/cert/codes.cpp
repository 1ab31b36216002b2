// The cert module's failure codes (codes.def), registered in the catalogue.
#define CERTWIZ_MODULE "cert"
#define CERTWIZ_MODULE_RANK 40
#define CERTWIZ_CODES_DEF "checks/cert/codes.def"
#include "checks/core/module_codes.h"
