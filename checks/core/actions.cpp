#include "checks/core/actions.h"

#include <atomic>

namespace certwiz {
namespace {

std::atomic<FrontEnd> g_front_end{FrontEnd::report};

// The wizard's words match its button and page labels (assets/i18n/zh_TW.po).
constexpr RemedyAction kActions[] = {
    {"install-hicos",
     "按「卡片管理工具與簽章元件」頁的「安裝或更新 HiCOS」按鈕",
     "press \"Install or update HiCOS\" on the \"Card tool and signing component\" page",
     "執行 certwiz install-hicos", "run certwiz install-hicos",
     "以 CertWiz 安裝（精靈的「安裝或更新 HiCOS」按鈕，或指令 certwiz install-hicos）",
     "use CertWiz's installer (the wizard's \"Install or update HiCOS\" button, or certwiz install-hicos)"},
    {"install-unverified",
     "在精靈的確認視窗中按「仍要安裝」", "choose \"Install anyway\" in the wizard's confirmation",
     "以 certwiz install-hicos --accept-unverified 安裝", "install with certwiz install-hicos --accept-unverified",
     "以 certwiz install-hicos --accept-unverified 安裝，或在精靈中按「仍要安裝」",
     "install with certwiz install-hicos --accept-unverified, or choose \"Install anyway\" in the wizard"},
    {"install-hicos-firefox",
     "在終端機執行 certwiz install-hicos --firefox（精靈不設定 Firefox）",
     "run certwiz install-hicos --firefox in a terminal (the wizard does not set up Firefox)",
     "執行 certwiz install-hicos --firefox", "run certwiz install-hicos --firefox",
     "執行 certwiz install-hicos --firefox", "run certwiz install-hicos --firefox"},
    {"uninstall-hicos",
     "在終端機執行 certwiz uninstall-hicos", "run certwiz uninstall-hicos in a terminal",
     "執行 certwiz uninstall-hicos", "run certwiz uninstall-hicos",
     "執行 certwiz uninstall-hicos", "run certwiz uninstall-hicos"},
    {"selftest",
     "在「卡片檢查」頁按「輸入 PIN 碼並測試卡片」", "press \"Enter the PIN and test the card\" on the \"Card check\" page",
     "執行 certwiz selftest", "run certwiz selftest",
     "執行卡片自我測試（精靈的「卡片檢查」頁，或指令 certwiz selftest）",
     "run the card self-tests (the wizard's \"Card check\" page, or certwiz selftest)"},
    {"diagnose",
     "在歡迎頁選「疑難排解」執行所有檢查", "choose troubleshooting on the \"Welcome\" page to run every check",
     "執行 certwiz diagnose", "run certwiz diagnose",
     "執行所有檢查（精靈的疑難排解，或指令 certwiz diagnose）",
     "run every check (the wizard's troubleshooting, or certwiz diagnose)"},
    {"export-report",
     "在「摘要」頁按「匯出報告」", "press \"Export the report\" on the \"Summary\" page",
     "以 certwiz diagnose --bundle report.zip 存下診斷報告", "save the diagnostic report with certwiz diagnose --bundle report.zip",
     "匯出診斷報告（精靈的「匯出報告」按鈕，或指令 certwiz diagnose --bundle）",
     "export the diagnostic report (the wizard's \"Export the report\" button, or certwiz diagnose --bundle)"},
    {"bind",
     "在「憑證綁定」頁按「綁定憑證」", "press \"Bind the card\" on the \"Binding\" page",
     "執行 certwiz bind", "run certwiz bind",
     "精靈的「憑證綁定」頁，或指令 certwiz bind", "the wizard's \"Binding\" page, or certwiz bind"},
    {"confirm-final-try",
     "在 PIN 碼視窗中勾選確認後再試", "tick the confirmation in the PIN dialog and try again",
     "加上 --confirm-final-try 再執行一次", "run again with --confirm-final-try",
     "另外確認這一次嘗試後再試（精靈：PIN 碼視窗中的確認勾選；命令列：--confirm-final-try）",
     "confirm this try separately and try again (wizard: the check box in the PIN dialog; command line: "
     "--confirm-final-try)"},
    {"company-ca",
     "以 --cacert 檔案 啟動精靈，指定公司的根憑證（PEM）", "start the wizard with --cacert FILE naming your company's root certificate (PEM)",
     "以 --cacert 檔案 指定公司的根憑證（PEM）", "give your company's root certificate (PEM) with --cacert FILE",
     "以 --cacert 檔案 指定公司的根憑證（精靈與 certwiz install-hicos 都接受）",
     "give your company's root certificate with --cacert FILE (the wizard and certwiz install-hicos both take it)"},
    {"install-system",
     "精靈只安裝給目前的使用者；要安裝給所有使用者，請以系統管理員身分在終端機執行 certwiz install-hicos --system",
     "the wizard installs for the current user only; to install for all users, run certwiz install-hicos --system as "
     "an administrator in a terminal",
     "要安裝給所有使用者時，請以系統管理員身分執行 certwiz install-hicos --system",
     "to install for all users, run certwiz install-hicos --system as an administrator",
     "要安裝給所有使用者時，請以系統管理員身分執行 certwiz install-hicos --system（精靈只安裝給目前的使用者）",
     "to install for all users, run certwiz install-hicos --system as an administrator (the wizard installs for the "
     "current user only)"},
    {"choose-reader",
     "在「卡片檢查」頁選擇要測試的卡片", "choose the card to test on the \"Card check\" page",
     "用 --slot 指定讀卡機名稱", "name its reader with --slot",
     "指定要測試的讀卡機（精靈的「卡片檢查」頁，或命令列 --slot）",
     "name the reader to test (the wizard's \"Card check\" page, or --slot)"},
};

constexpr std::string_view kOpen = "{action:";

// Whether what follows `out` starts an English sentence (so the phrase gets a capital).
bool starts_sentence(const std::string& out) {
  size_t i = out.size();
  while (i > 0 && out[i - 1] == ' ') --i;
  return i == 0 || out[i - 1] == '.';
}

}  // namespace

void set_front_end(FrontEnd fe) { g_front_end = fe; }
FrontEnd front_end() { return g_front_end; }

std::string_view RemedyAction::phrase(FrontEnd fe, Lang l) const {
  const bool en = l == Lang::en;
  switch (fe) {
    case FrontEnd::gui: return en ? gui_en : gui_zh;
    case FrontEnd::cli: return en ? cli_en : cli_zh;
    case FrontEnd::report: break;
  }
  return en ? report_en : report_zh;
}

std::span<const RemedyAction> remedy_actions() { return kActions; }

const RemedyAction* find_remedy_action(std::string_view id) {
  for (const auto& a : kActions)
    if (a.id == id) return &a;
  return nullptr;
}

std::string render_actions(std::string_view text, FrontEnd fe, Lang l) {
  std::string out;
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t open = text.find(kOpen, pos);
    const size_t close = open == std::string_view::npos ? open : text.find('}', open);
    if (close == std::string_view::npos) break;
    out.append(text, pos, open - pos);
    const std::string_view id = text.substr(open + kOpen.size(), close - open - kOpen.size());
    if (const RemedyAction* a = find_remedy_action(id)) {
      std::string phrase(a->phrase(fe, l));
      if (l == Lang::en && starts_sentence(out) && !phrase.empty() && phrase[0] >= 'a' && phrase[0] <= 'z')
        phrase[0] = static_cast<char>(phrase[0] - 'a' + 'A');
      out += phrase;
    } else {
      out.append(text, open, close + 1 - open);
    }
    pos = close + 1;
  }
  if (pos < text.size()) out.append(text, pos);
  return out;
}

