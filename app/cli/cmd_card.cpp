// certwiz card read: the certificates on the card itself, read over PC/SC with
// read-only APDUs (no PIN, no middleware needed). The terminal shows what was found;
// --json and --apdu-trace files are redacted unless --no-redact (the trace keeps
// SHA-256 hashes of what the card answered instead of the bytes).
#include <cstdio>

#include "app/cli/cli.h"
#include "checks/card/checks.h"
#include "checks/card/pcsc_transport.h"
#include "checks/cert/cert_info.h"
#include "checks/report/files.h"
#include "checks/report/redact.h"

namespace certwiz::cli {

namespace {
struct CardReadFlags {
  std::string lang;
  std::string slot;
  std::string json_out;
  std::string trace_out;
  bool no_redact = false;
};

const char* pick(Lang lang, const char* zh, const char* en) { return lang == Lang::en ? en : zh; }

void print_card(const card::CardRead& read, Lang lang) {
  std::printf("%s: %s\n", pick(lang, "讀卡機", "Reader"), read.reader.c_str());
  if (!read.atr.empty()) std::printf("  ATR: %s\n", pcsc::hex_spaced(read.atr).c_str());
  if (!read.contents) {
    const Error& e = read.contents.error();
    std::printf("  %s [%s]\n  %s\n  (%s)\n", lang == Lang::en ? e.cause().en.c_str() : e.cause().zh_TW.c_str(), e.code.c_str(),
                lang == Lang::en ? e.remedy().en.c_str() : e.remedy().zh_TW.c_str(), e.detail.c_str());
    std::printf("  %s: %zu\n", pick(lang, "卡片指令數", "APDUs"), read.trace.size());
    return;
  }
  const card::CardContents& c = *read.contents;
  const Text holder = card::holder_summary(c);
  if (!holder.en.empty()) std::printf("  %s\n", lang == Lang::en ? holder.en.c_str() : holder.zh_TW.c_str());
  std::printf("  %s: %s\n", pick(lang, "卡片世代", "Generation"), std::string(card::generation_name(c.generation)).c_str());
  if (c.token_info)
    std::printf("  %s: %s (%s)\n", pick(lang, "卡片序號", "Card serial"), c.token_info->serial.c_str(), c.token_info->label.c_str());
  for (const auto& cert : c.certificates) {
    std::printf("  - %s [%s] %s\n", cert.record.label.c_str(), card::hex_upper(cert.record.id).c_str(), cert.record.path.to_string().c_str());
    if (cert.der.empty()) {
      std::printf("    %s [%s]\n", cert.problem.c_str(), cert.problem_code.c_str());
      continue;
    }
    auto info = cert::parse_certificate(std::string_view(reinterpret_cast<const char*>(cert.der.data()), cert.der.size()));
    if (!info) {
      std::printf("    %s [%s]\n", info.error().detail.c_str(), info.error().code.c_str());
      continue;
    }
    std::printf("    %s\n    %s: %s .. %s\n    SHA-256: %s\n", info->subject.text.c_str(), pick(lang, "有效期間", "Valid"),
                cert::iso8601_utc(info->not_before).substr(0, 10).c_str(), cert::iso8601_utc(info->not_after).substr(0, 10).c_str(),
                info->sha256_fingerprint.c_str());
  }
  for (const auto& p : c.cdf_problems) std::printf("  %s: %s [CARD-CDF-PARTLY-UNREADABLE]\n", pick(lang, "憑證目錄", "Directory"), p.c_str());
  for (const auto& n : c.notes) std::printf("  %s: %s\n", pick(lang, "註", "Note"), n.c_str());
  std::printf("  %s: %zu, %.0f ms\n", pick(lang, "卡片指令數", "APDUs"), read.trace.size(), read.ms);
}

bool read_ok(const card::CardRead& r) {
  if (!r.contents) return false;
  for (const auto& c : r.contents->certificates)
    if (c.der.empty()) return false;
  return true;
}
}  // namespace

void register_card(CLI::App& app, Runner& run) {
  auto* card_cmd = app.add_subcommand("card", "Read the card itself over PC/SC (read-only, no PIN, no middleware)");
  card_cmd->require_subcommand(1);
  auto* cmd = card_cmd->add_subcommand("read", "List the certificates stored on the card(s) in the reader(s)");
  static CardReadFlags f;
  add_lang_option(*cmd, f.lang);
  add_slot_option(*cmd, f.slot, "to read (default: every reader with a card)");
  cmd->add_option("--json", f.json_out, "Write what was read as JSON to this file");
  cmd->add_option("--apdu-trace", f.trace_out, "Write every APDU exchanged (JSON) to this file");
  cmd->add_flag("--no-redact", f.no_redact, "Keep personal data and the card's answers in the files");
  cmd->callback([&run] {
    run = [] {
      const Lang lang = user_lang(f.lang);
      Console console(lang, stdout);
      for (const std::string* path : {&f.json_out, &f.trace_out})
        if (!path->empty())
          if (auto e = report::check_writable(*path)) {
            console.print_error(*e);
            return static_cast<int>(kUsage);
          }
      auto readers = card::readers_with_card();
      if (!readers) {
        console.print_error(readers.error());
        return static_cast<int>(kFailures);
      }
      std::vector<std::string> wanted;
      for (const auto& r : *readers)
        if (f.slot.empty() || r == f.slot) wanted.push_back(r);
      if (wanted.empty()) {
        console.print_error(Error{"CARD-NOT-INSERTED", f.slot.empty() ? "no reader reports a card" : "no card in \"" + f.slot + "\""});
        return static_cast<int>(kFailures);
      }
      std::vector<card::CardRead> reads;
      for (const auto& reader : wanted) {
        reads.push_back(card::read_card_in_reader(reader));
        print_card(reads.back(), lang);
      }
      Json cards = Json::array(), traces = Json::array();
      for (const auto& r : reads) {
        cards.push_back(card::card_read_to_json(r, false));
        traces.push_back(Json{{"reader", r.reader}, {"apdu_count", r.trace.size()}, {"apdus", card::trace_to_json(r.trace, !f.no_redact)}});
      }
      Json doc{{"redacted", !f.no_redact}, {"cards", std::move(cards)}};
      int failed_writes = 0;
      if (!f.json_out.empty()) {
        if (!f.no_redact) report::Redactor().redact_json(doc);
        if (auto e = report::write_file(f.json_out, doc.dump(2) + "\n")) {
          console.print_error(*e);
          ++failed_writes;
        }
      }
      if (!f.trace_out.empty()) {
        Json trace_doc{{"redacted", !f.no_redact}, {"cards", std::move(traces)}};
        if (auto e = report::write_file(f.trace_out, trace_doc.dump(2) + "\n")) {
          console.print_error(*e);
          ++failed_writes;
        }
      }
      if (failed_writes) return static_cast<int>(kInternal);
      for (const auto& r : reads)
        if (!read_ok(r)) return static_cast<int>(kFailures);
      return static_cast<int>(kAllPassed);
    };
  });
}

}  // namespace certwiz::cli
