# Cross build for 64-bit Windows with Debian's MinGW-w64 (posix thread model, so
# std::thread and std::mutex work): scripts/windows-cross uses it. Programs are linked
# statically so they run under Wine (and on Windows) without MinGW's DLLs.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(CERTWIZ_MINGW_TRIPLE x86_64-w64-mingw32)
set(CMAKE_C_COMPILER ${CERTWIZ_MINGW_TRIPLE}-gcc-posix)
set(CMAKE_CXX_COMPILER ${CERTWIZ_MINGW_TRIPLE}-g++-posix)
set(CMAKE_RC_COMPILER ${CERTWIZ_MINGW_TRIPLE}-windres)
set(CMAKE_FIND_ROOT_PATH /usr/${CERTWIZ_MINGW_TRIPLE})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")
set(CMAKE_SHARED_LINKER_FLAGS_INIT "-static")
set(CMAKE_MODULE_LINKER_FLAGS_INIT "-static")
# ctest runs the Windows programs through Wine.
find_program(CERTWIZ_WINE NAMES wine64 wine PATHS /usr/lib/wine NO_CMAKE_FIND_ROOT_PATH)
if(CERTWIZ_WINE)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${CERTWIZ_WINE})
endif()
