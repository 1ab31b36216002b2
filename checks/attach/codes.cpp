// The attach module's failure codes (codes.def), registered in the catalogue.
#define CERTWIZ_MODULE "attach"
#define CERTWIZ_MODULE_RANK 90
#define CERTWIZ_CODES_DEF "checks/attach/codes.def"
#include "checks/core/module_codes.h"
