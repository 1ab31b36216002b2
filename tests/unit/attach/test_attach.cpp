// The attachment sniffer on files made at test time: good scans of each type, the
// readability thresholds, and the hostile files of issue 17 (an executable named .pdf,
// a truncated JPEG, a PNG bomb, 0 bytes, 200 MB, a Big5 file name). Sizes and page counts
// are cross-checked with ImageMagick's identify and poppler-utils' pdfinfo.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <filesystem>
#include <fstream>
#include <memory>
#include <regex>
#include <string>

#include "checks/attach/attachment.h"
#include "checks/core/display_safe.h"
#include "tests/unit/attach/attach_fixtures.h"

namespace certwiz::attach {
namespace {

using namespace certwiz::attach::testing;
namespace fs = std::filesystem;

std::span<const uint8_t> span_of(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

std::string code_of(const Verdict& v) { return v.rejection ? v.rejection->code : std::string(); }

bool has_warning(const Verdict& v, const std::string& code) {
  for (const auto& w : v.warnings)
    if (w.code == code) return true;
  return false;
}

std::string run(const std::string& cmd) {
  std::unique_ptr<FILE, int (*)(FILE*)> p(popen(cmd.c_str(), "r"), pclose);
  if (!p) return {};
  std::string out;
  std::array<char, 4096> buf{};
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p.get())) > 0) out.append(buf.data(), n);
  return out;
}

std::string slurp_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Bytes this process has read through system calls (Linux /proc/self/io).
long long bytes_read_so_far() {
  std::ifstream io("/proc/self/io");
  std::string key;
  long long value = 0;
  while (io >> key >> value)
    if (key == "rchar:") return value;
  return -1;
}

class AttachFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("certwiz-attach-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
                                        "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string put(const std::string& name, const std::string& bytes) { return write_file(dir_.string(), name, bytes); }
  fs::path dir_;
};

TEST(Identify, ByContentNotByName) {
  EXPECT_EQ(identify(span_of(make_png(8, 8))), FileType::png);
  EXPECT_EQ(identify(span_of(make_jpeg(8, 8))), FileType::jpeg);
  EXPECT_EQ(identify(span_of(make_pdf(1))), FileType::pdf);
  EXPECT_EQ(identify(span_of(std::string("\x7f" "ELF\x02\x01\x01", 7))), FileType::executable);
  EXPECT_EQ(identify(span_of(std::string("MZ\x90\x00 %PDF-1.4", 14))), FileType::executable);
  EXPECT_EQ(identify(span_of(std::string("#!/bin/sh\n"))), FileType::executable);
  EXPECT_EQ(identify(span_of(std::string("PK\x03\x04", 4))), FileType::unknown);
  // A scanner's junk before the header is allowed within the first kilobyte, not after.
  EXPECT_EQ(identify(span_of(std::string(100, ' ') + make_pdf(1))), FileType::pdf);
  EXPECT_EQ(identify(span_of(std::string(2000, ' ') + make_pdf(1))), FileType::unknown);
}

TEST_F(AttachFiles, GoodScansOfEachTypeAreAccepted) {
  const auto pdf = load_attachment(put("stamped.pdf", make_pdf(2)));
  ASSERT_TRUE(pdf.verdict.accepted()) << code_of(pdf.verdict);
  EXPECT_EQ(pdf.verdict.type, FileType::pdf);
  EXPECT_EQ(pdf.verdict.pages, 2);
  EXPECT_NEAR(pdf.verdict.page_width_pt, 595.0, 0.5);
  EXPECT_NEAR(pdf.verdict.page_height_pt, 842.0, 0.5);
  EXPECT_TRUE(pdf.verdict.warnings.empty());
  EXPECT_EQ(pdf.bytes.size(), pdf.verdict.size);
  EXPECT_EQ(pdf.sha256_hex.size(), 64u);

  const auto png = load_attachment(put("registration.png", make_png(1240, 1754)));
  ASSERT_TRUE(png.verdict.accepted()) << code_of(png.verdict);
  EXPECT_EQ(png.verdict.width, 1240u);
  EXPECT_EQ(png.verdict.height, 1754u);
  EXPECT_TRUE(png.verdict.warnings.empty());

  const auto jpg = load_attachment(put("registration.jpg", make_jpeg(1654, 2339, 80, true)));
  ASSERT_TRUE(jpg.verdict.accepted()) << code_of(jpg.verdict);
  EXPECT_EQ(jpg.verdict.type, FileType::jpeg);
  EXPECT_EQ(jpg.verdict.width, 1654u);
  EXPECT_EQ(jpg.verdict.height, 2339u);
  EXPECT_EQ(content_type(jpg.verdict.type), "image/jpeg");
}

