// PDF through poppler (its C++ interface): it opens the file the way a reviewer's reader
// would, counts the pages, and renders the first page for the wizard's preview.
#include <poppler-document.h>
#include <poppler-image.h>
#include <poppler-page-renderer.h>
#include <poppler-page.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>

#include "checks/attach/decoders.h"

namespace certwiz::attach {
namespace {

// poppler prints every syntax complaint to stderr; a hostile PDF would fill the console.
void quiet_poppler() {
  static std::once_flag once;
  std::call_once(once, [] { poppler::set_debug_error_function([](const std::string&, void*) {}, nullptr); });
}

std::unique_ptr<poppler::document> load(std::span<const uint8_t> bytes) {
  quiet_poppler();
  if (bytes.size() > static_cast<size_t>(INT_MAX)) return nullptr;
  return std::unique_ptr<poppler::document>(poppler::document::load_from_raw_data(
      reinterpret_cast<const char*>(bytes.data()), static_cast<int>(bytes.size())));
}

}  // namespace

namespace detail {

PdfInfo open_pdf(std::span<const uint8_t> bytes, const Limits& limits) {
  PdfInfo info;
  auto doc = load(bytes);
  if (!doc) {
    info.error = Error{"ATTACH-PDF-DAMAGED", "poppler cannot open it"};
    return info;
  }
  if (doc->is_locked()) {
    info.error = Error{"ATTACH-PDF-ENCRYPTED", "the PDF needs a password to open"};
    return info;
  }
  info.pages = doc->pages();
  if (info.pages < 1 || info.pages > limits.max_pdf_pages) {
    info.error = Error{"ATTACH-PDF-PAGE-COUNT", std::to_string(info.pages) + " page(s); 1 to " +
                                                    std::to_string(limits.max_pdf_pages) + " accepted"};
    return info;
  }
  std::unique_ptr<poppler::page> first(doc->create_page(0));
  if (!first) {
    info.error = Error{"ATTACH-PDF-DAMAGED", "the first page cannot be read"};
    return info;
  }
  const poppler::rectf box = first->page_rect(poppler::media_box);
  info.width_pt = box.width();
  info.height_pt = box.height();
  return info;
}

}  // namespace detail

Expected<Preview> render_pdf_first_page(std::span<const uint8_t> pdf, int max_side) {
  auto doc = load(pdf);
  if (!doc || doc->is_locked() || doc->pages() < 1) return Error{"ATTACH-PDF-DAMAGED", "cannot open it for a preview"};
  std::unique_ptr<poppler::page> first(doc->create_page(0));
  if (!first) return Error{"ATTACH-PDF-DAMAGED", "the first page cannot be read"};
  const poppler::rectf box = first->page_rect(poppler::crop_box);
  const double longer = std::max(box.width(), box.height());
  if (!(longer > 0)) return Error{"ATTACH-PDF-DAMAGED", "the first page has no size"};
  // Points are 1/72 inch: this resolution makes the longer side max_side pixels.
  const double dpi = std::clamp(72.0 * max_side / longer, 1.0, 300.0);
  poppler::page_renderer renderer;
  renderer.set_render_hint(poppler::page_renderer::antialiasing, true);
  renderer.set_render_hint(poppler::page_renderer::text_antialiasing, true);
  renderer.set_image_format(poppler::image::format_rgb24);
  poppler::image img = renderer.render_page(first.get(), dpi, dpi);
  if (!img.is_valid() || img.width() <= 0 || img.height() <= 0) return Error{"ATTACH-PDF-DAMAGED", "the first page does not render"};
  Preview p;
  p.width = img.width();
  p.height = img.height();
  p.rgb.resize(static_cast<size_t>(p.width) * static_cast<size_t>(p.height) * 3);
  const char* data = img.const_data();
  const int stride = img.bytes_per_row();
  // format_rgb24 is poppler's splashModeRGB8: 3 bytes a pixel, R, G, B, rows padded.
  if (img.format() != poppler::image::format_rgb24 || stride < 3 * p.width)
    return Error{"ATTACH-PDF-DAMAGED", "the first page rendered in an unexpected format"};
  for (int y = 0; y < p.height; ++y)
    std::memcpy(p.rgb.data() + static_cast<size_t>(y) * static_cast<size_t>(p.width) * 3,
                data + static_cast<ptrdiff_t>(y) * stride, static_cast<size_t>(p.width) * 3);
  return p;
}

}  // namespace certwiz::attach
