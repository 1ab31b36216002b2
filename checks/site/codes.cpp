// The site module's failure codes (codes.def), registered in the catalogue.
#define CERTWIZ_MODULE "site"
#define CERTWIZ_MODULE_RANK 70
#define CERTWIZ_CODES_DEF "checks/site/codes.def"
#include "checks/core/module_codes.h"