TEST_F(AttachFiles, SizesAgreeWithIdentifyAndPdfinfo) {
  const std::string png = put("a.png", make_png(1300, 1800));
  const std::string jpg = put("b.jpg", make_jpeg(1100, 1500));
  const std::string pdf = put("c.pdf", make_pdf(3, 612, 792));
  EXPECT_EQ(run("identify -format '%wx%h' '" + png + "'"), "1300x1800");
  EXPECT_EQ(run("identify -format '%wx%h' '" + jpg + "'"), "1100x1500");
  const auto p = load_attachment(png), j = load_attachment(jpg), d = load_attachment(pdf);
  EXPECT_EQ(std::to_string(p.verdict.width) + "x" + std::to_string(p.verdict.height), "1300x1800");
  EXPECT_EQ(std::to_string(j.verdict.width) + "x" + std::to_string(j.verdict.height), "1100x1500");
  const std::string info = run("pdfinfo '" + pdf + "'");
  EXPECT_TRUE(std::regex_search(info, std::regex("Pages:\\s+3\\n"))) << info;
  EXPECT_EQ(d.verdict.pages, 3);
  // sha256sum is the independent judge of the bytes that will be uploaded.
  EXPECT_EQ(run("sha256sum '" + pdf + "' | cut -d' ' -f1"), d.sha256_hex + "\n");
}

TEST_F(AttachFiles, ThumbnailIsRefusedAndASmallPhotoWarned) {
  const auto thumb = load_attachment(put("thumb.png", make_png(200, 283)));
  EXPECT_EQ(code_of(thumb.verdict), "ATTACH-IMAGE-THUMBNAIL");
  EXPECT_TRUE(thumb.bytes.empty());
  const auto small = load_attachment(put("photo.jpg", make_jpeg(720, 1280)));
  EXPECT_TRUE(small.verdict.accepted()) << code_of(small.verdict);
  EXPECT_TRUE(has_warning(small.verdict, "ATTACH-IMAGE-LOW-RESOLUTION"));
}

TEST_F(AttachFiles, ExecutableNamedPdfIsRefused) {
  // The start of a real program: this test's own binary.
  std::ifstream self("/proc/self/exe", std::ios::binary);
  std::string elf(4096, '\0');
  self.read(elf.data(), static_cast<std::streamsize>(elf.size()));
  const auto a = load_attachment(put("stamped.pdf", elf + "%PDF-1.4\n"));
  EXPECT_EQ(code_of(a.verdict), "ATTACH-EXECUTABLE");
  EXPECT_EQ(a.verdict.type, FileType::executable);
  const auto pe = load_attachment(put("registration.pdf", std::string("MZ\x90\0\3\0\0\0", 8) + std::string(600, 'x')));
  EXPECT_EQ(code_of(pe.verdict), "ATTACH-EXECUTABLE");
}

