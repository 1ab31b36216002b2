#include "tests/unit/attach/attach_fixtures.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <zlib.h>

#include <cstdio>
// jpeglib.h needs size_t and FILE declared first.
#include <jpeglib.h>

#include <fstream>
#include <stdexcept>
#include <vector>

namespace certwiz::attach::testing {
namespace {

cairo_status_t append(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

void draw_page(cairo_t* cr, double w, double h) {
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_paint(cr);
  cairo_set_source_rgb(cr, 0, 0, 0);
  for (int i = 1; i < 10; ++i) cairo_rectangle(cr, w * 0.1, h * i / 11.0, w * 0.8, h / 40.0);
  cairo_fill(cr);
}

void put_be32(std::string& s, size_t at, uint32_t v) {
  s[at] = static_cast<char>(v >> 24);
  s[at + 1] = static_cast<char>(v >> 16);
  s[at + 2] = static_cast<char>(v >> 8);
  s[at + 3] = static_cast<char>(v);
}

}  // namespace

std::string make_png(int width, int height) {
  cairo_surface_t* s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height);
  cairo_t* cr = cairo_create(s);
  draw_page(cr, width, height);
  cairo_destroy(cr);
  std::string out;
  cairo_surface_write_to_png_stream(s, append, &out);
  cairo_surface_destroy(s);
  return out;
}

std::string make_jpeg(int width, int height, int quality, bool progressive) {
  jpeg_compress_struct c{};
  jpeg_error_mgr err{};
  c.err = jpeg_std_error(&err);
  jpeg_create_compress(&c);
  unsigned char* buf = nullptr;
  unsigned long size = 0;
  jpeg_mem_dest(&c, &buf, &size);
  c.image_width = static_cast<JDIMENSION>(width);
  c.image_height = static_cast<JDIMENSION>(height);
  c.input_components = 1;
  c.in_color_space = JCS_GRAYSCALE;
  jpeg_set_defaults(&c);
  jpeg_set_quality(&c, quality, TRUE);
  if (progressive) jpeg_simple_progression(&c);
  jpeg_start_compress(&c, TRUE);
  std::vector<JSAMPLE> row(static_cast<size_t>(width));
  while (c.next_scanline < c.image_height) {
    const bool bar = (c.next_scanline * 11 / c.image_height) % 2 == 1;
    for (int x = 0; x < width; ++x) row[static_cast<size_t>(x)] = (bar && x > width / 10 && x < width * 9 / 10) ? 0 : 255;
    JSAMPROW r[1] = {row.data()};
    jpeg_write_scanlines(&c, r, 1);
  }
  jpeg_finish_compress(&c);
  std::string out(reinterpret_cast<char*>(buf), size);
  jpeg_destroy_compress(&c);
  free(buf);
  return out;
}

std::string make_pdf(int pages, double width_pt, double height_pt) {
  std::string out;
  cairo_surface_t* s = cairo_pdf_surface_create_for_stream(append, &out, width_pt, height_pt);
  cairo_t* cr = cairo_create(s);
  for (int p = 0; p < pages; ++p) {
    draw_page(cr, width_pt, height_pt);
    cairo_show_page(cr);
  }
  cairo_destroy(cr);
  cairo_surface_finish(s);
  cairo_surface_destroy(s);
  return out;
}

std::string png_declaring(int width, int height) {
  std::string png = make_png(16, 16);
  // Signature (8), IHDR length (4), "IHDR" (4), width at 16, height at 20, CRC at 29
  // over "IHDR" and its 13 data bytes.
  put_be32(png, 16, static_cast<uint32_t>(width));
  put_be32(png, 20, static_cast<uint32_t>(height));
  const uLong crc = crc32(0, reinterpret_cast<const Bytef*>(png.data() + 12), 17);
  put_be32(png, 29, static_cast<uint32_t>(crc));
  return png;
}

std::string write_file(const std::string& dir, const std::string& name, const std::string& bytes) {
  const std::string path = dir + "/" + name;
  std::ofstream f(path, std::ios::binary);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!f) throw std::runtime_error("cannot write " + path);
  return path;
}

}  // namespace certwiz::attach::testing
