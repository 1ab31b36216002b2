#include "checks/report/html.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>

#include "checks/core/display_safe.h"
#include "checks/report/digest.h"
#include "checks/report/display_width.h"

namespace certwiz::report {
namespace {

// The page's own words, in both languages.
struct Words {
  const char* zh;
  const char* en;
};
#define CERTWIZ_HTML_WORD(name, zh, en) constexpr Words name{zh, en};
#include "checks/report/html_words.def"
#undef CERTWIZ_HTML_WORD

const char* w(const Words& words, Lang l) { return l == Lang::en ? words.en : words.zh; }

const char* status_label(Status s, Lang l) {
  const bool en = l == Lang::en;
  switch (s) {
    case Status::pass: return en ? "Passed" : "通過";
    case Status::warn: return en ? "Warning" : "警告";
    case Status::fail: return en ? "Failed" : "失敗";
    case Status::skipped: return en ? "Skipped" : "略過";
    case Status::unknown: return en ? "Unknown" : "無法判斷";
  }
  return "?";
}

// The text in the report's language, else the other one (a probe may fill only one).
const std::string& in(const Text& t, Lang l) {
  const std::string& first = t.in(l);
  return first.empty() ? t.in(l == Lang::en ? Lang::zh_TW : Lang::en) : first;
}

std::string fmt(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

std::string format_duration(double ms) {
  if (ms < 0) ms = 0;
  if (ms < 10) return fmt("%.1f ms", ms);
  if (ms < 1000) return fmt("%.0f ms", ms);
  if (ms < 60000) return fmt("%.1f s", ms / 1000);
  return fmt("%.0f s", ms / 1000);
}

std::string format_created(const std::string& iso) {
  // "2024-05-13T02:03:04Z" → "2024-05-13 02:03:04 UTC"; anything else as given.
  if (iso.size() == 20 && iso[10] == 'T' && iso[19] == 'Z') return iso.substr(0, 10) + " " + iso.substr(11, 8) + " UTC";
  return iso;
}

std::string anchor(const std::string& id) {
  std::string a = "ev-";
  for (char c : id) a += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') ? c : '-';
  return a;
}

// Small inline icons; `currentColor` takes the status colour from CSS.
std::string status_icon(Status s, int size) {
  const std::string sz = std::to_string(size);
  std::string path;
  switch (s) {
    case Status::pass: path = "<path d='M7 12.5l3.2 3.2L17 9' fill='none' stroke='#fff' stroke-width='2.4' stroke-linecap='round' stroke-linejoin='round'/>"; break;
    case Status::warn: path = "<path d='M12 7v6' stroke='#fff' stroke-width='2.4' stroke-linecap='round'/><circle cx='12' cy='16.8' r='1.4' fill='#fff'/>"; break;
    case Status::fail: path = "<path d='M8.5 8.5l7 7M15.5 8.5l-7 7' stroke='#fff' stroke-width='2.4' stroke-linecap='round'/>"; break;
    case Status::skipped: path = "<path d='M8 12h8' stroke='#fff' stroke-width='2.4' stroke-linecap='round'/>"; break;
    case Status::unknown: path = "<path d='M9.6 9.6a2.5 2.5 0 1 1 3.4 2.3c-.7.3-1 .8-1 1.5v.4' fill='none' stroke='#fff' stroke-width='2.1' stroke-linecap='round'/><circle cx='12' cy='17' r='1.3' fill='#fff'/>"; break;
  }
  return "<svg class='icon' width='" + sz + "' height='" + sz +
         "' viewBox='0 0 24 24' aria-hidden='true'><circle cx='12' cy='12' r='11' fill='currentColor'/>" + path + "</svg>";
}

constexpr const char* kCss = R"CSS(
:root{--pass:#1a7f37;--pass-bg:#e9f6ec;--warn:#b25e00;--warn-bg:#fff5e0;--fail:#c62828;--fail-bg:#fdecea;
--skipped:#6b7280;--skipped-bg:#f1f2f4;--unknown:#5b5fc7;--unknown-bg:#eef0fb;--ink:#1f2933;--muted:#5f6b7a;
--line:#e3e7ec;--card:#fff;--page:#f3f5f8;--accent:#0b5cad}
*{box-sizing:border-box;-webkit-print-color-adjust:exact;print-color-adjust:exact}
html{font-size:15px}
body{margin:0;background:var(--page);color:var(--ink);line-height:1.55;
font-family:"Noto Sans CJK TC","Noto Sans TC","PingFang TC","Microsoft JhengHei",system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
.page{max-width:1100px;margin:0 auto;padding:28px 24px 40px}
header.top{display:flex;align-items:center;gap:16px;margin-bottom:18px}
header.top .logo{flex:none}
header.top h1{font-size:1.55rem;margin:0;line-height:1.2}
header.top .meta{color:var(--muted);font-size:.87rem;margin-top:3px}
header.top .meta span+span::before{content:"·";margin:0 .5em;color:#b0b8c3}
.badge{margin-left:auto;flex:none;font-size:.8rem;font-weight:600;padding:5px 11px;border-radius:999px;white-space:nowrap}
.badge.redacted{background:var(--pass-bg);color:var(--pass);border:1px solid #b7dfc2}
.badge.unredacted{background:var(--fail);color:#fff}
.privacy{background:var(--fail-bg);border:1px solid #f2b8b5;color:#8c1d18;border-radius:10px;padding:10px 14px;margin-bottom:16px;font-weight:600}
.card{background:var(--card);border:1px solid var(--line);border-radius:14px;box-shadow:0 1px 2px rgba(16,24,40,.05);padding:20px 22px;margin-bottom:18px}
.verdict{display:flex;gap:18px;align-items:center;border-left:8px solid currentColor}
.verdict h2{margin:0 0 6px;font-size:1.45rem;color:var(--ink)}
.verdict .icon{flex:none}
.counts{display:flex;flex-wrap:wrap;gap:8px}
.chip{display:inline-flex;align-items:center;gap:6px;padding:3px 10px;border-radius:999px;font-size:.85rem;font-weight:600}
.chip b{font-size:1rem}
.s-pass{color:var(--pass)}.s-warn{color:var(--warn)}.s-fail{color:var(--fail)}.s-skipped{color:var(--skipped)}.s-unknown{color:var(--unknown)}
.chip.s-pass{background:var(--pass-bg)}.chip.s-warn{background:var(--warn-bg)}.chip.s-fail{background:var(--fail-bg)}
.chip.s-skipped{background:var(--skipped-bg)}.chip.s-unknown{background:var(--unknown-bg)}
.next{border:2px solid var(--accent);background:linear-gradient(180deg,#f4f9ff,#fff)}
.next.done{border-color:#b7dfc2;background:var(--pass-bg)}
.next .label{display:inline-block;background:var(--accent);color:#fff;font-weight:700;font-size:.85rem;padding:3px 12px;border-radius:6px;letter-spacing:.04em}
.next.done .label{background:var(--pass)}
.next .which{margin:10px 0 4px;font-size:.95rem;color:var(--muted)}
.next .which b{color:var(--ink)}
.next .remedy{font-size:1.25rem;font-weight:700;margin:4px 0 8px;color:var(--ink)}
.next .cause{margin:0;color:var(--muted)}
.code{font-family:"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:.78rem;background:#eef1f5;color:#334155;padding:1px 6px;border-radius:5px;white-space:nowrap}
.columns{display:grid;grid-template-columns:1fr 1fr;gap:18px}
.columns .card{margin-bottom:18px}
.columns h3{margin:0 0 10px;font-size:1.05rem}
ul.list{list-style:none;margin:0;padding:0}
ul.list li{display:flex;gap:9px;align-items:flex-start;padding:6px 0;border-top:1px solid var(--line)}
ul.list li:first-child{border-top:none}
ul.list .icon{flex:none;margin-top:3px}
ul.list .sum{color:var(--muted);font-size:.88rem}
ul.list .empty{color:var(--muted)}
h4.sub{margin:14px 0 6px;font-size:.85rem;color:var(--muted);font-weight:700;border-top:1px dashed var(--line);padding-top:10px}
h2.section{font-size:1.15rem;margin:0 0 12px}
table{border-collapse:collapse;width:100%}
table.checks th{text-align:left;font-size:.8rem;text-transform:uppercase;letter-spacing:.03em;color:var(--muted);border-bottom:2px solid var(--line);padding:8px 10px}
table.checks td{vertical-align:top;padding:10px;border-bottom:1px solid var(--line);font-size:.92rem}
table.checks tr.r-fail td{background:#fff8f7}
table.checks tr.r-warn td{background:#fffcf4}
table.checks td.status{white-space:nowrap;width:1%}
table.checks td.time{white-space:nowrap;text-align:right;color:var(--muted);width:1%}
table.checks td.advice{width:30%}
.pill{display:inline-flex;align-items:center;gap:5px;font-weight:700;font-size:.85rem;padding:2px 10px 2px 4px;border-radius:999px}
.pill.s-pass{background:var(--pass-bg)}.pill.s-warn{background:var(--warn-bg)}.pill.s-fail{background:var(--fail-bg)}
.pill.s-skipped{background:var(--skipped-bg)}.pill.s-unknown{background:var(--unknown-bg)}
td.status .code{display:inline-block;margin-top:6px}
.title{font-weight:600}
.cid{font-family:"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:.75rem;color:var(--muted)}
.detail{font-family:"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:.78rem;color:var(--muted);margin-top:4px;word-break:break-all}
.advice p{margin:0 0 4px}
.advice .k{font-weight:700;color:var(--muted);font-size:.8rem;margin-right:4px}
.advice .rem{font-weight:600}
a{color:var(--accent)}
.timeline svg{width:100%;height:auto;display:block}
.timeline .note{color:var(--muted);font-size:.85rem;margin:-6px 0 10px}
table.env th{text-align:left;font-weight:600;color:var(--muted);width:28%;padding:6px 10px;border-bottom:1px solid var(--line);vertical-align:top;font-size:.9rem}
table.env td{padding:6px 10px;border-bottom:1px solid var(--line);font-size:.9rem;word-break:break-word}
.evidence h3{font-size:.95rem;margin:14px 0 6px}
.evidence h3:first-of-type{margin-top:0}
pre{background:#f6f8fa;border:1px solid var(--line);border-radius:8px;padding:10px 12px;font-size:.78rem;line-height:1.45;white-space:pre-wrap;word-break:break-all;margin:0}
footer{color:var(--muted);font-size:.8rem;text-align:center;margin-top:8px}
@media (max-width:760px){.columns{grid-template-columns:1fr}header.top{flex-wrap:wrap}}
.badge svg{vertical-align:-2px;margin-right:4px}
@media print{
html{font-size:10.5pt}
body{background:#fff}
.page{max-width:none;padding:0}
.card{box-shadow:none;border-color:#cfd5dc;break-inside:avoid;padding:12px 14px;margin-bottom:10px}
.card.wide{break-inside:auto}
tr,pre,.evidence h3{break-inside:avoid}
thead{display:table-header-group}
a{color:inherit;text-decoration:none}
.columns{gap:10px;grid-template-columns:1fr 1fr}
header.top{flex-wrap:nowrap}
a.evlink{display:none}
table.checks td.advice{width:34%}
@page{margin:14mm 12mm}
}
)CSS";

// The page header's mark: a card with its chip.
constexpr const char* kLogo =
    "<svg class='logo' width='46' height='46' viewBox='0 0 46 46' aria-hidden='true'>"
    "<rect x='1' y='7' width='44' height='32' rx='6' fill='#0b5cad'/>"
    "<rect x='7' y='15' width='12' height='10' rx='2' fill='#f5c542'/>"
    "<path d='M7 20h12M13 15v10' stroke='#b8860b' stroke-width='1'/>"
    "<rect x='24' y='16' width='15' height='3' rx='1.5' fill='#9cc3ea'/>"
    "<rect x='24' y='22' width='10' height='3' rx='1.5' fill='#9cc3ea'/>"
    "<rect x='7' y='30' width='32' height='3' rx='1.5' fill='#3d7fc4'/></svg>";

const char* status_colour(Status s) {
  switch (s) {
    case Status::pass: return "#1a7f37";
    case Status::warn: return "#d97706";
    case Status::fail: return "#c62828";
    case Status::skipped: return "#9aa3af";
    case Status::unknown: return "#5b5fc7";
  }
  return "#9aa3af";
}

std::string env_label(const std::string& key, Lang l) {
  struct Row {
    const char* key;
    Words words;
  };
  static constexpr Row rows[] = {
      {"os", {"作業系統", "Operating system"}},
      {"kernel", {"核心", "Kernel"}},
      {"architecture", {"架構", "Architecture"}},
      {"hostname", {"電腦名稱", "Host name"}},
      {"user", {"使用者", "User"}},
      {"home", {"家目錄", "Home folder"}},
      {"locale", {"語系", "Locale"}},
      {"desktop", {"桌面環境", "Desktop"}},
      {"network_interfaces", {"網路介面", "Network interfaces"}},
      {"certwiz_version", {"CertWiz 版本", "CertWiz version"}},
      {"lang", {"報告語言", "Report language"}},
      {"pkcs11_module", {"PKCS#11 模組", "PKCS#11 module"}},
      {"site_profile", {"網站設定檔", "Site profile"}},
      {"pin_supplied", {"已提供 PIN（PIN 本身不會記錄）", "PIN supplied (the PIN itself is never recorded)"}},
      {"proxy", {"代理伺服器", "Proxy"}},
  };
  for (const auto& r : rows)
    if (key == r.key) return w(r.words, l);
  return key;
}

std::string env_value(const Json& v, Lang l) {
  if (v.is_null()) return "—";
  if (v.is_boolean()) return w(v.get<bool>() ? kYes : kNo, l);
  if (v.is_string()) return html_escape(v.get<std::string>());
  if (v.is_array() && std::all_of(v.begin(), v.end(), [](const Json& e) { return e.is_object() && e.contains("name"); })) {
    // Network interfaces (and lists like them): one line each.
    std::string out;
    for (const auto& e : v) {
      if (!out.empty()) out += "<br>";
      out += "<b>" + html_escape(e["name"].is_string() ? e["name"].get<std::string>() : e["name"].dump()) + "</b>";
      std::string rest;
      for (auto it = e.begin(); it != e.end(); ++it) {
        if (it.key() == "name") continue;
        const Json& x = it.value();
        std::string val;
        if (it.key() == "up" && x.is_boolean()) {
          val = x.get<bool>() ? (l == Lang::en ? "up" : "啟用") : (l == Lang::en ? "down" : "停用");
        } else if (x.is_array()) {
          for (const auto& y : x) val += (val.empty() ? "" : ", ") + (y.is_string() ? y.get<std::string>() : y.dump());
          if (val.empty()) continue;
        } else {
          val = (it.key() == "mac" ? "MAC " : it.key() + " ") +
                (x.is_string() ? x.get<std::string>() : x.dump(-1, ' ', false, Json::error_handler_t::replace));
        }
        rest += (rest.empty() ? "" : " · ") + val;
      }
      if (!rest.empty()) out += " <span class='cid'>" + html_escape(rest) + "</span>";
    }
    return out;
  }
  return "<span class='cid'>" + html_escape(v.dump(-1, ' ', false, Json::error_handler_t::replace)) + "</span>";
}

// A tick step of 1, 2 or 5 × 10^k that gives at most about eight ticks.
double nice_step(double span) {
  const double raw = span / 8;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * mag >= raw) return m * mag;
  return 10 * mag;
}

std::string timeline_svg(const Report& r, Lang l) {
  const double label_w = 270, chart_x = 280, chart_w = 600, total_w = 980, row_h = 26, top = 30;
  double end_ms = 1;
  for (const auto& c : r.results) end_ms = std::max(end_ms, c.started_ms + c.duration_ms);
  const double step = nice_step(end_ms);
  const double span = std::ceil(end_ms / step) * step;
  const double height = top + row_h * static_cast<double>(r.results.size()) + 10;
  auto x_of = [&](double ms) { return chart_x + chart_w * ms / span; };
  std::string s = "<svg viewBox='0 0 " + fmt("%.0f", total_w) + " " + fmt("%.0f", height) +
                  "' role='img' font-family='inherit' font-size='13'>";
  s += "<title>" + std::string(w(kTimeline, l)) + "</title>";
  // Axis: grid lines and labels.
  for (double t = 0; t <= span + step / 2; t += step) {
    const std::string x = fmt("%.1f", x_of(t));
    s += "<line x1='" + x + "' y1='" + fmt("%.0f", top - 6) + "' x2='" + x + "' y2='" + fmt("%.0f", height - 8) +
         "' stroke='#e3e7ec' stroke-width='1'/>";
    s += "<text x='" + x + "' y='" + fmt("%.0f", top - 12) + "' text-anchor='middle' fill='#5f6b7a' font-size='11'>" +
         (t == 0 ? std::string("0") : format_duration(t)) + "</text>";
  }
  double y = top;
  for (size_t i = 0; i < r.results.size(); ++i) {
    const auto& c = r.results[i];
    const std::string colour = status_colour(c.status);
    if (i % 2 == 0)
      s += "<rect x='0' y='" + fmt("%.0f", y) + "' width='" + fmt("%.0f", total_w) + "' height='" + fmt("%.0f", row_h) +
           "' fill='#f7f9fb'/>";
    const std::string label = truncate_to_width(in(c.title, l).empty() ? c.id : in(c.title, l), 36);
    s += "<text x='" + fmt("%.0f", label_w) + "' y='" + fmt("%.1f", y + row_h / 2 + 4.5) +
         "' text-anchor='end' fill='#1f2933'>" + html_escape(label) + "</text>";
    const double x = x_of(c.started_ms);
    const double bw = std::max(3.0, chart_w * c.duration_ms / span);
    s += "<g><title>" + html_escape(in(c.title, l)) + " — " + status_label(c.status, l) + ", " +
         format_duration(c.duration_ms) + "</title>";
    s += "<rect x='" + fmt("%.1f", x) + "' y='" + fmt("%.1f", y + 6) + "' width='" + fmt("%.1f", bw) +
         "' height='" + fmt("%.0f", row_h - 12) + "' rx='3' fill='" + colour + "'/></g>";
    s += "<text x='" + fmt("%.1f", x + bw + 6) + "' y='" + fmt("%.1f", y + row_h / 2 + 4.5) +
         "' fill='#5f6b7a' font-size='11.5'>" + format_duration(c.duration_ms) + "</text>";
    y += row_h;
  }
  s += "</svg>";
  return s;
}

std::string verdict_heading(const Report& r, Lang l) {
  const bool en = l == Lang::en;
  const size_t fails = r.count(Status::fail), warns = r.count(Status::warn);
  if (r.results.empty()) return w(kNoChecks, l);
  if (fails)
    return en ? std::to_string(fails) + (fails == 1 ? " check failed" : " checks failed") + " and need" +
                    (fails == 1 ? "s" : "") + " attention"
              : "有 " + std::to_string(fails) + " 項檢查失敗，需要處理";
  if (warns)
    return en ? "No failures, but " + std::to_string(warns) + (warns == 1 ? " warning" : " warnings")
              : "沒有失敗，但有 " + std::to_string(warns) + " 項警告";
  if (r.count(Status::unknown)) return w(kUndecided, l);
  return w(kAllPassed, l);
}

void list_item(std::string& out, const CheckResult& c, Lang l, bool with_summary) {
  out += "<li><span class='s-" + std::string(status_name(c.status)) + "'>" + status_icon(c.status, 18) +
         "</span><div><div class='title'>" + html_escape(in(c.title, l)) + "</div>";
  if (with_summary && !in(c.summary, l).empty())
    out += "<div class='sum'>" + html_escape(in(c.summary, l)) + "</div>";
  out += "</div></li>";
}

}  // namespace

std::string html_escape(std::string_view raw) {
  // Display-safe first: control characters, escape sequences and bidi overrides from a
  // server or a report file never reach the page.
  const std::string s = display_safe(raw, LineBreaks::keep);
  std::string out;
  out.reserve(s.size() + s.size() / 8);
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default:
        if ((c < 0x20 && ch != '\n' && ch != '\t') || c == 0x7f) {
          char esc[8];
          std::snprintf(esc, sizeof esc, "\\x%02x", c);
          out += esc;
        } else {
          out += ch;
        }
    }
  }
  return out;
}

std::string render_html(const Report& r) {
  const Lang l = r.lang;
  const Digest d = digest(r);
  const std::string overall(status_name(r.overall()));
  std::string h;
  h.reserve(32768);
  h += "<!DOCTYPE html>\n<html lang='";
  h += l == Lang::en ? "en" : "zh-Hant-TW";
  h += "'>\n<head>\n<meta charset='utf-8'>\n<meta name='viewport' content='width=device-width, initial-scale=1'>\n";
  // No scripts, no fetches: the page must open the same offline, in a mail client, on paper.
  h += "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n";
  h += "<title>CertWiz — " + std::string(w(kTitle, l)) + " · " + html_escape(format_created(r.created_at)) + "</title>\n";
  h += "<style>" + std::string(kCss) + "</style>\n</head>\n<body>\n<div class='page'>\n";

  // Header.
  h += "<header class='top'>" + std::string(kLogo) + "<div><h1>CertWiz " + w(kTitle, l) + "</h1><div class='meta'>";
  h += "<span>" + std::string(w(kCreated, l)) + " " + html_escape(format_created(r.created_at)) + "</span>";
  h += "<span>" + std::string(w(kVersion, l)) + " " + html_escape(r.tool_version) + "</span>";
  h += "<span>" + std::string(w(kCommand, l)) + " <span class='code'>certwiz " + html_escape(r.command) + "</span></span>";
  h += "</div></div>";
  // A padlock drawn inline: emoji fonts are missing on many machines (and in print).
  const std::string lock =
      "<svg width='13' height='13' viewBox='0 0 16 16' aria-hidden='true'><rect x='2.5' y='7' width='11' height='8' rx='1.5' "
      "fill='currentColor'/><path d='M5 7V5a3 3 0 0 1 6 0v2' fill='none' stroke='currentColor' stroke-width='1.8'/></svg>";
  h += r.redacted ? "<span class='badge redacted'>" + lock + w(kRedactedBadge, l) + "</span>"
                  : "<span class='badge unredacted'>&#9888; " + std::string(w(kNotRedacted, l)) + "</span>";
  h += "</header>\n";
  if (!r.redacted) h += "<div class='privacy'>&#9888; " + std::string(w(kNotRedactedWarning, l)) + "</div>\n";

  // Verdict with counts.
  h += "<section class='card verdict s-" + overall + "'>" + status_icon(r.overall(), 56) + "<div><h2>" +
       html_escape(verdict_heading(r, l)) + "</h2><div class='counts'>";
  for (Status s : {Status::pass, Status::warn, Status::fail, Status::skipped, Status::unknown}) {
    const size_t n = r.count(s);
    if (n == 0 && s != Status::pass && s != Status::fail) continue;
    h += "<span class='chip s-" + std::string(status_name(s)) + "'><b>" + std::to_string(n) + "</b> " +
         status_label(s, l) + "</span>";
  }
  h += "</div></div></section>\n";

  // The one thing to do next.
  if (d.next) {
    const auto& c = *d.next;
    h += "<section class='card next'><span class='label'>" + std::string(w(kNextStep, l)) + "</span>";
    h += "<p class='which'><b>" + html_escape(in(c.title, l)) + "</b>";
    if (!in(c.summary, l).empty()) h += " — " + html_escape(in(c.summary, l));
    h += "</p>";
    h += "<p class='remedy'>" + html_escape(in(c.remedy, l).empty() ? in(c.summary, l) : in(c.remedy, l)) + "</p>";
    h += "<p class='cause'>";
    if (!in(c.cause, l).empty()) h += "<span class='advice'><span class='k'>" + std::string(w(kCause, l)) + "</span></span>" + html_escape(in(c.cause, l)) + " ";
    if (!c.code.empty()) h += "<span class='code'>" + html_escape(c.code) + "</span>";
    if (d.not_working.size() > 1) h += " <span class='cid'>(" + std::string(w(kSeeAlso, l)) + ")</span>";
    h += "</p></section>\n";
  } else if (!r.results.empty() && d.not_working.empty()) {
    h += "<section class='card next done'><span class='label'>" + std::string(w(kNextStep, l)) + "</span><p class='remedy'>" +
         w(kNothingToDo, l) + "</p></section>\n";
  }

  // What works, what does not.
  h += "<div class='columns'><section class='card'><h3 class='s-fail'>" + std::string(w(kDoesNotWork, l)) + "</h3><ul class='list'>";
  for (const auto* c : d.not_working) list_item(h, *c, l, true);
  if (d.not_working.empty()) h += "<li class='empty'>" + std::string(w(kNone, l)) + "</li>";
  h += "</ul>";
  if (!d.undecided.empty()) {
    // Skipped and undecided checks are not failures: shown apart so the list above
    // stays the list of things to fix.
    h += "<h4 class='sub'>" + std::string(w(kUndecidedList, l)) + "</h4><ul class='list'>";
    for (const auto* c : d.undecided) list_item(h, *c, l, true);
    h += "</ul>";
  }
  h += "</section><section class='card'><h3 class='s-pass'>" + std::string(w(kWorks, l)) + "</h3><ul class='list'>";
  for (const auto* c : d.working) list_item(h, *c, l, false);
  if (d.working.empty()) h += "<li class='empty'>" + std::string(w(kNone, l)) + "</li>";
  h += "</ul></section></div>\n";

  // Every check.
  h += "<section class='card wide'><h2 class='section'>" + std::string(w(kAllChecks, l)) + "</h2><table class='checks'><thead><tr>";
  for (const Words* col : {&kColStatus, &kColCheck, &kColResult, &kColAdvice, &kColTime})
    h += "<th>" + std::string(w(*col, l)) + "</th>";
  h += "</tr></thead><tbody>\n";
  for (const auto& c : r.results) {
    const std::string st(status_name(c.status));
    h += "<tr class='r-" + st + "'><td class='status'><span class='pill s-" + st + "'>" + status_icon(c.status, 18) +
         status_label(c.status, l) + "</span>";
    if (!c.code.empty()) h += "<br><span class='code'>" + html_escape(c.code) + "</span>";
    h += "</td><td><div class='title'>" + html_escape(in(c.title, l)) + "</div><div class='cid'>" + html_escape(c.id) + "</div></td>";
    h += "<td>" + html_escape(in(c.summary, l));
    if (!c.detail.empty()) h += "<div class='detail'>" + html_escape(c.detail) + "</div>";
    if (!c.evidence.empty() || !c.detail.empty())
      h += " <a class='cid evlink' href='#" + anchor(c.id) + "'>" + w(kEvidenceLink, l) + " ↓</a>";
    h += "</td><td class='advice'>";
    if (!in(c.cause, l).empty())
      h += "<p><span class='k'>" + std::string(w(kCause, l)) + "</span>" + html_escape(in(c.cause, l)) + "</p>";
    if (!in(c.remedy, l).empty())
      h += "<p class='rem'><span class='k'>" + std::string(w(kRemedy, l)) + "</span>" + html_escape(in(c.remedy, l)) + "</p>";
    h += "</td><td class='time'>" + (c.status == Status::skipped && c.duration_ms == 0 ? "—" : format_duration(c.duration_ms)) +
         "</td></tr>\n";
  }
  h += "</tbody></table></section>\n";

  // Timeline.
  if (!r.results.empty()) {
    h += "<section class='card timeline'><h2 class='section'>" + std::string(w(kTimeline, l)) + "</h2><p class='note'>" +
         w(kTimelineNote, l) + "</p>" + timeline_svg(r, l) + "</section>\n";
  }

  // Environment.
  h += "<section class='card'><h2 class='section'>" + std::string(w(kEnvironment, l)) + "</h2><table class='env'><tbody>";
  if (r.environment.is_object())
    for (auto it = r.environment.begin(); it != r.environment.end(); ++it)
      h += "<tr><th>" + html_escape(env_label(it.key(), l)) + "</th><td>" + env_value(it.value(), l) + "</td></tr>";
  h += "</tbody></table></section>\n";

  // Evidence, for the helpdesk; always visible so it prints.
  std::string ev;
  for (const auto& c : r.results) {
    if (c.evidence.empty() && c.detail.empty()) continue;
    ev += "<h3 id='" + anchor(c.id) + "'><span class='s-" + std::string(status_name(c.status)) + "'>" +
          status_icon(c.status, 14) + "</span> " + html_escape(in(c.title, l)) + " <span class='cid'>" + html_escape(c.id) + "</span></h3>";
    if (!c.detail.empty()) ev += "<p class='detail'>" + std::string(w(kDetail, l)) + ": " + html_escape(c.detail) + "</p>";
    if (!c.evidence.empty())
      ev += "<pre>" + html_escape(c.evidence.dump(2, ' ', false, Json::error_handler_t::replace)) + "</pre>";
  }
  if (!ev.empty())
    h += "<section class='card wide evidence'><h2 class='section'>" + std::string(w(kEvidence, l)) + "</h2>" + ev + "</section>\n";

  h += "<footer>" + std::string(w(kFooter, l)) + " " + std::to_string(r.schema_version) + " · " +
       html_escape(format_created(r.created_at)) + "</footer>\n</div>\n</body>\n</html>\n";
  return h;
}

}  // namespace certwiz::report
