// A deliberately broken PKCS#11 module for the module host's tests. C_Initialize
// succeeds; C_GetInfo does what FAULT_MODULE_MODE says: "crash" (SIGSEGV), "abort",
// "hang", "exit" or anything else (a normal answer). Everything else is missing.
#include <p11-kit/pkcs11.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

CK_RV initialize(void*) { return CKR_OK; }
CK_RV finalize(void*) { return CKR_OK; }

CK_RV get_info(CK_INFO* info) {
  const char* m = std::getenv("FAULT_MODULE_MODE");
  const std::string mode = m ? m : "";
  if (mode == "crash") std::raise(SIGSEGV);
  if (mode == "abort") std::abort();
  if (mode == "exit") std::_Exit(3);
  if (mode == "hang")
    for (;;) pause();
  std::memset(info, ' ', sizeof *info);
  info->cryptokiVersion = {2, 40};
  info->libraryVersion = {9, 1};
  info->flags = 0;
  std::memcpy(info->manufacturerID, "CertWiz tests", 13);
  std::memcpy(info->libraryDescription, "fault module", 12);
  return CKR_OK;
}

CK_RV get_slot_list(unsigned char, CK_SLOT_ID*, unsigned long* count) {
  *count = 0;
  return CKR_OK;
}

CK_FUNCTION_LIST make_list() {
  CK_FUNCTION_LIST l;
  std::memset(&l, 0, sizeof l);
  l.version = {2, 40};
  l.C_Initialize = initialize;
  l.C_Finalize = finalize;
  l.C_GetInfo = get_info;
  l.C_GetSlotList = get_slot_list;
  return l;
}

CK_FUNCTION_LIST g_list = make_list();

}  // namespace

extern "C" __attribute__((visibility("default"))) CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR out) {
  *out = &g_list;
  return CKR_OK;
}
