// The form module's failure codes (codes.def), registered in the catalogue.
#define CERTWIZ_MODULE "form"
#define CERTWIZ_MODULE_RANK 80
#define CERTWIZ_CODES_DEF "checks/form/codes.def"
#include "checks/core/module_codes.h"
