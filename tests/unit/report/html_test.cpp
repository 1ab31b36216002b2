// The HTML and JSON reports of a fixed sample: golden files (regenerate with
// CERTWIZ_UPDATE_GOLDEN=1), escaping, self-containment, the summary's next step and
// the timeline.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "checks/report/files.h"
#include "checks/report/html.h"
#include "tests/unit/report/sample_report.h"

namespace certwiz::report {
namespace {

using testing::fixed_redaction;
using testing::sample_report;

std::string read(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Compares `actual` with the golden file, or rewrites it when asked to.
void expect_golden(const std::string& name, const std::string& actual) {
  const std::filesystem::path golden = std::filesystem::path(CERTWIZ_REPORT_GOLDEN_DIR) / name;
  const char* update = std::getenv("CERTWIZ_UPDATE_GOLDEN");
  if (update && *update && std::string(update) != "0") {
    std::ofstream(golden, std::ios::binary | std::ios::trunc) << actual;
    return;
  }
  ASSERT_TRUE(std::filesystem::exists(golden)) << golden << " missing; run with CERTWIZ_UPDATE_GOLDEN=1";
  const std::string expected = read(golden);
  if (expected != actual) {
    // Keep the actual output next to the test binary for a diff.
    const std::filesystem::path out = std::filesystem::path(CERTWIZ_TEST_OUTPUT_DIR) / (name + ".actual");
    std::ofstream(out, std::ios::binary | std::ios::trunc) << actual;
    FAIL() << name << " differs from the golden file; actual output in " << out
           << " (rerun with CERTWIZ_UPDATE_GOLDEN=1 after checking the difference)";
  }
}

TEST(ReportGolden, RedactedJsonAndHtmlInChinese) {
  const auto p = prepare_report(sample_report(Lang::zh_TW), "", true, fixed_redaction());
  expect_golden("report.zh_TW.json", p.json);
  expect_golden("report.zh_TW.html", p.html);
}

TEST(ReportGolden, RedactedHtmlInEnglish) {
  const auto p = prepare_report(sample_report(Lang::en), "", true, fixed_redaction());
  expect_golden("report.en.html", p.html);
}

TEST(ReportGolden, UnredactedJson) {
  const auto p = prepare_report(sample_report(Lang::en), "", false, fixed_redaction());
  expect_golden("report.unredacted.json", p.json);
}

TEST(ReportHtml, EscapesEverythingFromTheModel) {
  Report r = sample_report(Lang::en);
  r.results[0].summary.en = "<img src=x onerror=alert(1)>";
  r.results[0].detail = "\"'><script>alert(2)</script>\x01";
  r.results[0].title.en = "A & B";
  r.environment["os"] = "</td><script>x</script>";
  const std::string h = render_html(r);
  EXPECT_EQ(h.find("<img"), std::string::npos);
  EXPECT_EQ(h.find("<script"), std::string::npos);
  EXPECT_NE(h.find("&lt;img src=x onerror=alert(1)&gt;"), std::string::npos);
  EXPECT_NE(h.find("&quot;&#39;&gt;&lt;script&gt;"), std::string::npos);
  // Control characters and escape sequences are removed (display_safe), never passed through.
  EXPECT_EQ(h.find('\x01'), std::string::npos) << "a control character reached the page";
  EXPECT_EQ(html_escape("a\x1b]0;t\x07" "b\x1b[31mc"), "abc");
  EXPECT_NE(h.find("A &amp; B"), std::string::npos);
  EXPECT_EQ(html_escape("<a href=\"x\">'&'</a>"), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
}

TEST(ReportHtml, IsSelfContainedAndPrintable) {
  const std::string h = render_html(sample_report());
  // URLs may appear as text (evidence), never as something the page loads or links to.
  for (const char* external : {"<script", "<link", "<iframe", "<img", "src=", "url(", "@import", "href='http", "href=\"http"})
    EXPECT_EQ(h.find(external), std::string::npos) << external;
  EXPECT_NE(h.find("@media print"), std::string::npos);
  EXPECT_NE(h.find("<meta charset='utf-8'>"), std::string::npos);
  EXPECT_NE(h.find("<svg"), std::string::npos);
}

TEST(ReportHtml, SummaryNamesTheRootFailureAsTheNextStep) {
  // cert.chain and net.site both fail on their own; localsign.sign fails because of
  // cert.chain. In dependency order cert.chain comes first.
  const std::string h = render_html(sample_report(Lang::en));
  const size_t next = h.find("class='card next'");
  ASSERT_NE(next, std::string::npos);
  const std::string section = h.substr(next, h.find("</section>", next) - next);
  EXPECT_NE(section.find("Run certwiz setup to install the MOICA intermediate"), std::string::npos) << section;
  EXPECT_NE(section.find("CERT-CHAIN-INVALID"), std::string::npos);
  EXPECT_NE(h.find("3 checks failed and need attention"), std::string::npos);
}

TEST(ReportHtml, AllPassedSaysNothingToDo) {
  Report r = sample_report(Lang::zh_TW);
  for (auto& c : r.results) {
    c.status = Status::pass;
    c.code.clear();
    c.cause = {};
    c.remedy = {};
  }
  const std::string h = render_html(r);
  EXPECT_NE(h.find("所有檢查都通過了"), std::string::npos);
  EXPECT_NE(h.find("card next done"), std::string::npos);
  EXPECT_EQ(h.find("lang='en'"), std::string::npos);
  EXPECT_NE(h.find("lang='zh-Hant-TW'"), std::string::npos);
}

TEST(ReportHtml, EmptyReportStillRenders) {
  Report r;
  r.created_at = "2024-01-01T00:00:00Z";
  r.lang = Lang::en;
  const std::string h = render_html(r);
  EXPECT_NE(h.find("No checks were run"), std::string::npos);
  EXPECT_NE(h.find("</html>"), std::string::npos);
}

TEST(ReportHtml, TimelineHasOneBarPerCheckPlacedByStartAndDuration) {
  const Report r = sample_report(Lang::en);
  const std::string h = render_html(r);
  const size_t start = h.find("<svg viewBox");
  ASSERT_NE(start, std::string::npos);
  const std::string svg = h.substr(start, h.find("</svg>", start) - start);
  std::regex bar(R"(<rect x='([0-9.]+)' y='[0-9.]+' width='([0-9.]+)' height='14' rx='3' fill='(#[0-9a-f]{6})'/>)");
  std::vector<std::tuple<double, double, std::string>> bars;
  for (std::sregex_iterator it(svg.begin(), svg.end(), bar), end; it != end; ++it)
    bars.emplace_back(std::stod((*it)[1]), std::stod((*it)[2]), (*it)[3]);
  ASSERT_EQ(bars.size(), r.results.size());
  // net.site (index 8) is the longest and starts at ~0; site.login (10) starts last.
  const auto& net = bars[8];
  for (size_t i = 0; i < bars.size(); ++i) EXPECT_LE(std::get<1>(bars[i]), std::get<1>(net)) << i;
  EXPECT_LT(std::get<0>(net), 282.0);
  EXPECT_GT(std::get<0>(bars[10]), std::get<0>(bars[9]));
  EXPECT_EQ(std::get<2>(net), "#c62828") << "failed checks are red";
  EXPECT_EQ(std::get<2>(bars[0]), "#1a7f37") << "passed checks are green";
}

}  // namespace
}  // namespace certwiz::report
