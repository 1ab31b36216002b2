// The localsign module's failure codes (codes.def), registered in the catalogue.
#define CERTWIZ_MODULE "localsign"
#define CERTWIZ_MODULE_RANK 60
#define CERTWIZ_CODES_DEF "checks/localsign/codes.def"
#include "checks/core/module_codes.h"
