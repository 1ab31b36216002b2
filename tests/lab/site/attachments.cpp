#include "tests/lab/site/attachments.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <optional>
#include <string_view>

namespace certwiz::site_server {
namespace {

bool begins(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

uint32_t be16(std::string_view s, size_t at) {
  return (static_cast<uint32_t>(static_cast<unsigned char>(s[at])) << 8) | static_cast<unsigned char>(s[at + 1]);
}
uint32_t be32(std::string_view s, size_t at) { return (be16(s, at) << 16) | be16(s, at + 2); }

// What the bytes are, by the site's own reading of the three formats' signatures.
std::string_view sniffed_type(std::string_view b) {
  if (begins(b, "\x89PNG\r\n\x1a\n")) return "image/png";
  if (begins(b, "\xFF\xD8\xFF")) return "image/jpeg";
  if (b.substr(0, 1024).find("%PDF-") != std::string_view::npos && !begins(b, "MZ") && !begins(b, "\x7f" "ELF"))
    return "application/pdf";
  return {};
}

bool looks_executable(std::string_view b) {
  return begins(b, "MZ") || begins(b, "\x7f" "ELF") || begins(b, "#!") || begins(b, "\xCF\xFA\xED\xFE") ||
         begins(b, "\xCE\xFA\xED\xFE") || begins(b, "\xCA\xFE\xBA\xBE");
}

struct Pixels {
  uint32_t width = 0, height = 0;
};

// PNG: IHDR is the first chunk, width and height at bytes 16 and 20.
std::optional<Pixels> png_pixels(std::string_view b) {
  if (b.size() < 24 || b.substr(12, 4) != "IHDR") return std::nullopt;
  return Pixels{be32(b, 16), be32(b, 20)};
}

// JPEG: walk the markers to the first start-of-frame (SOF0..SOF15 but DHT, JPG, DAC).
std::optional<Pixels> jpeg_pixels(std::string_view b) {
  size_t i = 2;
  while (i + 4 <= b.size()) {
    if (static_cast<unsigned char>(b[i]) != 0xFF) return std::nullopt;
    const unsigned char marker = static_cast<unsigned char>(b[i + 1]);
    if (marker == 0xFF) {
      ++i;
      continue;
    }
    const uint32_t len = be16(b, i + 2);
    if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC) {
      if (i + 9 > b.size()) return std::nullopt;
      return Pixels{be16(b, i + 7), be16(b, i + 5)};
    }
    if (len < 2) return std::nullopt;
    i += 2 + len;
  }
  return std::nullopt;
}

std::string sha256_hex(std::string_view bytes) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  EVP_Digest(bytes.data(), bytes.size(), md.data(), &len, EVP_sha256(), nullptr);
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += digits[md[i] >> 4];
    out += digits[md[i] & 15];
  }
  return out;
}

}  // namespace

std::vector<AttachmentProblem> judge_attachments(const std::vector<UploadedAttachment>& uploads) {
  std::vector<AttachmentProblem> problems;
  if (uploads.size() > kMaxAttachments) problems.push_back({"attachments", "ATTACH-TOO-MANY"});
  uint64_t total = 0;
  for (size_t i = 0; i < uploads.size(); ++i) {
    const auto& u = uploads[i];
    const std::string field = "attachment[" + std::to_string(i) + "]";
    total += u.bytes.size();
    const std::string_view type = sniffed_type(u.bytes);
    std::optional<Pixels> px;
    if (type == "image/png") px = png_pixels(u.bytes);
    if (type == "image/jpeg") px = jpeg_pixels(u.bytes);
    if (u.bytes.empty()) problems.push_back({field, "ATTACH-EMPTY"});
    else if (u.bytes.size() > kMaxAttachmentBytes) problems.push_back({field, "ATTACH-FILE-TOO-LARGE"});
    else if (looks_executable(u.bytes)) problems.push_back({field, "ATTACH-EXECUTABLE"});
    // The declared type must be what the bytes are: a reviewer's viewer goes by it.
    else if (type.empty() || type != u.content_type) problems.push_back({field, "ATTACH-TYPE-UNSUPPORTED"});
    else if (type != "application/pdf" && !px) problems.push_back({field, "ATTACH-IMAGE-DAMAGED"});
    else if (px && std::min(px->width, px->height) < kMinAttachmentShortSide)
      problems.push_back({field, "ATTACH-IMAGE-THUMBNAIL"});
  }
  if (total > kMaxAttachmentsTotal) problems.push_back({"attachments", "ATTACH-TOTAL-TOO-LARGE"});
  return problems;
}

