#pragma once
// The titles of the installer's checks, one per check id whichever file produces the result
// (installer.status is the same row whether the installer or the status probe fills it).
#include "checks/core/text.h"

namespace certwiz::installer {

inline const Text kInstallTitle{"安裝 HiCOS 卡片元件", "Install the HiCOS card components"};
inline const Text kUninstallTitle{"移除 HiCOS 卡片元件", "Remove the HiCOS card components"};
inline const Text kStatusTitle{"HiCOS 卡片管理工具", "HiCOS card tool"};

}  // namespace certwiz::installer
