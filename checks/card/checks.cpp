#include "checks/card/checks.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <ctime>

#include "checks/card/pcsc_transport.h"
#include "checks/cert/ca_type.h"
#include "checks/cert/card_certs.h"
#include "checks/localsign/client.h"
#include "checks/pkcs11/token.h"
#include "checks/cert/cert_info.h"

namespace certwiz::card {

namespace {

// CDF iD values of HiCOS cards, as the PKCS#11 module shows them (CKA_ID).
const Bytes kSignId{0x53, 0x49, 0x47, 0x4E};  // "SIGN"
const Bytes kKeyxId{0x4B, 0x45, 0x59, 0x58};  // "KEYX"

std::string lower_hex(std::span<const std::uint8_t> b) {
  std::string s = hex_upper(b);
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string base64(std::span<const std::uint8_t> b) {
  std::string out(4 * ((b.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), b.data(), static_cast<int>(b.size()));
  out.resize(n > 0 ? static_cast<size_t>(n) : 0);
  return out;
}

std::string sha256_hex(std::string_view b) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (EVP_Digest(b.data(), b.size(), md, &n, EVP_sha256(), nullptr) != 1) return {};
  return lower_hex({md, n});
}

std::string role_of(const CdfRecord& r) {
  if (r.id == kSignId || r.label == "SIGN") return "SIGN";
  if (r.id == kKeyxId || r.label == "KEYX") return "KEYX";
  return r.authority ? "CA" : "other";
}

// Serial numbers as hex without leading zeros, upper case, so "00A1" and "a1" agree.
std::string normal_serial(std::string s) {
  std::string out;
  for (char c : s)
    if (std::isxdigit(static_cast<unsigned char>(c))) out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const size_t nz = out.find_first_not_of('0');
  return nz == std::string::npos ? std::string("0") : out.substr(nz);
}

const CertificateOnCard* sign_certificate(const CardContents& c) {
  for (const auto& cert : c.certificates)
    if (role_of(cert.record) == "SIGN" && !cert.der.empty()) return &cert;
  for (const auto& cert : c.certificates)
    if (!cert.record.authority && !cert.der.empty()) return &cert;
  return nullptr;
}

std::string day_of(std::time_t t) { return cert::iso8601_utc(t).substr(0, 10); }

}  // namespace

CardRead read_card_in_reader(const std::string& reader, const CardLayout& layout) {
  CardRead out;
  out.reader = reader;
  const auto start = std::chrono::steady_clock::now();
  auto connection = PcscCardConnection::open(reader);
  if (!connection) {
    out.contents = connection.error();
    return out;
  }
  out.atr = (*connection)->atr();
  ApduChannel channel(std::move(*connection));
  out.contents = read_card_contents(channel, layout);
  out.trace = channel.trace();
  out.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return out;  // the channel (and with it the transaction and connection) ends here
}

CardHolder card_holder(const CardContents& contents) {
  const CertificateOnCard* sign = sign_certificate(contents);
  if (!sign) return {};
  auto info = cert::parse_certificate(std::string_view(reinterpret_cast<const char*>(sign->der.data()), sign->der.size()));
  if (!info) return {};
  const Text kind = cert::card_kind_text(info->identity.card_kind);
  const std::string& name = info->identity.holder_name;
  const std::time_t now = std::time(nullptr);
  Text validity;
  bool valid_now = false;
  if (info->not_after < now) validity = {"已於 " + day_of(info->not_after) + " 到期", "expired on " + day_of(info->not_after)};
  else if (info->not_before > now) validity = {"要到 " + day_of(info->not_before) + " 才生效", "valid only from " + day_of(info->not_before)};
  else {
    validity = {"有效至 " + day_of(info->not_after), "valid to " + day_of(info->not_after)};
    valid_now = true;
  }
  std::string kind_en = kind.en;
  if (!kind_en.empty()) kind_en[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(kind_en[0])));
  return {{kind.zh_TW + (name.empty() ? "" : "，" + name) + "，" + validity.zh_TW,
           kind_en + (name.empty() ? "" : ", " + name) + ", " + validity.en},
          valid_now};
}

Text holder_summary(const CardContents& contents) { return card_holder(contents).summary; }

Json card_read_to_json(const CardRead& read, bool full_trace) {
  Json j{{"reader", read.reader}, {"source", "card"}, {"atr", pcsc::hex_spaced(read.atr)}};
  if (!read.contents) {
    j["code"] = read.contents.error().code;
    j["detail"] = read.contents.error().detail;
  } else {
    const CardContents& c = *read.contents;
    j["generation"] = generation_name(c.generation);
    j["label"] = c.token_info ? c.token_info->label : std::string();
    j["serial"] = c.token_info ? c.token_info->serial : std::string();
    if (c.token_info) j["manufacturer"] = c.token_info->manufacturer;
    const Text holder = holder_summary(c);
    if (!holder.en.empty()) j["holder_summary"] = to_json(holder);
    if (const CertificateOnCard* sign = sign_certificate(c))
      if (auto info = cert::parse_certificate(std::string_view(reinterpret_cast<const char*>(sign->der.data()), sign->der.size()))) {
        j["holder_name"] = info->identity.holder_name;
        j["card_kind"] = cert::card_kind_text(info->identity.card_kind).en;
        j["not_after"] = cert::iso8601_utc(info->not_after);
      }
    Json certs = Json::array();
    for (const auto& cert : c.certificates) {
      Json e{{"id", lower_hex(cert.record.id)}, {"label", cert.record.label}, {"role", role_of(cert.record)},
             {"path", cert.record.path.to_string()}};
      if (!cert.record.subject.empty()) e["subject"] = cert.record.subject;
      if (!cert.record.issuer.empty()) e["issuer"] = cert.record.issuer;
      if (!cert.record.serial_hex.empty()) e["serial"] = cert.record.serial_hex;
      if (!cert.der.empty()) {
        const std::string_view der(reinterpret_cast<const char*>(cert.der.data()), cert.der.size());
        e["der_base64"] = base64(cert.der);
        e["sha256"] = sha256_hex(der);
      } else {
        e["code"] = cert.problem_code;
        e["detail"] = cert.problem;
      }
      certs.push_back(std::move(e));
    }
    j["certificates"] = std::move(certs);
    if (!c.cdf_problems.empty()) j["cdf_problems"] = c.cdf_problems;
    if (!c.notes.empty()) j["notes"] = c.notes;
  }
  j["apdu_count"] = read.trace.size();
  j["ms"] = std::round(read.ms * 10) / 10;
  j["apdu_trace"] = trace_to_json(read.trace, !full_trace);
  return j;
}

namespace {

// One card's verdict for the card.contents result.
CheckResult judge_read(const CardRead& read) {
  const std::string& reader = read.reader;
  if (!read.contents) {
    const Error& e = read.contents.error();
    Text what;
    if (e.code == "CARD-READ-FOREIGN") what = {"「" + reader + "」中的卡片不是憑證卡", "The card in \"" + reader + "\" is not a certificate card"};
    else if (e.code == "CARD-READ-REMOVED") what = {"讀取時卡片離開了「" + reader + "」", "The card left \"" + reader + "\" during the read"};
    else what = {"無法讀取「" + reader + "」中的卡片", "Cannot read the card in \"" + reader + "\""};
    return CheckResult::from_error(e, what);
  }
  const CardContents& c = *read.contents;
  size_t unread = 0;
  std::string first_code, first_detail;
  for (const auto& cert : c.certificates)
    if (cert.der.empty()) {
      if (!unread++) {
        first_code = cert.problem_code;
        first_detail = cert.problem;
      }
    }
  Text holder = holder_summary(c);
  if (holder.en.empty()) holder = {"卡片上沒有可讀的簽章憑證", "no readable signing certificate on the card"};
  const Text line{"「" + reader + "」：" + holder.zh_TW, "\"" + reader + "\": " + holder.en};
  if (unread)
    return CheckResult::failure(first_code, {line.zh_TW + "（" + std::to_string(unread) + " 張憑證無法讀取）",
                                             line.en + " (" + std::to_string(unread) + " certificate(s) unreadable)"},
                                Json::object(), first_detail);
  if (!c.cdf_problems.empty())
    return CheckResult::warning("CARD-CDF-PARTLY-UNREADABLE",
                                {line.zh_TW + "（憑證目錄有 " + std::to_string(c.cdf_problems.size()) + " 筆無法解讀）",
                                 line.en + " (" + std::to_string(c.cdf_problems.size()) + " directory entries unreadable)"},
                                Json::object(), c.cdf_problems.front());
  return CheckResult::pass(line);
}

// A card that was read, as the certificate checks judge it.
cert::CardToken card_token_of(const std::string& reader, const CardContents& c) {
  cert::CardToken token;
  token.reader = reader;
  if (c.token_info) {
    token.label = c.token_info->label;
    token.serial = c.token_info->serial;
  }
  for (const auto& cert : c.certificates)
    token.certificates.push_back(cert::make_card_certificate(lower_hex(cert.record.id), cert.record.label,
                                                             std::string(cert.der.begin(), cert.der.end())));
  return token;
}

CheckResult contents_check(const RunOptions& options, const CheckContext& ctx) {
  auto readers = readers_with_card();
  if (!readers) return CheckResult::from_error(readers.error(), {"無法取得讀卡機清單", "Cannot list the card readers"});
  std::vector<std::string> wanted;
  for (const auto& r : *readers)
    if (options.reader.empty() || r == options.reader) wanted.push_back(r);
  if (wanted.empty()) {
    CheckResult none = CheckResult::skipped({"讀卡機中沒有卡片", "No card in a reader"}, Json{{"tokens", Json::array()}});
    none.set_model(CardReadings{});
    return none;
  }
  Json tokens = Json::array();
  std::vector<CheckResult> verdicts;
  CardReadings readings;
  cert::CardTokens certificates;  // the cards that were read, for checks/cert
  for (const auto& reader : wanted) {
    if (ctx.cancel().cancelled()) break;
    CardRead read = read_card_in_reader(reader);
    ctx.log().info("card", reader + ": " + std::to_string(read.trace.size()) + " APDUs, " + std::to_string(static_cast<long>(read.ms)) +
                               " ms" + (read.contents ? std::string() : ", " + read.contents.error().code));
    verdicts.push_back(judge_read(read));
    tokens.push_back(card_read_to_json(read));
    if (read.contents) certificates.tokens.push_back(card_token_of(read.reader, *read.contents));
    CardHolder holder = read.contents ? card_holder(*read.contents) : CardHolder{};
    readings.cards.push_back({std::move(read), std::move(holder)});
  }
  // Cancelled before the first card: there is no verdict to lead with.
  if (verdicts.empty()) {
    CheckResult cancelled = CheckResult::failure("ENGINE-CANCELLED", {"已取消", "Cancelled"}, Json{{"tokens", Json::array()}});
    cancelled.set_model(CardReadings{});
    cancelled.set_model(cert::CardTokens{});
    return cancelled;
  }
  size_t lead = 0;
  for (size_t i = 1; i < verdicts.size(); ++i)
    if (worst(verdicts[lead].status, verdicts[i].status) != verdicts[lead].status) lead = i;
  // Every card read well: the summary lists them all.
  Text all;
  for (const auto& v : verdicts) {
    all.zh_TW += (all.zh_TW.empty() ? "" : "；") + v.summary.zh_TW;
    all.en += (all.en.empty() ? "" : "; ") + v.summary.en;
  }
  CheckResult out = std::move(verdicts[lead]);
  if (verdicts.size() > 1 && out.status == Status::pass) {
    out.summary = all;
  } else if (verdicts.size() > 1) {
    out.summary.zh_TW += "（共 " + std::to_string(verdicts.size()) + " 張卡）";
    out.summary.en += " (" + std::to_string(verdicts.size()) + " cards)";
  }
  out.evidence = Json{{"tokens", std::move(tokens)}};
  out.set_model(std::move(readings));
  out.set_model(std::move(certificates));
  return out;
}

// The T model of check `id` when it passed or warned; nullptr otherwise.
template <typename T>
const T* usable_model(const CheckContext& ctx, const char* id) {
  const CheckResult* r = ctx.result_of(id);
  return r && (r->status == Status::pass || r->status == Status::warn) ? r->model<T>() : nullptr;
}

Text source_text(const std::string& s) {
  return s == "pkcs11" ? Text{"PKCS#11 模組", "the PKCS#11 module"} : Text{"跨平台網頁元件", "the local signing component"};
}

}  // namespace

std::vector<MiddlewareCard> middleware_cards(const pkcs11::TokenInventory* pkcs11, const localsign::Pkcs11Info* localsign) {
  std::vector<MiddlewareCard> out;
  if (pkcs11)
    for (const auto& t : pkcs11->tokens) {
      MiddlewareCard o{"pkcs11", t.reader, t.serial, {}};
      for (const auto& c : t.certificates) {
        auto der = cert::decode_base64(c.der_base64);
        o.certs.push_back({c.id, c.label, der ? sha256_hex(*der) : std::string(), {}});
      }
      out.push_back(std::move(o));
    }
  if (localsign)
    for (const auto& slot : localsign->slots) {
      if (!slot.token) continue;
      MiddlewareCard o{"localsign", slot.description, slot.token->serial, {}};
      for (const auto& c : slot.token->certs) o.certs.push_back({{}, c.label, {}, c.sn});
      out.push_back(std::move(o));
    }
  return out;
}

CheckResult cross_check(const CardReadings& cards, const std::vector<MiddlewareCard>& others) {
  if (others.empty())
    return CheckResult::skipped({"沒有中介軟體回報的卡片可比對", "No card reported by a middleware to compare with"});
  Json comparisons = Json::array();
  std::optional<CheckResult> mismatch;
  size_t compared = 0;
  for (const auto& other : others) {
    const CardContents* card = nullptr;
    for (const auto& c : cards.cards)
      if (c.read.reader == other.reader && c.read.contents) card = &*c.read.contents;
    Json cmp{{"source", other.source}, {"reader", other.reader}};
    if (!card) {
      cmp["result"] = "card not read directly";
      comparisons.push_back(std::move(cmp));
      continue;
    }
    ++compared;
    const Text src = source_text(other.source);
    std::vector<std::string> problems;
    const std::string card_serial = card->token_info ? card->token_info->serial : std::string();
    if (!card_serial.empty() && !other.serial.empty() && card_serial != other.serial) {
      problems.push_back("serial: card " + card_serial + ", " + other.source + " " + other.serial);
      if (!mismatch)
        mismatch = CheckResult::failure("CARD-MISMATCH-SERIAL",
                                        {"「" + other.reader + "」：卡片序號與" + src.zh_TW + "回報的不同",
                                         "\"" + other.reader + "\": the card's serial differs from what " + src.en + " reports"},
                                        Json::object(), problems.back());
    }
    for (const auto& oc : other.certs) {
      const CertificateOnCard* match = nullptr;
      for (const auto& cc : card->certificates) {
        if (!oc.id.empty() && lower_hex(cc.record.id) == oc.id) match = &cc;
        else if (oc.id.empty() && !oc.serial.empty() && normal_serial(cc.record.serial_hex) == normal_serial(oc.serial)) match = &cc;
      }
      const std::string match_sha = match && !match->der.empty()
                                      ? sha256_hex(std::string_view(reinterpret_cast<const char*>(match->der.data()), match->der.size()))
                                      : std::string();
      std::string problem;
      if (!match) problem = (oc.id.empty() ? "certificate serial " + oc.serial : "certificate " + oc.id + " (" + oc.label + ")") +
                            " is not on the card";
      else if (!oc.sha256.empty() && match_sha != oc.sha256)
        problem = "certificate " + oc.id + " (" + oc.label + "): card sha256 " + match_sha.substr(0, 16) + "…, " +
                  other.source + " " + oc.sha256.substr(0, 16) + "…";
      if (problem.empty()) continue;
      problems.push_back(problem);
      if (!mismatch)
        mismatch = CheckResult::failure("CARD-MISMATCH-CERT",
                                        {"「" + other.reader + "」：" + src.zh_TW + "回報的憑證與卡片上的不同",
                                         "\"" + other.reader + "\": " + src.en + " reports a certificate that differs from the card's"},
                                        Json::object(), problem);
    }
    cmp["result"] = problems.empty() ? "same" : "different";
    if (!problems.empty()) cmp["problems"] = problems;
    cmp["certificates_compared"] = other.certs.size();
    comparisons.push_back(std::move(cmp));
  }
  Json ev{{"comparisons", std::move(comparisons)}};
  if (mismatch) {
    mismatch->evidence = std::move(ev);
    return *mismatch;
  }
  if (!compared) return CheckResult::skipped({"中介軟體回報的卡片都沒有直接讀到", "None of the middleware's cards was read directly"}, ev);
  return CheckResult::pass({"卡片內容與中介軟體回報的一致（比對 " + std::to_string(compared) + " 次）",
                            "The card and the middleware agree (" + std::to_string(compared) + " comparison(s))"},
                           ev);
}

std::vector<Check> card_checks(const RunOptions& options, std::vector<std::string> compare_with) {
  std::vector<Check> out;
  Check contents;
  contents.id = kContentsCheckId;
  contents.title = {"卡片上的憑證（直接讀取）", "Certificates on the card (read directly)"};
  contents.depends_on = {"pcsc.readers"};
  contents.timeout = options.probe_timeout + std::chrono::seconds(10);
  contents.run = [options](const CheckContext& ctx) { return contents_check(options, ctx); };
  out.push_back(std::move(contents));

  Check cross;
  cross.id = kCrossCheckId;
  cross.title = {"卡片與中介軟體比對", "Card against the middleware"};
  cross.depends_on = {kContentsCheckId};
  for (auto& c : compare_with) cross.depends_on.push_back(c);
  cross.run_when_dependency_fails = true;
  cross.timeout = std::chrono::seconds(10);
  cross.run = [](const CheckContext& ctx) {
    const CheckResult* card = ctx.result_of(kContentsCheckId);
    const CardReadings* readings = card ? card->model<CardReadings>() : nullptr;
    if (!readings) return CheckResult::skipped({"沒有直接讀到卡片", "The card was not read directly"});
    return cross_check(*readings, middleware_cards(usable_model<pkcs11::TokenInventory>(ctx, "pkcs11.tokens"),
                                                   usable_model<localsign::Pkcs11Info>(ctx, "localsign.tokens")));
  };
  out.push_back(std::move(cross));
  return out;
}

}  // namespace certwiz::card
