#pragma once
// The application's attachments: the stamped application (用印申請書) and the copy of the
// business registration (營利事業登記證影本), scanned and uploaded with the form. A file is
// judged by what it contains, never by its name: the magic bytes say PDF, JPEG or PNG (or
// a program, which is refused), then the real decoder reads it (poppler for PDF, libpng,
// libjpeg) to prove it opens and to count its pages or pixels. Hostile files end in a code:
// sizes are checked before a byte beyond the first kilobyte is read, and an image's
// declared size before a row is decoded, so a 200 MB file or a PNG declaring 100 000 ×
// 100 000 pixels costs nothing.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "checks/core/result.h"

namespace certwiz::attach {

enum class FileType { unknown, pdf, jpeg, png, executable };
std::string_view file_type_name(FileType t);  // "pdf", "jpeg", "png", "executable", "unknown"
// The MIME type the file is uploaded as (only for pdf, jpeg and png; empty otherwise).
std::string_view content_type(FileType t);

// What the site accepts and what a reviewer can read. Scans of an A4 page: 150 dpi gives
// 1240 × 1754 pixels; a side under 600 pixels (about 72 dpi) is a thumbnail, under 1000
// (about 120 dpi) small print blurs. docs/site-protocol.md states the same size limits.
struct Limits {
  uint64_t max_file_bytes = 10ull * 1024 * 1024;
  uint64_t max_total_bytes = 20ull * 1024 * 1024;
  size_t max_files = 4;
  int max_pdf_pages = 20;
  uint64_t max_image_pixels = 50'000'000;  // A4 at 600 dpi is 35 Mpx
  uint32_t max_image_side = 20'000;
  uint32_t thumbnail_short_side = 600;     // below: refused
  uint32_t readable_short_side = 1000;     // below: a warning
};

// The type the first bytes announce (a PDF may have up to 1 KiB of junk before %PDF-).
FileType identify(std::span<const uint8_t> head);

struct Verdict {
  std::string display_name;  // the file name without folders, display-safe UTF-8
  FileType type = FileType::unknown;
  uint64_t size = 0;
  int pages = 0;                     // PDF
  double page_width_pt = 0, page_height_pt = 0;  // PDF: the first page's media box
  uint32_t width = 0, height = 0;    // JPEG and PNG
  std::optional<Error> rejection;    // a fail code: the file cannot be uploaded
  std::vector<Error> warnings;       // warn codes: it can, but the user should look
  bool accepted() const { return !rejection; }
};

// Judges bytes already in memory (the fuzzed entry point). `file_name` is only for the
// extension check and the display name; it may be any bytes.
Verdict judge_bytes(std::span<const uint8_t> bytes, std::string_view file_name, const Limits& limits = {});

// A file as the user picked it. `bytes` holds the content only when accepted: what is
// uploaded is exactly what was judged, even if the file changes on disk afterwards.
struct Attachment {
  std::string path;         // as given (may hold Big5 bytes)
  std::string upload_name;  // the name sent to the site: valid UTF-8, no folders or controls
  Verdict verdict;
  std::string bytes;
  std::string sha256_hex;   // of `bytes`, lower-case
};

// Opens, sizes and judges one file; reads it whole only when it is within the limit.
Attachment load_attachment(const std::string& path, const Limits& limits = {});

// The set's own problems (each with a code): too many files, the total over the limit,
// the same content twice. Empty when the set as a whole may go; each file's own verdict
// must be accepted as well.
std::vector<Error> check_set(const std::vector<Attachment>& set, const Limits& limits = {});

// A small picture of the first page of an accepted PDF, for the wizard's preview: RGB,
// 3 bytes per pixel, rows without padding, the longer side at most `max_side`.
struct Preview {
  int width = 0, height = 0;
  std::vector<uint8_t> rgb;
};
Expected<Preview> render_pdf_first_page(std::span<const uint8_t> pdf, int max_side);

}  // namespace certwiz::attach
