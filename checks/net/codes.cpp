// The net module's failure codes (codes.def), registered in the catalogue.
#define CERTWIZ_MODULE "net"
#define CERTWIZ_MODULE_RANK 50
#define CERTWIZ_CODES_DEF "checks/net/codes.def"
#include "checks/core/module_codes.h"
