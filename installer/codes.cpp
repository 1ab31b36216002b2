// The installer module's failure codes (codes.def), registered in the catalogue.
#define CERTWIZ_MODULE "installer"
#define CERTWIZ_MODULE_RANK 120
#define CERTWIZ_CODES_DEF "installer/codes.def"
#include "checks/core/module_codes.h"
