# The Windows cross build (issue 19), included by the top-level CMakeLists.txt when
# configured with cmake/toolchain-mingw64.cmake (scripts/windows-cross runs it).
# Every product source file is compiled for x86_64-w64-mingw32 in one of three ways:
#  - linked: the PKCS#11 host, the core and the host's client side, into Windows
#    programs (certwiz-p11host.exe, the host tests run under Wine);
#  - compiled: sources that need only the C++ library, header-only libraries
#    (nlohmann-json, CLI11, p11-kit's pkcs11.h) and Windows' own APIs, to object code;
#  - syntax-only: sources that need a library with no MinGW build here (OpenSSL,
#    libcurl, libarchive, cairo/pango, libphonenumber, libpwquality), checked with
#    -fsyntax-only against Debian's headers.
# Debian's headers come from a staging folder holding only each library's own folder
# (symlinks), searched after MinGW's (-idirafter): a POSIX header is never found there,
# so POSIX leftovers in shared code fail here. scripts/windows-cross checks that no
# product file is missing from this list.
if(NOT MINGW)
  message(FATAL_ERROR "cmake/WindowsCross.cmake is for the MinGW-w64 cross build")
endif()

set(CERTWIZ_DEBIAN_HEADERS ${CMAKE_BINARY_DIR}/debian-headers)
set(header_only ${CERTWIZ_DEBIAN_HEADERS}/header-only)
set(third_party ${CERTWIZ_DEBIAN_HEADERS}/third-party)
file(REMOVE_RECURSE ${CERTWIZ_DEBIAN_HEADERS})
function(certwiz_stage_link target link)
  get_filename_component(dir ${link} DIRECTORY)
  file(MAKE_DIRECTORY ${dir})
  file(CREATE_LINK ${target} ${link} SYMBOLIC)
