// One module's failure codes, registered in the catalogue: the body of every module's
// codes.cpp, which defines CERTWIZ_MODULE ("pcsc"), CERTWIZ_MODULE_RANK (its section's
// place in the catalogue, checks/core/code_table.h) and CERTWIZ_CODES_DEF (the path of its
// codes.def) and then includes this file, once. No include guard: it defines, it does
// not declare.
#include "checks/core/code_table.h"

namespace certwiz {
namespace {
#define CERTWIZ_CODE(code, severity, cause_zh, cause_en, remedy_zh, remedy_en) \
  FailureCode{code, CERTWIZ_MODULE, Severity::severity, cause_zh, cause_en, remedy_zh, remedy_en},
constexpr FailureCode kModuleCodes[] = {
#include CERTWIZ_CODES_DEF
};
#undef CERTWIZ_CODE
const CodeTableRegistration kModuleCodesRegistration({CERTWIZ_MODULE, CERTWIZ_MODULE_RANK, kModuleCodes});
}  // namespace
}  // namespace certwiz