TEST_F(AttachFiles, TruncatedJpegAndPng) {
  const std::string jpeg = make_jpeg(1240, 1754);
  const auto cut = load_attachment(put("cut.jpg", jpeg.substr(0, jpeg.size() * 6 / 10)));
  EXPECT_EQ(code_of(cut.verdict), "ATTACH-IMAGE-TRUNCATED");
  const auto header_only = load_attachment(put("tiny.jpg", jpeg.substr(0, 40)));
  EXPECT_EQ(code_of(header_only.verdict), "ATTACH-IMAGE-TRUNCATED");
  const std::string png = make_png(1240, 1754);
  const auto png_cut = load_attachment(put("cut.png", png.substr(0, png.size() / 2)));
  EXPECT_EQ(code_of(png_cut.verdict), "ATTACH-IMAGE-TRUNCATED");
  // Damaged rather than short: the frame header says 7-bit samples, which JPEG has not.
  std::string damaged_bytes = jpeg;
  const size_t sof = damaged_bytes.find("\xFF\xC0");
  ASSERT_NE(sof, std::string::npos);
  damaged_bytes[sof + 4] = 7;
  const auto damaged = judge_bytes(span_of(damaged_bytes), "x.jpg");
  EXPECT_EQ(code_of(damaged), "ATTACH-IMAGE-DAMAGED");
}

TEST_F(AttachFiles, PngBombIsRefusedBeforeDecoding) {
  // 20000 × 20000 passes libpng's own side limit but not ours (400 Mpx): refused on the
  // declared size, no row decoded (16 × 16 pixels of data would not fill it).
  const auto big = judge_bytes(span_of(png_declaring(20000, 20000)), "bomb.png");
  EXPECT_EQ(code_of(big), "ATTACH-IMAGE-DIMENSIONS-HUGE");
  EXPECT_EQ(big.width, 20000u);
  // 100000 × 100000: libpng itself refuses the header.
  const auto huge = judge_bytes(span_of(png_declaring(100000, 100000)), "bomb.png");
  EXPECT_EQ(code_of(huge), "ATTACH-IMAGE-DIMENSIONS-HUGE");
  // A declared size that fits while the data is short is a truncated file, not a bomb.
  const auto short_data = judge_bytes(span_of(png_declaring(3000, 3000)), "short.png");
  EXPECT_NE(code_of(short_data), "");
  EXPECT_NE(code_of(short_data), "ATTACH-IMAGE-DIMENSIONS-HUGE");
}

TEST_F(AttachFiles, EmptyFile) {
  const auto a = load_attachment(put("empty.pdf", ""));
  EXPECT_EQ(code_of(a.verdict), "ATTACH-EMPTY");
}

TEST_F(AttachFiles, TwoHundredMegabytesAreNotReadWhole) {
  const std::string path = put("huge.pdf", make_pdf(1));
  fs::resize_file(path, 200ull * 1024 * 1024);  // sparse: no disk used
  const long long before = bytes_read_so_far();
  const auto a = load_attachment(path);
  const long long read = bytes_read_so_far() - before;
  EXPECT_EQ(code_of(a.verdict), "ATTACH-FILE-TOO-LARGE");
  EXPECT_EQ(a.verdict.size, 200ull * 1024 * 1024);
  EXPECT_EQ(a.verdict.type, FileType::pdf);  // still says what it is
  EXPECT_TRUE(a.bytes.empty());
  ASSERT_GE(before, 0);
  EXPECT_LT(read, 1024 * 1024) << "read " << read << " bytes of a 200 MB file";
}

TEST_F(AttachFiles, Big5FileNameIsShownSafely) {
  // "用印申請書.png" in Big5 (CP950): not UTF-8.
  const std::string big5 = "\xA5\xCE\xA6\x4C\xA5\xD3\xBD\xD0\xAE\xD1.png";
  const auto a = load_attachment(put(big5, make_png(1240, 1754)));
  EXPECT_TRUE(a.verdict.accepted()) << code_of(a.verdict);
  EXPECT_TRUE(has_warning(a.verdict, "ATTACH-NAME-NOT-UTF8"));
  EXPECT_TRUE(is_display_safe(a.verdict.display_name));
  EXPECT_TRUE(is_display_safe(a.upload_name));
  EXPECT_NE(a.upload_name.find(".png"), std::string::npos);
  EXPECT_EQ(a.upload_name.find('/'), std::string::npos);
}

