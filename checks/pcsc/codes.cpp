// The pcsc module's failure codes (codes.def), registered in the catalogue.
#define CERTWIZ_MODULE "pcsc"
#define CERTWIZ_MODULE_RANK 10
#define CERTWIZ_CODES_DEF "checks/pcsc/codes.def"
#include "checks/core/module_codes.h"
