// JPEG through libjpeg(-turbo), decoded at 1/8 scale: every entropy-coded byte is still
// read (so a truncated file is found) at a fraction of the work. libjpeg reports errors
// by its error_exit, which longjmps here; the setjmp frame holds no C++ object.
#include <cstdio>
// jpeglib.h needs size_t and FILE declared first.
#include <jerror.h>
#include <jpeglib.h>

#include <csetjmp>
#include <string>
#include <vector>

#include "checks/attach/decoders.h"

namespace certwiz::attach::detail {
namespace {

// A progressive JPEG may split itself into thousands of scans, each a pass over the whole
// image (libjpeg-turbo's djpeg -maxscans guards the same way).
constexpr int kMaxScans = 500;

struct ErrorManager {
  jpeg_error_mgr pub;
  std::jmp_buf jump;
  bool truncated = false;
  bool too_many_scans = false;
  char message[JMSG_LENGTH_MAX] = {0};
};

void on_error_exit(j_common_ptr cinfo) {
  auto* e = reinterpret_cast<ErrorManager*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, e->message);
  std::longjmp(e->jump, 1);
}

void on_message(j_common_ptr cinfo, int level) {
  auto* e = reinterpret_cast<ErrorManager*>(cinfo->err);
  // Level -1 is a warning; "premature end of data" is how libjpeg says truncated (it pads
  // the rest of the image with grey and carries on).
  if (level < 0 && cinfo->err->msg_code == JWRN_JPEG_EOF) e->truncated = true;
}

void on_progress(j_common_ptr cinfo) {
  if (!cinfo->is_decompressor) return;
  auto* d = reinterpret_cast<j_decompress_ptr>(cinfo);
  if (d->input_scan_number > kMaxScans) {
    reinterpret_cast<ErrorManager*>(cinfo->err)->too_many_scans = true;
    ERREXIT(cinfo, JERR_NOT_COMPILED);  // any error: the jump out is what matters
  }
}

enum class Outcome { decoded, failed, too_large };

Outcome run(jpeg_decompress_struct& cinfo, ErrorManager& err, jpeg_progress_mgr& progress, std::vector<JSAMPLE>& row,
            std::span<const uint8_t> bytes, const Limits& limits) {
  cinfo.err = jpeg_std_error(&err.pub);
  err.pub.error_exit = on_error_exit;
  err.pub.emit_message = on_message;
  volatile Outcome outcome = Outcome::failed;
  if (setjmp(err.jump) == 0) {
    jpeg_create_decompress(&cinfo);
    progress.progress_monitor = on_progress;
    cinfo.progress = &progress;
    jpeg_mem_src(&cinfo, bytes.data(), static_cast<unsigned long>(bytes.size()));
    jpeg_read_header(&cinfo, TRUE);
    if (check_declared_size(cinfo.image_width, cinfo.image_height, limits)) {
      outcome = Outcome::too_large;
    } else {
      cinfo.scale_num = 1;
      cinfo.scale_denom = 8;
      cinfo.mem->max_memory_to_use = 256L * 1024 * 1024;
      jpeg_start_decompress(&cinfo);
      row.resize(static_cast<size_t>(cinfo.output_width) * static_cast<size_t>(cinfo.output_components));
      JSAMPROW rows[1] = {row.data()};
      while (cinfo.output_scanline < cinfo.output_height) jpeg_read_scanlines(&cinfo, rows, 1);
      jpeg_finish_decompress(&cinfo);
      outcome = Outcome::decoded;
    }
  }
  return outcome;
}

}  // namespace

ImageInfo decode_jpeg(std::span<const uint8_t> bytes, const Limits& limits) {
  jpeg_decompress_struct cinfo{};
  ErrorManager err{};
  jpeg_progress_mgr progress{};
  std::vector<JSAMPLE> row;
  const Outcome o = run(cinfo, err, progress, row, bytes, limits);
  ImageInfo info{cinfo.image_width, cinfo.image_height, std::nullopt};
  jpeg_destroy_decompress(&cinfo);
  if (o == Outcome::too_large) info.error = check_declared_size(info.width, info.height, limits);
  else if (o == Outcome::failed && err.too_many_scans)
    info.error = Error{"ATTACH-IMAGE-DAMAGED", "JPEG: more than " + std::to_string(kMaxScans) + " progressive scans"};
  else if (err.truncated)  // also when the end came so early that the header failed
    info.error = Error{"ATTACH-IMAGE-TRUNCATED", "JPEG: premature end of data"};
  else if (o == Outcome::failed)
    info.error = Error{"ATTACH-IMAGE-DAMAGED", std::string("JPEG: ") + (err.message[0] ? err.message : "cannot decode")};
  return info;
}

}  // namespace certwiz::attach::detail