TEST_F(AttachFiles, ContentWinsOverExtension) {
  const auto a = load_attachment(put("registration.pdf", make_jpeg(1240, 1754)));
  EXPECT_TRUE(a.verdict.accepted());
  EXPECT_EQ(a.verdict.type, FileType::jpeg);
  EXPECT_TRUE(has_warning(a.verdict, "ATTACH-EXTENSION-MISMATCH"));
  const auto zip = load_attachment(put("registration.png", std::string("PK\x03\x04", 4) + std::string(100, 'z')));
  EXPECT_EQ(code_of(zip.verdict), "ATTACH-TYPE-UNSUPPORTED");
}

TEST_F(AttachFiles, DamagedAndOverlongPdf) {
  const auto broken = judge_bytes(span_of(std::string("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n")), "x.pdf");
  EXPECT_FALSE(broken.accepted());
  EXPECT_TRUE(code_of(broken) == "ATTACH-PDF-DAMAGED" || code_of(broken) == "ATTACH-PDF-PAGE-COUNT") << code_of(broken);
  const std::string full = make_pdf(1);
  const auto half = judge_bytes(span_of(full.substr(0, 30)), "x.pdf");
  EXPECT_FALSE(half.accepted());
  const auto many = judge_bytes(span_of(make_pdf(21)), "x.pdf");
  EXPECT_EQ(code_of(many), "ATTACH-PDF-PAGE-COUNT");
  EXPECT_EQ(many.pages, 21);
}

// A scan saved with a password (qpdf encrypts it; qpdf --show-encryption confirms) cannot be
// read by the staff: refused with its own code, not called damaged. A PDF with only an owner
// password (anyone may open it) is accepted.
TEST_F(AttachFiles, PasswordProtectedPdfIsRefusedWithItsCode) {
  const std::string plain = put("plain.pdf", make_pdf(1));
  const std::string locked = (dir_ / "locked.pdf").string();
  const std::string owner_only = (dir_ / "owner-only.pdf").string();
  ASSERT_EQ(std::system(("qpdf --encrypt user-secret owner-secret 256 -- '" + plain + "' '" + locked + "'").c_str()), 0)
      << "qpdf (scripts/install-deps) could not encrypt the test PDF";
  ASSERT_EQ(std::system(("qpdf --encrypt '' owner-secret 256 -- '" + plain + "' '" + owner_only + "'").c_str()), 0);
  ASSERT_NE(run("qpdf --show-encryption --password=user-secret '" + locked + "'").find("R = 6"), std::string::npos)
      << "qpdf does not see the file as encrypted";
  const auto verdict = judge_bytes(span_of(slurp_file(locked)), "locked.pdf");
  EXPECT_FALSE(verdict.accepted());
  EXPECT_EQ(code_of(verdict), "ATTACH-PDF-ENCRYPTED");
  const auto readable = judge_bytes(span_of(slurp_file(owner_only)), "owner-only.pdf");
  EXPECT_TRUE(readable.accepted()) << code_of(readable);
}

TEST_F(AttachFiles, MissingFileAndFolder) {
  EXPECT_EQ(code_of(load_attachment((dir_ / "nope.pdf").string()).verdict), "ATTACH-UNREADABLE");
  EXPECT_EQ(code_of(load_attachment(dir_.string()).verdict), "ATTACH-UNREADABLE");
}