WireFailure attachment_failure(const std::vector<AttachmentProblem>& problems) {
  WireFailure f = wire("SITE-ATTACHMENT-INVALID", std::to_string(problems.size()) + " attachment problem(s)");
  nlohmann::json fields = nlohmann::json::array();
  for (const auto& p : problems) fields.push_back({{"field", p.field}, {"code", p.code}});
  f.extra = {{"fields", fields}};
  return f;
}

void ensure_attachment_table(Database& db) {
  db.exec_script(
      "CREATE TABLE IF NOT EXISTS application_attachments("
      " id INTEGER PRIMARY KEY,"
      " application_id INTEGER NOT NULL REFERENCES applications(id) ON DELETE CASCADE,"
      " ordinal INTEGER NOT NULL,"
      " file_name TEXT NOT NULL,"
      " content_type TEXT NOT NULL,"
      " size INTEGER NOT NULL,"
      " sha256 TEXT NOT NULL,"
      " data BLOB NOT NULL,"
      " received_at INTEGER NOT NULL,"
      " UNIQUE(application_id, ordinal))");
}

void store_attachments(Database& db, int64_t application_id, const std::vector<UploadedAttachment>& uploads, int64_t now) {
  db.transaction([&] {
    for (size_t i = 0; i < uploads.size(); ++i) {
      const auto& u = uploads[i];
      db.prepare(
            "INSERT INTO application_attachments(application_id, ordinal, file_name, content_type, size, sha256, data, "
            "received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
          .bind(1, application_id)
          .bind(2, static_cast<int64_t>(i + 1))
          .bind(3, u.file_name)
          .bind(4, u.content_type)
          .bind(5, static_cast<int64_t>(u.bytes.size()))
          .bind(6, sha256_hex(u.bytes))
          .bind_blob(7, u.bytes)
          .bind(8, now)
          .run();
    }
  });
}

std::vector<StoredAttachment> list_attachments(Database& db, int64_t application_id) {
  auto s = db.prepare(
      "SELECT ordinal, file_name, content_type, size, sha256, received_at FROM application_attachments "
      "WHERE application_id = ? ORDER BY ordinal");
  s.bind(1, application_id);
  std::vector<StoredAttachment> out;
  while (s.step()) {
    StoredAttachment a;
    a.ordinal = static_cast<int>(s.column_int(0));
    a.file_name = s.column_text(1);
    a.content_type = s.column_text(2);
    a.size = s.column_int(3);
    a.sha256 = s.column_text(4);
    a.received_at = s.column_int(5);
    out.push_back(std::move(a));
  }
  return out;
}

std::string attachment_bytes(Database& db, int64_t application_id, int ordinal) {
  auto s = db.prepare("SELECT data FROM application_attachments WHERE application_id = ? AND ordinal = ?");
  s.bind(1, application_id).bind(2, static_cast<int64_t>(ordinal));
  if (!s.step()) throw DbError("no attachment " + std::to_string(ordinal));
  return s.column_blob(0);
}

std::string export_file_name(const StoredAttachment& a) {
  // The client chose the name: keep what is readable, drop folders, controls and
  // anything a file manager or shell would treat specially.
  std::string_view name = a.file_name;
  if (auto slash = name.find_last_of("/\\"); slash != std::string_view::npos) name = name.substr(slash + 1);
  std::string safe;
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7f || c == ':' || c == '*' || c == '?' || c == '"' || c == '<' || c == '>' || c == '|')
      safe += '_';
    else safe += static_cast<char>(c);
  }
  while (!safe.empty() && safe.front() == '.') safe.erase(0, 1);
  if (safe.empty()) safe = "attachment";
  if (safe.size() > 150) {
    size_t n = 150;
    while (n > 0 && (static_cast<unsigned char>(safe[n]) & 0xC0) == 0x80) --n;  // whole UTF-8 characters
    safe.resize(n);
  }
  return std::to_string(a.ordinal) + "-" + safe;
}

}  // namespace certwiz::site_server
