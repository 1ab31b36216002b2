// Platforms whose desktop proxy settings CertWiz does not read yet (untested here):
// Windows (WinHTTP/IE settings) and macOS (SystemConfiguration) rely on the environment.
#include "checks/net/proxy.h"

namespace certwiz::net {
ProxyFacts desktop_proxies() { return {}; }
}  // namespace certwiz::net
