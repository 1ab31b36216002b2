// A card-like and deliberately broken PKCS#11 module for the module host's tests under
// Wine, built with MinGW as a Windows DLL (the POSIX suite's tests/unit/pkcs11/
// fault_module.cpp, plus what a card does with a PIN). One slot with a HiCOS-like token
// whose PIN is "123456"; 3 tries, CKF_USER_PIN_COUNT_LOW / FINAL_TRY / LOCKED as a card
// sets them. FAULT_MODULE_MODE picks the fault, in C_GetInfo: "crash" (access
// violation), "abort", "hang", "exit" (exit code 7); "removed": the card is pulled, every
// token call answers CKR_DEVICE_REMOVED. FAULT_MODULE_TRIES sets the tries left at load.
#define CRYPTOKI_EXPORTS  // this DLL exports C_GetFunctionList (CK_SPEC is dllexport)
#include <windows.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>

#include "checks/pkcs11/cryptoki.h"

namespace {

constexpr char kPin[] = "123456";
constexpr CK_SESSION_HANDLE kSession = 7;

int g_tries = 3;
bool g_logged_in = false;
bool g_session_open = false;

std::string env(const char* name) {
  char buf[64] = {0};
  const DWORD n = GetEnvironmentVariableA(name, buf, sizeof buf);
  return n > 0 && n < sizeof buf ? std::string(buf, n) : std::string();
}

bool removed() { return env("FAULT_MODULE_MODE") == "removed"; }

template <size_t N>
void pad(unsigned char (&field)[N], const char* text) {
  std::memset(field, ' ', N);
  std::memcpy(field, text, std::min(N, std::strlen(text)));
}

CK_RV initialize(void*) {
  const std::string t = env("FAULT_MODULE_TRIES");
  if (!t.empty()) g_tries = std::atoi(t.c_str());
  return CKR_OK;
}
CK_RV finalize(void*) { return CKR_OK; }

CK_RV get_info(CK_INFO* info) {
  const std::string mode = env("FAULT_MODULE_MODE");
  if (mode == "crash") *static_cast<volatile int*>(nullptr) = 1;
  if (mode == "abort") std::abort();
  if (mode == "exit") std::_Exit(7);
  if (mode == "hang")
    for (;;) Sleep(1000);
  std::memset(info, 0, sizeof *info);
  info->cryptokiVersion = {2, 40};
  info->libraryVersion = {9, 1};
  pad(info->manufacturerID, "CertWiz tests");
  pad(info->libraryDescription, "fault module");
  return CKR_OK;
}

CK_RV get_slot_list(CK_BBOOL, CK_SLOT_ID* list, CK_ULONG* count) {
  if (list && *count < 1) {
    *count = 1;
    return CKR_BUFFER_TOO_SMALL;
  }
  if (list) list[0] = 1;
  *count = 1;
  return CKR_OK;
}

CK_RV get_slot_info(CK_SLOT_ID slot, CK_SLOT_INFO* info) {
  if (slot != 1) return CKR_SLOT_ID_INVALID;
  std::memset(info, 0, sizeof *info);
  pad(info->slotDescription, "Wine Virtual Reader 0");
  pad(info->manufacturerID, "CertWiz tests");
  info->flags = CKF_REMOVABLE_DEVICE | CKF_HW_SLOT | (removed() ? 0 : CKF_TOKEN_PRESENT);
  return CKR_OK;
}

CK_RV get_token_info(CK_SLOT_ID slot, CK_TOKEN_INFO* info) {
  if (slot != 1) return CKR_SLOT_ID_INVALID;
  if (removed()) return CKR_DEVICE_REMOVED;
  std::memset(info, 0, sizeof *info);
  pad(info->label, "HiCOS PKI Smart Card");
  pad(info->manufacturerID, "Chunghwa TeleCom Co., Ltd.");
  pad(info->model, "fault module");
  pad(info->serialNumber, "WINE0000000001");
  info->flags = CKF_LOGIN_REQUIRED | CKF_USER_PIN_INITIALIZED | CKF_TOKEN_INITIALIZED;
  if (g_tries <= 0) info->flags |= CKF_USER_PIN_LOCKED;
  else if (g_tries == 1) info->flags |= CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_COUNT_LOW;
  else if (g_tries < 3) info->flags |= CKF_USER_PIN_COUNT_LOW;
  info->ulMinPinLen = 6;
  info->ulMaxPinLen = 8;
  info->ulMaxSessionCount = CK_EFFECTIVELY_INFINITE;
  info->ulMaxRwSessionCount = CK_EFFECTIVELY_INFINITE;
  info->ulTotalPublicMemory = CK_UNAVAILABLE_INFORMATION;
  info->ulFreePublicMemory = CK_UNAVAILABLE_INFORMATION;
  info->ulTotalPrivateMemory = CK_UNAVAILABLE_INFORMATION;
  info->ulFreePrivateMemory = CK_UNAVAILABLE_INFORMATION;
  return CKR_OK;
}

CK_RV open_session(CK_SLOT_ID slot, CK_FLAGS, void*, CK_NOTIFY, CK_SESSION_HANDLE* out) {
  if (slot != 1) return CKR_SLOT_ID_INVALID;
  if (removed()) return CKR_DEVICE_REMOVED;
  g_session_open = true;
  *out = kSession;
  return CKR_OK;
}

CK_RV close_session(CK_SESSION_HANDLE h) {
  if (h != kSession || !g_session_open) return CKR_SESSION_HANDLE_INVALID;
  g_session_open = false;
  g_logged_in = false;
  return CKR_OK;
}

CK_RV login(CK_SESSION_HANDLE h, CK_USER_TYPE user, CK_UTF8CHAR* pin, CK_ULONG len) {
  if (h != kSession || !g_session_open) return CKR_SESSION_HANDLE_INVALID;
  if (removed()) return CKR_DEVICE_REMOVED;
  if (user != CKU_USER) return CKR_USER_TYPE_INVALID;
  if (g_tries <= 0) return CKR_PIN_LOCKED;
  if (len != std::strlen(kPin) || std::memcmp(pin, kPin, len) != 0) {
    --g_tries;
    return g_tries <= 0 ? CKR_PIN_LOCKED : CKR_PIN_INCORRECT;
  }
  g_tries = 3;
  g_logged_in = true;
  return CKR_OK;
}

CK_RV logout(CK_SESSION_HANDLE h) {
  if (h != kSession || !g_logged_in) return CKR_USER_NOT_LOGGED_IN;
  g_logged_in = false;
  return CKR_OK;
}

// No objects: enough for a session's object listing.
CK_RV find_init(CK_SESSION_HANDLE h, CK_ATTRIBUTE*, CK_ULONG) {
  return h == kSession && g_session_open ? CKR_OK : CKR_SESSION_HANDLE_INVALID;
}
CK_RV find(CK_SESSION_HANDLE, CK_OBJECT_HANDLE*, CK_ULONG, CK_ULONG* count) {
  *count = 0;
  return CKR_OK;
}
CK_RV find_final(CK_SESSION_HANDLE) { return CKR_OK; }

CK_FUNCTION_LIST make_list() {
  CK_FUNCTION_LIST l;
  std::memset(&l, 0, sizeof l);
  l.version = {2, 40};
  l.C_Initialize = initialize;
  l.C_Finalize = finalize;
  l.C_GetInfo = get_info;
  l.C_GetSlotList = get_slot_list;
  l.C_GetSlotInfo = get_slot_info;
  l.C_GetTokenInfo = get_token_info;
  l.C_OpenSession = open_session;
  l.C_CloseSession = close_session;
  l.C_Login = login;
  l.C_Logout = logout;
  l.C_FindObjectsInit = find_init;
  l.C_FindObjects = find;
  l.C_FindObjectsFinal = find_final;
  return l;
}

CK_FUNCTION_LIST g_list = make_list();

}  // namespace

extern "C" CK_DEFINE_FUNCTION(CK_RV, C_GetFunctionList)(CK_FUNCTION_LIST_PTR_PTR out) {
  *out = &g_list;
  return CKR_OK;
}
