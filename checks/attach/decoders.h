#pragma once
// The decoders behind judge_bytes(), one per format, each over the real library. They
// check the declared size against the limits before decoding and decode row by row (one
// row buffer), so memory stays small whatever the file claims.
#include <optional>
#include <span>

#include "checks/attach/attachment.h"

namespace certwiz::attach::detail {

struct ImageInfo {
  uint32_t width = 0, height = 0;
  std::optional<Error> error;  // ATTACH-IMAGE-*
};
ImageInfo decode_png(std::span<const uint8_t> bytes, const Limits& limits);
ImageInfo decode_jpeg(std::span<const uint8_t> bytes, const Limits& limits);

struct PdfInfo {
  int pages = 0;
  double width_pt = 0, height_pt = 0;
  std::optional<Error> error;  // ATTACH-PDF-*
};
PdfInfo open_pdf(std::span<const uint8_t> bytes, const Limits& limits);

// The declared size judged the same way for both image formats.
std::optional<Error> check_declared_size(uint32_t width, uint32_t height, const Limits& limits);

}  // namespace certwiz::attach::detail
