#pragma once
// Whether a failed write's errno means "no space left" (INSTALL-DISK-FULL) for the
// download and the unpacking alike.

#include <cerrno>

namespace certwiz::installer {

// EDQUOT (quota exceeded) is a POSIX errno that Windows' C library does not define.
inline bool is_disk_full(int e) {
#ifdef EDQUOT
  if (e == EDQUOT) return true;
#endif
  return e == ENOSPC || e == EFBIG;
}

}  // namespace certwiz::installer
