#include "checks/attach/attachment.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>

#include "checks/attach/decoders.h"
#include "checks/core/display_safe.h"

namespace certwiz::attach {
namespace {

constexpr size_t kHeadBytes = 1024;  // enough for every signature below
constexpr size_t kMaxNameBytes = 200;
constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

bool starts_with(std::span<const uint8_t> b, std::initializer_list<uint8_t> sig) {
  return b.size() >= sig.size() && std::equal(sig.begin(), sig.end(), b.begin());
}

std::string hex_head(std::span<const uint8_t> b) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < std::min<size_t>(b.size(), 8); ++i) {
    out += digits[b[i] >> 4];
    out += digits[b[i] & 15];
  }
  return out;
}

std::string_view base_name(std::string_view path) {
  const size_t slash = path.find_last_of("/\\");
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// What the extension claims, for the mismatch warning (unknown for anything else).
FileType type_of_extension(std::string_view name) {
  const size_t dot = name.rfind('.');
  if (dot == std::string_view::npos) return FileType::unknown;
  std::string ext(name.substr(dot + 1));
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (ext == "pdf") return FileType::pdf;
  if (ext == "jpg" || ext == "jpeg" || ext == "jpe" || ext == "jfif") return FileType::jpeg;
  if (ext == "png") return FileType::png;
  return FileType::unknown;
}

// Cuts at a character boundary: the name stays valid UTF-8.
std::string cut_utf8(std::string s, size_t max) {
  if (s.size() <= max) return s;
  size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  s.resize(n);
  return s;
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

std::string mib(uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
  return buf;
}

void judge_image(Verdict& v, const detail::ImageInfo& img, const Limits& limits) {
  v.width = img.width;
  v.height = img.height;
  if (img.error) {
    v.rejection = img.error;
    return;
  }
  const uint32_t short_side = std::min(img.width, img.height);
  const std::string size = std::to_string(img.width) + "x" + std::to_string(img.height) + " pixels";
  if (short_side < limits.thumbnail_short_side)
    v.rejection = Error{"ATTACH-IMAGE-THUMBNAIL", size + "; the shorter side needs at least " +
                                                      std::to_string(limits.thumbnail_short_side)};
  else if (short_side < limits.readable_short_side)
    v.warnings.push_back(Error{"ATTACH-IMAGE-LOW-RESOLUTION", size + "; " + std::to_string(limits.readable_short_side) +
                                                                  " or more on the shorter side reads well"});
}

}  // namespace

std::string_view file_type_name(FileType t) {
  switch (t) {
    case FileType::pdf: return "pdf";
    case FileType::jpeg: return "jpeg";
    case FileType::png: return "png";
    case FileType::executable: return "executable";
    case FileType::unknown: return "unknown";
  }
  return "unknown";
}

std::string_view content_type(FileType t) {
  switch (t) {
    case FileType::pdf: return "application/pdf";
    case FileType::jpeg: return "image/jpeg";
    case FileType::png: return "image/png";
    default: return {};
  }
}

FileType identify(std::span<const uint8_t> head) {
  // Programs first: a file that starts as one is refused whatever else it contains.
  if (starts_with(head, {'M', 'Z'}) || starts_with(head, {0x7F, 'E', 'L', 'F'}) ||
      starts_with(head, {0xCF, 0xFA, 0xED, 0xFE}) || starts_with(head, {0xCE, 0xFA, 0xED, 0xFE}) ||
      starts_with(head, {0xFE, 0xED, 0xFA, 0xCE}) || starts_with(head, {0xFE, 0xED, 0xFA, 0xCF}) ||
      starts_with(head, {0xCA, 0xFE, 0xBA, 0xBE}) || starts_with(head, {'#', '!'}))
    return FileType::executable;
  if (starts_with(head, {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A})) return FileType::png;
  if (starts_with(head, {0xFF, 0xD8, 0xFF})) return FileType::jpeg;
  // Readers accept %PDF- anywhere in the first kilobyte (a scanner may prepend junk).
  const auto window = head.first(std::min(head.size(), kHeadBytes));
  static constexpr std::string_view kPdf = "%PDF-";
  if (std::search(window.begin(), window.end(), kPdf.begin(), kPdf.end()) != window.end()) return FileType::pdf;
  return FileType::unknown;
}

std::optional<Error> detail::check_declared_size(uint32_t width, uint32_t height, const Limits& limits) {
  const uint64_t pixels = static_cast<uint64_t>(width) * height;
  if (width == 0 || height == 0) return Error{"ATTACH-IMAGE-DAMAGED", "the image declares no pixels"};
  if (width > limits.max_image_side || height > limits.max_image_side || pixels > limits.max_image_pixels)
    return Error{"ATTACH-IMAGE-DIMENSIONS-HUGE", "declared " + std::to_string(width) + "x" + std::to_string(height) +
                                                     " pixels; at most " + std::to_string(limits.max_image_pixels) +
                                                     " pixels and " + std::to_string(limits.max_image_side) + " a side"};
  return std::nullopt;
}

Verdict judge_bytes(std::span<const uint8_t> bytes, std::string_view file_name, const Limits& limits) {
  Verdict v;
  const std::string_view base = base_name(file_name);
  v.display_name = display_safe(base);
  v.size = bytes.size();
  if (v.display_name.find(kReplacement) != std::string::npos && base.find(kReplacement) == std::string_view::npos)
    v.warnings.push_back(Error{"ATTACH-NAME-NOT-UTF8", "shown as " + v.display_name});
  if (bytes.empty()) {
    v.rejection = Error{"ATTACH-EMPTY", "0 bytes"};
    return v;
  }
  v.type = identify(bytes);
  if (bytes.size() > limits.max_file_bytes) {
    v.rejection = Error{"ATTACH-FILE-TOO-LARGE", mib(bytes.size()) + "; at most " + mib(limits.max_file_bytes) + " a file"};
    return v;
  }
  const FileType claimed = type_of_extension(base);
  switch (v.type) {
    case FileType::executable:
      v.rejection = Error{"ATTACH-EXECUTABLE", "starts with " + hex_head(bytes)};
      return v;
    case FileType::unknown:
      v.rejection = Error{"ATTACH-TYPE-UNSUPPORTED", "starts with " + hex_head(bytes)};
      return v;
    case FileType::pdf: {
      auto pdf = detail::open_pdf(bytes, limits);
      v.pages = pdf.pages;
      v.page_width_pt = pdf.width_pt;
      v.page_height_pt = pdf.height_pt;
      v.rejection = pdf.error;
      break;
    }
    case FileType::png: judge_image(v, detail::decode_png(bytes, limits), limits); break;
    case FileType::jpeg: judge_image(v, detail::decode_jpeg(bytes, limits), limits); break;
  }
  if (claimed != FileType::unknown && claimed != v.type)
    v.warnings.push_back(Error{"ATTACH-EXTENSION-MISMATCH", "named ." + std::string(file_type_name(claimed)) +
                                                                " but contains " + std::string(file_type_name(v.type))});
  return v;
}

Attachment load_attachment(const std::string& path, const Limits& limits) {
  Attachment a;
  a.path = path;
  std::string name = display_safe(base_name(path));
  std::replace_if(name.begin(), name.end(), [](char c) { return c == '"' || c == '/' || c == '\\'; }, '_');
  a.upload_name = name.empty() ? std::string("attachment") : cut_utf8(std::move(name), kMaxNameBytes);

  auto unreadable = [&](const std::string& why) {
    a.verdict.display_name = display_safe(base_name(path));
    a.verdict.rejection = Error{"ATTACH-UNREADABLE", why};
    return a;
  };
  std::error_code ec;
  const std::filesystem::path fs_path(path);
  // Not a FIFO or a device: opening one could block or never end.
  if (!std::filesystem::is_regular_file(fs_path, ec)) return unreadable(ec ? ec.message() : "not a regular file");
  const auto size = std::filesystem::file_size(fs_path, ec);
  if (ec) return unreadable(ec.message());
  std::ifstream in(fs_path, std::ios::binary);
  if (!in) return unreadable("cannot open the file");
  // Over the limit: read only enough to say what it is.
  const size_t to_read = size > limits.max_file_bytes ? std::min<uint64_t>(size, kHeadBytes) : size;
  std::string bytes(to_read, '\0');
  if (!in.read(bytes.data(), static_cast<std::streamsize>(to_read))) return unreadable("the file ended early while reading");
  auto span = std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  if (size > limits.max_file_bytes) {
    a.verdict.display_name = display_safe(base_name(path));
    a.verdict.size = size;
    a.verdict.type = identify(span);
    a.verdict.rejection = Error{"ATTACH-FILE-TOO-LARGE", mib(size) + "; at most " + mib(limits.max_file_bytes) + " a file"};
    return a;
  }
  a.verdict = judge_bytes(span, path, limits);
  if (a.verdict.accepted()) {
    a.sha256_hex = sha256_hex(bytes);
    a.bytes = std::move(bytes);
  }
  return a;
}

std::vector<Error> check_set(const std::vector<Attachment>& set, const Limits& limits) {
  std::vector<Error> problems;
  if (set.size() > limits.max_files)
    problems.push_back(Error{"ATTACH-TOO-MANY", std::to_string(set.size()) + " files; at most " + std::to_string(limits.max_files)});
  uint64_t total = 0;
  for (const auto& a : set) total += a.verdict.size;
  if (total > limits.max_total_bytes)
    problems.push_back(Error{"ATTACH-TOTAL-TOO-LARGE", mib(total) + " together; at most " + mib(limits.max_total_bytes)});
  std::map<std::string, std::string> seen;  // sha256 → first name
  for (const auto& a : set) {
    if (a.sha256_hex.empty()) continue;
    auto [it, fresh] = seen.emplace(a.sha256_hex, a.verdict.display_name);
    if (!fresh) problems.push_back(Error{"ATTACH-DUPLICATE", a.verdict.display_name + " has the same content as " + it->second});
  }
  return problems;
}

}  // namespace certwiz::attach
