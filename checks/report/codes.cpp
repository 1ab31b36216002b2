// The report module's failure codes (codes.def), registered in the catalogue.
#define CERTWIZ_MODULE "report"
#define CERTWIZ_MODULE_RANK 100
#define CERTWIZ_CODES_DEF "checks/report/codes.def"
#include "checks/core/module_codes.h"
