// report_sample OUT_DIR: writes the sample report (tests/unit/report/sample_report.h)
// as report.zh_TW.html, report.en.html and report.json, redacted, for the browser
// rendering test and for docs/report-example.png.
#include <cstdio>
#include <string>

#include "checks/report/files.h"
#include "tests/unit/report/sample_report.h"

int main(int argc, char** argv) {
  using namespace certwiz;
  if (argc != 2) {
    std::fprintf(stderr, "usage: report_sample OUT_DIR\n");
    return 3;
  }
  const std::string dir = argv[1];
  for (Lang l : {Lang::zh_TW, Lang::en}) {
    const auto p = report::prepare_report(report::testing::sample_report(l), "", true, report::testing::fixed_redaction());
    const std::string tag(lang_tag(l));
    if (auto e = report::write_file(dir + "/report." + tag + ".html", p.html)) {
      std::fprintf(stderr, "report_sample: %s\n", e->detail.c_str());
      return 4;
    }
    if (l == Lang::zh_TW)
      if (auto e = report::write_file(dir + "/report.json", p.json)) {
        std::fprintf(stderr, "report_sample: %s\n", e->detail.c_str());
        return 4;
      }
  }
  return 0;
}
