#pragma once
// User-facing text in both languages CertWiz speaks: Traditional Chinese first, English too.
#include <string>
#include <string_view>

namespace certwiz {

enum class Lang { zh_TW, en };

// "zh_TW", "zh-TW", "zh" → zh_TW; "en*" → en; anything else → std::nullopt-like fallback zh_TW.
Lang parse_lang(std::string_view s, Lang fallback = Lang::zh_TW);
std::string_view lang_tag(Lang l);  // "zh_TW" or "en"

struct Text {
  std::string zh_TW;
  std::string en;

  const std::string& in(Lang l) const { return l == Lang::en ? en : zh_TW; }
  bool empty() const { return zh_TW.empty() && en.empty(); }
  bool operator==(const Text&) const = default;
};

}  // namespace certwiz
