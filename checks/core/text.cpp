#include "checks/core/text.h"

namespace certwiz {

Lang parse_lang(std::string_view s, Lang fallback) {
  if (s.starts_with("zh")) return Lang::zh_TW;
  if (s.starts_with("en")) return Lang::en;
  return fallback;
}

std::string_view lang_tag(Lang l) { return l == Lang::en ? "en" : "zh_TW"; }

}  // namespace certwiz
