#include "checks/card/card_file_system.h"

#include <algorithm>
#include <cstdio>

namespace certwiz::card {

std::string_view generation_name(Generation g) { return g == Generation::gen2 ? "gen2" : "gen1"; }

namespace {

Error out_of_range(std::string detail) { return Error{"CARD-CERT-OUT-OF-RANGE", std::move(detail)}; }
Error unexpected_sw(std::string_view what, std::uint16_t sw) {
  return Error{"CARD-READ-FAILED", std::string(what) + " answered " + sw_hex(sw)};
}
std::string fid_hex(std::uint16_t fid) {
  char b[8];
  std::snprintf(b, sizeof b, "%04X", fid);
  return b;
}

// Errors that end the whole read (the card is gone or PC/SC failed), as opposed to
// one certificate that cannot be read.
bool ends_the_read(const Error& e) {
  return e.code != "CARD-CERT-OUT-OF-RANGE" && e.code != "CARD-CERT-UNREADABLE" && e.code != "CARD-READ-FAILED";
}

class FileSystemReader {
 public:
  FileSystemReader(ApduChannel& ch, const CardLayout& layout) : ch_(ch), layout_(layout), chunk_(layout.gen1_chunk) {}

  Expected<CardContents> run() {
    auto detected = detect();
    if (!detected) return detected.error();
    CardContents out;
    out.generation = gen_;
    out.cla = cla_;
    read_token_info(out);
    auto cdf_bytes = read_directory_file(layout_.cdf, "cdf");
    if (!cdf_bytes) {
      if (ends_the_read(cdf_bytes.error())) return cdf_bytes.error();
      return Error{"CARD-CDF-MALFORMED", "certificate directory " + fid_hex(layout_.cdf) + ": " + cdf_bytes.error().detail};
    }
    CdfParse cdf = parse_cdf(*cdf_bytes);
    out.cdf = cdf.records;
    out.cdf_problems = cdf.problems;
    if (cdf.records.empty()) {
      std::string why = cdf.problems.empty() ? "no record" : cdf.problems.front();
      return Error{"CARD-CDF-MALFORMED", "certificate directory " + fid_hex(layout_.cdf) + " (" +
                                             std::to_string(cdf_bytes->size()) + " bytes): " + why};
    }
    for (const auto& record : cdf.records) {
      CertificateOnCard cert{record, {}, {}, {}};
      auto der = read_certificate(record.path);
      if (!der) {
        if (ends_the_read(der.error())) return der.error();
        cert.problem_code = der.error().code;
        cert.problem = der.error().detail;
      } else {
        cert.der = std::move(*der);
      }
      out.certificates.push_back(std::move(cert));
    }
    out.notes = std::move(notes_);
    return out;
  }

 private:
  Expected<Response> send(Command c, std::string_view purpose) { return ch_.send(c, purpose); }

  Expected<Response> select_aid() {
    // 00 A4 04 0C Lc AID 00: by AID, no FCP wanted (facts file).
    return send(Command{0x00, 0xA4, 0x04, 0x0C, layout_.gen2_aid, 256}, "select");
  }

  Expected<Response> select_fid(std::uint16_t fid) {
    Bytes fid_bytes{static_cast<std::uint8_t>(fid >> 8), static_cast<std::uint8_t>(fid & 0xFF)};
    if (gen_ == Generation::gen2) return send(Command{cla_, 0xA4, 0x00, 0x04, fid_bytes, 256}, "select");
    return send(Command{cla_, 0xA4, 0x00, 0x00, fid_bytes, std::nullopt}, "select");  // gen1: no FCP, no Le
  }

  Expected<bool> detect() {
    auto aid = select_aid();
    if (!aid) return aid.error();
    if (aid->ok()) {
      gen_ = Generation::gen2;
      cla_ = 0x00;
      chunk_ = layout_.gen2_chunk;
      current_dir_ = "applet";
      return true;
    }
    // Gen1: SELECT MF with 80, then 00 (some cards answer only one of them).
    std::uint16_t mf_sw = 0;
    for (std::uint8_t cla : {std::uint8_t{0x80}, std::uint8_t{0x00}}) {
      cla_ = cla;
      auto mf = select_fid(layout_.mf);
      if (!mf) return mf.error();
      mf_sw = mf->sw;
      if (mf->ok()) break;
    }
    if (mf_sw != kSwOk)
      return Error{"CARD-READ-FOREIGN", "no GPPKI applet (" + sw_hex(aid->sw) + ") and SELECT 3F00 answered " + sw_hex(mf_sw)};
    auto df = select_fid(layout_.pkcs15_df);
    if (!df) return df.error();
    if (!df->ok())
      return Error{"CARD-READ-FOREIGN", "no GPPKI applet (" + sw_hex(aid->sw) + ") and SELECT " + fid_hex(layout_.pkcs15_df) +
                                            " answered " + sw_hex(df->sw)};
    current_dir_ = home();
    return true;
  }

