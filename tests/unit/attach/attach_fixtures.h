#pragma once
// Attachments made at test time (nothing binary is committed): cairo draws PNG and PDF,
// libjpeg writes JPEG; the hostile variants are patched copies of good files.
#include <string>

namespace certwiz::attach::testing {

// A white page with black "text" bars, so a preview has something to show.
std::string make_png(int width, int height);
std::string make_jpeg(int width, int height, int quality = 80, bool progressive = false);
std::string make_pdf(int pages, double width_pt = 595.0, double height_pt = 842.0);
// A valid PNG whose IHDR declares another size (CRC fixed, so libpng reads on).
std::string png_declaring(int width, int height);

std::string write_file(const std::string& dir, const std::string& name, const std::string& bytes);

}  // namespace certwiz::attach::testing