Text render_actions(const Text& text, FrontEnd fe) {
  return {render_actions(text.zh_TW, fe, Lang::zh_TW), render_actions(text.en, fe, Lang::en)};
}

std::string remedy_actions_markdown() {
  std::string out =
      "\n## Actions named in remedies\n\n"
      "A remedy's `{action:ID}` is said in the words of the front end that shows it: the wizard names its "
      "button or page, the command line its command, a report both. The remedies above are in the report's "
      "words.\n\n| action | wizard | command line |\n|---|---|---|\n";
  for (const auto& a : kActions) {
    out += "| `";
    out += a.id;
    out += "` | ";
    out += a.gui_zh;
    out += "<br>";
    out += a.gui_en;
    out += " | ";
    out += a.cli_zh;
    out += "<br>";
    out += a.cli_en;
    out += " |\n";
  }
  return out;
}

std::string unknown_actions(std::string_view text) {
  std::string unknown;
  for (size_t open = text.find(kOpen); open != std::string_view::npos; open = text.find(kOpen, open + 1)) {
    const size_t close = text.find('}', open);
    const std::string_view id =
        text.substr(open + kOpen.size(), close == std::string_view::npos ? std::string_view::npos : close - open - kOpen.size());
    if (!find_remedy_action(id)) unknown += (unknown.empty() ? "" : " ") + std::string(id);
  }
  return unknown;
}

}  // namespace certwiz