  std::string home() const { return gen_ == Generation::gen2 ? "applet" : "3F00/" + fid_hex(layout_.pkcs15_df); }

  // Selects EF `fid` in directory `dir` ("applet", "3F00", "3F00/5030", ...), walking
  // from the root only when the card is not already in that directory. Returns the SW
  // of the last SELECT (a missing file is data, not an error here).
  Expected<std::uint16_t> select_ef(const std::string& dir, std::uint16_t fid) {
    const std::string target = dir + "/" + fid_hex(fid);
    if (current_ef_ == target) return kSwOk;
    if (current_dir_ != dir) {
      current_dir_.clear();
      current_ef_.clear();
      const bool applet = dir.rfind("applet", 0) == 0;
      auto root = applet ? select_aid() : select_fid(layout_.mf);
      if (!root) return root.error();
      if (!root->ok()) return root->sw;
      std::string walked = applet ? "applet" : "3F00";
      for (size_t i = walked.size(); i + 5 <= dir.size(); i += 5) {  // "/XXXX" steps
        const auto step = static_cast<std::uint16_t>(std::stoul(dir.substr(i + 1, 4), nullptr, 16));
        auto r = select_fid(step);
        if (!r) return r.error();
        if (!r->ok()) return r->sw;
        walked += "/" + fid_hex(step);
      }
      current_dir_ = dir;
    }
    auto r = select_fid(fid);
    if (!r) return r.error();
    current_ef_ = r->ok() ? target : std::string();
    return r->sw;
  }

  // READ BINARY; on 69 87 the card wants smaller reads: drop to the small chunk for good.
  Expected<Response> read_binary(std::uint32_t offset, size_t n, std::string_view purpose) {
    if (offset > 0x7FFF) return out_of_range("offset " + std::to_string(offset) + " cannot be addressed by READ BINARY");
    for (;;) {
      n = std::min(n, chunk_);
      auto r = send(Command{cla_, 0xB0, static_cast<std::uint8_t>(offset >> 8), static_cast<std::uint8_t>(offset & 0xFF), {},
                            static_cast<std::uint16_t>(n)},
                    purpose);
      if (!r) return r;
      if (r->sw == kSwSmDataObjectsBad && chunk_ > layout_.small_chunk) {
        chunk_ = layout_.small_chunk;
        notes_.push_back("the card answered 69 87 to READ BINARY: reading " + std::to_string(chunk_) + " bytes at a time");
        continue;
      }
      return r;
    }
  }

  Expected<Bytes> read_exact(std::uint32_t offset, std::uint32_t length, std::string_view purpose, const std::string& file) {
    Bytes out;
    out.reserve(length);
    while (out.size() < length) {
      const std::uint32_t at = offset + static_cast<std::uint32_t>(out.size());
      auto r = read_binary(at, length - out.size(), purpose);
      if (!r) return r.error();
      if (r->sw == kSwWrongOffset || ((r->sw == kSwEndOfFile || r->ok()) && r->data.empty()))
        return out_of_range(file + " ends before offset " + std::to_string(at) + " (wanted " + std::to_string(offset) + "+" +
                            std::to_string(length) + ")");
      if (!r->ok() && r->sw != kSwEndOfFile) return unexpected_sw("READ BINARY " + file, r->sw);
      out.insert(out.end(), r->data.begin(), r->data.end());
      if (r->sw == kSwEndOfFile && out.size() < length)
        return out_of_range(file + " ends at offset " + std::to_string(offset + out.size()) + " (wanted " + std::to_string(offset) +
                            "+" + std::to_string(length) + ")");
    }
    out.resize(length);
    return out;
  }

