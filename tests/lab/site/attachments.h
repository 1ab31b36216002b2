#pragma once
// The reference site's attachments (docs/site-protocol.md, "Attachments"): the scans sent
// with an application as multipart/form-data. The site judges them with its own reading
// (sizes, the magic bytes against the declared type, a PNG's or JPEG's declared pixel
// size), stores them in their own table and hands them to staff (certwiz-site
// attachments / export-attachments). Nothing here comes from CertWiz's checks/attach.
#include <cstdint>
#include <string>
#include <vector>

#include "tests/lab/site/requests.h"
#include "tests/lab/site/sqlite_db.h"

namespace certwiz::site_server {

inline constexpr size_t kMaxAttachments = 4;
inline constexpr uint64_t kMaxAttachmentBytes = 10ull * 1024 * 1024;
inline constexpr uint64_t kMaxAttachmentsTotal = 20ull * 1024 * 1024;
// The largest apply request: the attachments, the form and the multipart framing.
inline constexpr size_t kMaxApplyRequestBytes = 21 * 1024 * 1024;
inline constexpr uint32_t kMinAttachmentShortSide = 600;  // pixels: a thumbnail below

struct UploadedAttachment {
  std::string file_name, content_type, bytes;
};

struct AttachmentProblem {
  std::string field;  // "attachment[0]"
  std::string code;   // "ATTACH-EXECUTABLE"
};
// Every problem of every attachment (empty: all may be stored).
std::vector<AttachmentProblem> judge_attachments(const std::vector<UploadedAttachment>& uploads);
// SITE-ATTACHMENT-INVALID with the problems as "fields".
WireFailure attachment_failure(const std::vector<AttachmentProblem>& problems);

// The table, created apart from the versioned migrations (idempotent).
void ensure_attachment_table(Database& db);
void store_attachments(Database& db, int64_t application_id, const std::vector<UploadedAttachment>& uploads, int64_t now);

struct StoredAttachment {
  int ordinal = 0;  // 1, 2, ... in the order sent
  std::string file_name, content_type, sha256;
  int64_t size = 0;
  int64_t received_at = 0;
};
std::vector<StoredAttachment> list_attachments(Database& db, int64_t application_id);
std::string attachment_bytes(Database& db, int64_t application_id, int ordinal);
// A name staff can save under: "<ordinal>-<the sent name without folders or controls>".
std::string export_file_name(const StoredAttachment& a);

}  // namespace certwiz::site_server