TEST_F(AttachFiles, SetLimits) {
  Limits limits;
  limits.max_files = 2;
  std::vector<Attachment> set;
  set.push_back(load_attachment(put("a.pdf", make_pdf(1))));
  set.push_back(load_attachment(put("b.pdf", make_pdf(2))));
  limits.max_total_bytes = set[0].verdict.size + set[1].verdict.size;  // exactly at the limit is allowed
  EXPECT_TRUE(check_set(set, limits).empty());
  set.push_back(load_attachment(put("c.pdf", make_pdf(1))));  // same bytes as a.pdf
  auto problems = check_set(set, limits);
  std::vector<std::string> codes;
  for (const auto& p : problems) codes.push_back(p.code);
  EXPECT_NE(std::find(codes.begin(), codes.end(), "ATTACH-TOO-MANY"), codes.end());
  EXPECT_NE(std::find(codes.begin(), codes.end(), "ATTACH-DUPLICATE"), codes.end());
  set.push_back(load_attachment(put("big.png", make_png(1240, 1754))));
  limits.max_files = 10;
  problems = check_set(set, limits);
  ASSERT_FALSE(problems.empty());
  bool total = false;
  for (const auto& p : problems) total = total || p.code == "ATTACH-TOTAL-TOO-LARGE";
  EXPECT_TRUE(total) << set.back().verdict.size;
}

TEST_F(AttachFiles, EveryCodeIsCatalogued) {
  for (const std::string code :
       {"ATTACH-UNREADABLE", "ATTACH-EMPTY", "ATTACH-FILE-TOO-LARGE", "ATTACH-TOTAL-TOO-LARGE", "ATTACH-TOO-MANY",
        "ATTACH-DUPLICATE", "ATTACH-EXECUTABLE", "ATTACH-TYPE-UNSUPPORTED", "ATTACH-PDF-DAMAGED", "ATTACH-PDF-ENCRYPTED",
        "ATTACH-PDF-PAGE-COUNT", "ATTACH-IMAGE-DAMAGED", "ATTACH-IMAGE-TRUNCATED", "ATTACH-IMAGE-DIMENSIONS-HUGE",
        "ATTACH-IMAGE-THUMBNAIL"}) {
    const auto* c = find_failure_code(code);
    ASSERT_NE(c, nullptr) << code;
    EXPECT_EQ(c->severity, Severity::fail) << code;
  }
  for (const std::string code : {"ATTACH-EXTENSION-MISMATCH", "ATTACH-NAME-NOT-UTF8", "ATTACH-IMAGE-LOW-RESOLUTION"}) {
    const auto* c = find_failure_code(code);
    ASSERT_NE(c, nullptr) << code;
    EXPECT_EQ(c->severity, Severity::warn) << code;
  }
}

TEST(PdfPreview, FirstPageRendersWithinTheBox) {
  const std::string pdf = make_pdf(2);
  auto p = render_pdf_first_page(span_of(pdf), 200);
  ASSERT_TRUE(p) << p.error().code;
  EXPECT_LE(std::max(p->width, p->height), 201);
  EXPECT_GE(std::max(p->width, p->height), 190);
  EXPECT_LT(p->width, p->height);  // A4 portrait
  ASSERT_EQ(p->rgb.size(), static_cast<size_t>(p->width * p->height * 3));
  size_t dark = 0, light = 0, dark_in_margins = 0;
  for (int y = 0; y < p->height; ++y)
    for (int x = 0; x < p->width; ++x) {
      const uint8_t* px = &p->rgb[(static_cast<size_t>(y) * p->width + x) * 3];
      const bool is_dark = px[0] < 64 && px[1] < 64 && px[2] < 64;
      (is_dark ? dark : light) += 1;
      // The bars run from 10 % to 90 % of the width: the margins stay white, which a
      // wrong pixel size or row stride would break.
      if (is_dark && (x < p->width * 8 / 100 || x > p->width * 92 / 100)) ++dark_in_margins;
    }
  EXPECT_GT(dark, 100u);   // the bars drawn on the page
  EXPECT_GT(light, dark);  // on white paper
  EXPECT_EQ(dark_in_margins, 0u);
  EXPECT_FALSE(render_pdf_first_page(span_of(std::string("%PDF-1.4 junk")), 200));
}

}  // namespace
}  // namespace certwiz::attach