  // No FCP, so no size: read forward until the records end in padding, the card says
  // the file ends, or the bytes stop being DER.
  Expected<Bytes> read_directory_file(std::uint16_t fid, std::string_view purpose) {
    auto sw = select_ef(home(), fid);
    if (!sw) return sw.error();
    if (*sw != kSwOk) return unexpected_sw("SELECT " + fid_hex(fid), *sw);
    Bytes data;
    while (data.size() < layout_.max_directory) {
      const size_t want = chunk_;
      auto r = read_binary(static_cast<std::uint32_t>(data.size()), want, purpose);
      if (!r) {
        if (r.error().code == "CARD-CERT-OUT-OF-RANGE") break;  // past 0x7FFF
        return r.error();
      }
      if (r->sw == kSwWrongOffset) break;
      if (!r->ok() && r->sw != kSwEndOfFile) return unexpected_sw("READ BINARY " + fid_hex(fid), r->sw);
      data.insert(data.end(), r->data.begin(), r->data.end());
      bool complete = false, broken = false;
      der_records_extent(data, complete, broken);
      if (complete || broken || r->sw == kSwEndOfFile || r->data.size() < std::min(want, chunk_)) break;
    }
    return data;
  }

  void read_token_info(CardContents& out) {
    auto bytes = read_directory_file(layout_.token_info, "tokeninfo");
    if (!bytes) {
      notes_.push_back("no TokenInfo (" + fid_hex(layout_.token_info) + "): " + bytes.error().detail);
      return;
    }
    auto ti = parse_token_info(*bytes);
    if (ti) out.token_info = *ti;
    else notes_.push_back(ti.error().detail);
  }

  // Selects the certificate's file by its CDF path; returns the path's text.
  Expected<std::string> select_path(const CardPath& path) {
    std::vector<std::uint16_t> fids;
    for (size_t i = 0; i + 1 < path.path.size(); i += 2) fids.push_back(static_cast<std::uint16_t>(path.path[i] << 8 | path.path[i + 1]));
    std::string dir;
    size_t first = 0;
    if (gen_ == Generation::gen2 && fids.front() == layout_.applet_alias) {
      dir = "applet";
      first = 1;
    } else if (fids.front() == layout_.mf) {
      dir = "3F00";
      first = 1;
    } else {
      dir = home();  // relative to the PKCS#15 directory
    }
    if (first >= fids.size()) return Error{"CARD-CERT-UNREADABLE", "path " + path.to_string() + " names no file"};
    for (size_t i = first; i + 1 < fids.size(); ++i) dir += "/" + fid_hex(fids[i]);
    auto sw = select_ef(dir, fids.back());
    if (!sw) return sw.error();
    if (*sw != kSwOk)
      return Error{"CARD-CERT-UNREADABLE", "SELECT for path " + path.to_string() + " answered " + sw_hex(*sw)};
    return dir + "/" + fid_hex(fids.back());
  }

  Expected<Bytes> read_certificate(const CardPath& path) {
    if (path.path.size() < 2) return Error{"CARD-CERT-UNREADABLE", "empty path"};
    auto where = select_path(path);
    if (!where) return where.error();
    const std::uint32_t index = path.index.value_or(0);
    std::uint32_t length = path.length.value_or(0);
    if (!path.length) {  // no length in the CDF: the certificate's own DER header says it
      auto head = read_exact(index, 4, "certificate", *where);
      if (!head) return head.error();
      auto n = der_element_length(*head);
      if (!n || *n > 0x7FFF) return Error{"CARD-CERT-UNREADABLE", *where + ": no DER certificate at offset " + std::to_string(index)};
      length = static_cast<std::uint32_t>(*n);
    }
    auto der = read_exact(index, length, "certificate", *where);
    if (!der) return der;
    auto n = der_element_length(*der);
    if (der->empty() || (*der)[0] != 0x30 || !n || *n != der->size())
      return Error{"CARD-CERT-UNREADABLE", path.to_string() + ": the bytes there are not one DER certificate"};
    return der;
  }

  ApduChannel& ch_;
  const CardLayout& layout_;
  Generation gen_ = Generation::gen1;
  std::uint8_t cla_ = 0x80;
  size_t chunk_;
  std::string current_dir_;  // the selected directory as a path text ("applet", "3F00/5030")
  std::string current_ef_;   // the selected file ("3F00/5030/08F2"), empty when none
  std::vector<std::string> notes_;
};

}  // namespace

Expected<CardContents> read_card_contents(ApduChannel& channel, const CardLayout& layout) {
  return FileSystemReader(channel, layout).run();
}

}  // namespace certwiz::card
