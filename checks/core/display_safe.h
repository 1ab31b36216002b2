#pragma once
// Text from outside CertWiz (the site, the local signing component, the card, a
// certificate, a report file) made safe to show: a server must not be able to move the
// cursor, retitle the window, hide or reorder text on a terminal, in the wizard or in the
// HTML report. Removes C0 controls (a line break stays only with LineBreaks::keep; tab
// becomes a space), DEL, C1 controls, whole escape sequences (ESC and 8-bit CSI / OSC /
// DCS / SOS / PM / APC with their parameters and strings) and the bidi embedding,
// override and isolate characters (U+202A-U+202E, U+2066-U+2069) that spoof text order.
// Invalid UTF-8 becomes U+FFFD (a stray 0x9B byte is CSI to some terminals).
#include <string>
#include <string_view>

#include "checks/core/result.h"
#include "checks/core/text.h"

namespace certwiz {

enum class LineBreaks { keep, to_space };
std::string display_safe(std::string_view s, LineBreaks breaks = LineBreaks::to_space);
bool is_display_safe(std::string_view s, LineBreaks breaks = LineBreaks::to_space);
Text display_safe(const Text& t, LineBreaks breaks = LineBreaks::to_space);

// Every string of a result (summary, detail, evidence keys and values, ...) made
// display-safe: the engine applies it to each result it collects, where text from
// servers, the card and certificates enters the results.
void make_display_safe(CheckResult& r);
Json display_safe_json(const Json& j);

}  // namespace certwiz