endfunction()
certwiz_stage_link(/usr/include/nlohmann ${header_only}/nlohmann)
certwiz_stage_link(/usr/include/CLI ${header_only}/CLI)
certwiz_stage_link(/usr/include/p11-kit-1/p11-kit ${header_only}/p11-kit)
# OpenSSL's headers are split between /usr/include/openssl and the multiarch folder.
foreach(dir /usr/include/openssl /usr/include/x86_64-linux-gnu/openssl)
  file(GLOB headers ${dir}/*.h)
  foreach(h ${headers})
    get_filename_component(name ${h} NAME)
    certwiz_stage_link(${h} ${third_party}/openssl/${name})
  endforeach()
endforeach()
certwiz_stage_link(/usr/include/x86_64-linux-gnu/curl ${third_party}/curl)
foreach(h archive.h archive_entry.h pwquality.h)
  certwiz_stage_link(/usr/include/${h} ${third_party}/${h})
endforeach()
certwiz_stage_link(/usr/include/phonenumbers ${third_party}/phonenumbers)
# libphonenumber's headers include protobuf's generated-code headers and Abseil.
certwiz_stage_link(/usr/include/google/protobuf ${third_party}/google/protobuf)
certwiz_stage_link(/usr/include/absl ${third_party}/absl)
foreach(dir cairo pango-1.0/pango glib-2.0/glib glib-2.0/gobject harfbuzz fontconfig)
  get_filename_component(name ${dir} NAME)
  certwiz_stage_link(/usr/include/${dir} ${third_party}/${name})
endforeach()
certwiz_stage_link(/usr/include/glib-2.0/glib.h ${third_party}/glib.h)
certwiz_stage_link(/usr/include/glib-2.0/glib-object.h ${third_party}/glib-object.h)
certwiz_stage_link(/usr/lib/x86_64-linux-gnu/glib-2.0/include/glibconfig.h ${third_party}/glibconfig.h)
# checks/attach: poppler's C++ headers are included by their own names (pkg-config's
# -I.../poppler/cpp), libpng's and libjpeg's from /usr/include (jconfig.h is multiarch).
file(GLOB poppler_cpp_headers /usr/include/poppler/cpp/*.h)
foreach(h ${poppler_cpp_headers})
  get_filename_component(name ${h} NAME)
  certwiz_stage_link(${h} ${third_party}/${name})
endforeach()
foreach(h png.h pngconf.h pnglibconf.h jpeglib.h jerror.h jmorecfg.h)
  certwiz_stage_link(/usr/include/${h} ${third_party}/${h})
endforeach()
certwiz_stage_link(/usr/include/x86_64-linux-gnu/jconfig.h ${third_party}/jconfig.h)

configure_file(${PROJECT_SOURCE_DIR}/checks/core/version.h.in ${CMAKE_BINARY_DIR}/generated/certwiz_version.h @ONLY)
set(R ${PROJECT_SOURCE_DIR})
set(CERTWIZ_ROOT ${PROJECT_SOURCE_DIR})

# Windows 10 APIs (SetDefaultDllDirectories, PROC_THREAD_ATTRIBUTE_HANDLE_LIST ...), UTF-8 narrow strings.
add_compile_definitions(_WIN32_WINNT=0x0A00 WINVER=0x0A00 NOMINMAX WIN32_LEAN_AND_MEAN CERTWIZ_CRYPTOKI_PACKED)
add_compile_options("SHELL:-idirafter ${header_only}")

function(certwiz_windows_objects name)
  cmake_parse_arguments(A "SYNTAX_ONLY" "" "SOURCES;DEFINITIONS" ${ARGN})
  list(TRANSFORM A_SOURCES PREPEND ${R}/)
  add_library(${name} OBJECT ${A_SOURCES})
  target_include_directories(${name} PRIVATE ${R} ${CMAKE_BINARY_DIR}/generated)
  if(A_DEFINITIONS)
    target_compile_definitions(${name} PRIVATE ${A_DEFINITIONS})
  endif()
  certwiz_warnings(${name})
  if(A_SYNTAX_ONLY)
    target_compile_options(${name} PRIVATE "SHELL:-idirafter ${third_party}")
    set_target_properties(${name} PROPERTIES CXX_COMPILER_LAUNCHER ${R}/cmake/syntax-only)
  endif()
endfunction()

# --- linked -----------------------------------------------------------------------
certwiz_windows_objects(win_secret SOURCES checks/core/secret.cpp checks/core/secret_win.cpp checks/core/wide_text_win.cpp)
certwiz_windows_objects(win_core SOURCES
  checks/core/text.cpp checks/core/catalogue.cpp checks/core/result.cpp checks/core/runner.cpp
  checks/core/log.cpp checks/core/report_model.cpp checks/core/platform_win.cpp checks/core/display_safe.cpp checks/core/utf8.cpp
  checks/core/actions.cpp checks/core/options.cpp)
certwiz_windows_objects(win_p11host SOURCES
  checks/pkcs11/host/main.cpp checks/pkcs11/host/server.cpp checks/pkcs11/host/host_win.cpp
  checks/pkcs11/protocol.cpp checks/pkcs11/names.cpp checks/pkcs11/channel_win.cpp)
# The client side of the host: what CertWiz runs to talk to it.
certwiz_windows_objects(win_pkcs11_client SOURCES
  checks/pkcs11/module_host.cpp checks/pkcs11/host_process_win.cpp checks/pkcs11/probe.cpp checks/pkcs11/shared_host.cpp
  checks/pkcs11/session.cpp checks/pkcs11/pin_guard.cpp checks/pkcs11/inventory.cpp checks/pkcs11/token.cpp
  checks/pkcs11/discovery.cpp checks/pkcs11/discovery_win.cpp)

add_executable(certwiz-p11host $<TARGET_OBJECTS:win_p11host> $<TARGET_OBJECTS:win_secret>)
add_library(certwiz_windows_engine STATIC
  $<TARGET_OBJECTS:win_core> $<TARGET_OBJECTS:win_secret> $<TARGET_OBJECTS:win_pkcs11_client>
  ${R}/checks/pkcs11/protocol.cpp ${R}/checks/pkcs11/names.cpp ${R}/checks/pkcs11/channel_win.cpp)
target_include_directories(certwiz_windows_engine PUBLIC ${R} ${CMAKE_BINARY_DIR}/generated)
target_link_libraries(certwiz_windows_engine PUBLIC version)
certwiz_warnings(certwiz_windows_engine)

# --- compiled: the C++ library, header-only libraries and Windows APIs ----------------
certwiz_windows_objects(win_compiled
  DEFINITIONS CERTWIZ_SOURCE_ASSETS="${R}/assets" CERTWIZ_P11_MODULE_DIR="" CERTWIZ_LOCALE_DIR=""
    CERTWIZ_NET_SOCKETS_H="checks/net/sockets_win.h"
  SOURCES
  assets/assets.cpp checks/profile/site_profile.cpp
  checks/pcsc/codes.cpp checks/card/codes.cpp checks/pkcs11/codes.cpp checks/cert/codes.cpp checks/net/codes.cpp
  checks/localsign/codes.cpp checks/site/codes.cpp checks/form/codes.cpp checks/attach/codes.cpp
  checks/report/codes.cpp checks/progress/codes.cpp installer/codes.cpp
  checks/pcsc/atr.cpp checks/pcsc/smartcard_list.cpp checks/pcsc/card_identity.cpp checks/pcsc/reader_drivers.cpp
  checks/pcsc/host_service.cpp checks/pcsc/pcsc_client.cpp checks/pcsc/reader_watch.cpp checks/pcsc/checks.cpp
  checks/pcsc/platform_win.cpp
  checks/pkcs11/checks.cpp
  checks/cert/ca_type.cpp checks/cert/card_certs.cpp
  checks/net/net_checks.cpp checks/net/proxy.cpp checks/net/proxy_win.cpp checks/net/tcp.cpp
  checks/localsign/ret_codes.cpp checks/localsign/localsign_checks.cpp
  checks/form/rules.cpp checks/form/postal.cpp checks/form/profile.cpp checks/form/form.cpp
  checks/progress/data_dir_win.cpp
  checks/report/digest.cpp checks/report/display_width.cpp checks/report/environment.cpp
  checks/report/environment_win.cpp checks/report/html.cpp checks/report/files.cpp
  checks/diagnose/diagnose.cpp
  installer/manifest.cpp installer/record.cpp installer/registration.cpp installer/install.cpp
  installer/install_win.cpp installer/process.cpp installer/process_win.cpp installer/workdir_generic.cpp
  installer/status.cpp installer/vendor_locations_win.cpp
  app/cli/main.cpp app/cli/console.cpp app/cli/cmd_diagnose.cpp app/cli/cmd_codes.cpp app/cli/cmd_selftest.cpp
  app/cli/cmd_report.cpp app/cli/cmd_apply.cpp app/cli/cmd_watch.cpp app/cli/cmd_install.cpp app/cli/site_cli.cpp
  app/cli/cmd_bind.cpp app/cli/cmd_login_test.cpp
  app/cli/cmd_card.cpp app/cli/attachments_cli.cpp
  checks/card/card_file_system.cpp checks/card/pcsc_transport.cpp
  checks/pkcs11/pin_state.cpp checks/report/files_win.cpp
  app/gui/options.cpp)

# --- syntax-only: libraries with no MinGW build here ------------------------------------
certwiz_windows_objects(win_syntax_only SYNTAX_ONLY
  DEFINITIONS CURL_STATICLIB LIBARCHIVE_STATIC I18N_PHONENUMBERS_USE_STDMUTEX
  SOURCES
  checks/cert/cert_info.cpp checks/cert/trust_store.cpp checks/cert/revocation.cpp
  checks/cert/verify.cpp checks/cert/checks.cpp checks/cert/findings.cpp
  checks/pkcs11/cms.cpp checks/pkcs11/selftest.cpp
  checks/net/http.cpp
  checks/localsign/client.cpp
  checks/site/protocol.cpp checks/site/answers.cpp checks/site/session.cpp checks/site/endpoints.cpp
  checks/site/signers.cpp checks/site/paths.cpp checks/site/form_adapter.cpp
  checks/form/phone.cpp checks/form/password.cpp checks/form/form_json.cpp checks/form/form_pdf.cpp
  checks/attach/attachment.cpp checks/attach/decode_png.cpp checks/attach/decode_jpeg.cpp checks/attach/decode_pdf.cpp
  checks/report/redact.cpp checks/report/bundle.cpp
  checks/card/apdu.cpp checks/card/cdf.cpp checks/card/checks.cpp
  checks/report/phone_numbers.cpp checks/report/replace_file.cpp checks/progress/progress.cpp
  app/cli/apply_progress.cpp
  installer/download.cpp installer/unpack.cpp)
# Left out: app/gui. wxWidgets' headers include wx/msw/*.h whenever _WIN32 is defined, and
# Debian ships only the GTK port's headers (wx3.2-headers), so the wizard's sources cannot
# be compiled for Windows here, not even syntax-only. scripts/windows-cross lists them.

if(CERTWIZ_BUILD_TESTS AND EXISTS ${R}/tests/wine/CMakeLists.txt)
  enable_testing()
  add_subdirectory(${R}/tests/wine ${CMAKE_BINARY_DIR}/tests/wine)
endif()

# form_pdf.cpp includes cairo and pango the way their pkg-config files say (<cairo-pdf.h>,
# <pango/pangocairo.h>): their own folders, searched last, hold no system header.
set_source_files_properties(${R}/checks/form/form_pdf.cpp TARGET_DIRECTORY win_syntax_only PROPERTIES COMPILE_OPTIONS
  "-idirafter/usr/include/cairo;-idirafter/usr/include/pango-1.0;-idirafter/usr/include/harfbuzz;-idirafter/usr/include/glib-2.0;-idirafter/usr/lib/x86_64-linux-gnu/glib-2.0/include;-idirafter/usr/include/freetype2;-idirafter/usr/include/fribidi;-idirafter/usr/include/pixman-1")
