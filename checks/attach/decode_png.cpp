// PNG through libpng, row by row. libpng reports errors by longjmp: the function that
// calls setjmp holds no C++ object that a jump would skip.
#include <png.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "checks/attach/decoders.h"

namespace certwiz::attach::detail {
namespace {

struct Reader {
  const uint8_t* data;
  size_t size;
  size_t pos = 0;
  bool truncated = false;
  bool over_limit = false;  // libpng warned that the header passes its size limits
  std::vector<uint8_t> row;  // owned here, outside the setjmp frame
  char message[200] = {0};
};

void read_bytes(png_structp png, png_bytep out, size_t n) {
  auto* r = static_cast<Reader*>(png_get_io_ptr(png));
  if (r->size - r->pos < n) {
    r->truncated = true;
    png_error(png, "the file ends before the image does");
  }
  std::memcpy(out, r->data + r->pos, n);
  r->pos += n;
}

void on_error(png_structp png, png_const_charp msg) {
  auto* r = static_cast<Reader*>(png_get_error_ptr(png));
  std::snprintf(r->message, sizeof r->message, "%s", msg ? msg : "libpng error");
  png_longjmp(png, 1);
}

// A warning does not stop the decode, but libpng says "exceeds user limit" as a warning
// before it refuses the header with a plain "Invalid IHDR data".
void on_warning(png_structp png, png_const_charp msg) {
  auto* r = static_cast<Reader*>(png_get_error_ptr(png));
  if (msg && (std::strstr(msg, "exceeds user limit") || std::strstr(msg, "too large"))) r->over_limit = true;
}

enum class Outcome { decoded, failed, too_large };

// Plain locals only: libpng may longjmp back into this frame.
Outcome run(Reader& r, const Limits& limits, png_uint_32* width, png_uint_32* height) {
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &r, on_error, on_warning);
  if (!png) return Outcome::failed;
  png_infop info = png_create_info_struct(png);
  if (!info) {
    png_destroy_read_struct(&png, nullptr, nullptr);
    return Outcome::failed;
  }
  volatile Outcome outcome = Outcome::failed;
  if (setjmp(png_jmpbuf(png)) == 0) {
    png_set_read_fn(png, &r, read_bytes);
    // libpng's own guards, tighter than its defaults: the side limit and the memory a
    // single ancillary chunk (a compressed text or ICC profile bomb) may take.
    png_set_user_limits(png, limits.max_image_side, limits.max_image_side);
    png_set_chunk_malloc_max(png, 8 * 1024 * 1024);
    png_read_info(png, info);
    *width = png_get_image_width(png, info);
    *height = png_get_image_height(png, info);
    if (check_declared_size(*width, *height, limits)) {
      outcome = Outcome::too_large;
    } else {
      const int passes = png_set_interlace_handling(png);
      png_read_update_info(png, info);
      r.row.resize(png_get_rowbytes(png, info));
      for (int p = 0; p < passes; ++p)
        for (png_uint_32 y = 0; y < *height; ++y) png_read_row(png, r.row.data(), nullptr);
      png_read_end(png, nullptr);
      outcome = Outcome::decoded;
    }
  }
  png_destroy_read_struct(&png, &info, nullptr);
  return outcome;
}

}  // namespace

ImageInfo decode_png(std::span<const uint8_t> bytes, const Limits& limits) {
  Reader r{bytes.data(), bytes.size()};
  png_uint_32 w = 0, h = 0;
  const Outcome o = run(r, limits, &w, &h);
  ImageInfo info{static_cast<uint32_t>(w), static_cast<uint32_t>(h), std::nullopt};
  if (o == Outcome::too_large) info.error = check_declared_size(w, h, limits);
  else if (o == Outcome::failed && r.truncated) info.error = Error{"ATTACH-IMAGE-TRUNCATED", std::string("PNG: ") + r.message};
  else if (o == Outcome::failed) {
    // libpng refuses a declared side over the user limit itself, before IHDR is kept.
    if (r.over_limit || std::strstr(r.message, "exceeds user limit") || std::strstr(r.message, "too large"))
      info.error = Error{"ATTACH-IMAGE-DIMENSIONS-HUGE", std::string("PNG: ") + r.message};
    else info.error = Error{"ATTACH-IMAGE-DAMAGED", std::string("PNG: ") + (r.message[0] ? r.message : "cannot decode")};
  }
  return info;
}

}  // namespace certwiz::attach::detail
