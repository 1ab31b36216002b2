// The card module's failure codes (codes.def), registered in the catalogue.
#define CERTWIZ_MODULE "card"
#define CERTWIZ_MODULE_RANK 20
#define CERTWIZ_CODES_DEF "checks/card/codes.def"
#include "checks/core/module_codes.h"
