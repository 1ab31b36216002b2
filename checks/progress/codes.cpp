// The progress module's failure codes (codes.def), registered in the catalogue.
#define CERTWIZ_MODULE "progress"
#define CERTWIZ_MODULE_RANK 110
#define CERTWIZ_CODES_DEF "checks/progress/codes.def"
#include "checks/core/module_codes.h"
