#!/usr/bin/env python3
"""Fills assets/i18n/zh_TW.po from the wizard's template (msgids in English) and the
translations below; en.po keeps the English (empty msgstr = the msgid).
Refresh: xgettext --from-code=UTF-8 --keyword=_ --language=C++ --no-location --sort-output \
           -o /tmp/certwiz-wizard.pot app/gui/*.cpp && assets/i18n/translate_zh_TW.py /tmp/certwiz-wizard.pot
"""
import re
import sys

ZH = {
    "Cause: ": "原因：",
    "What to do: ": "處理方式：",
    "Failure code: ": "錯誤代碼：",
    "Check: ": "檢查項目：",
    "Technical details: ": "技術細節：",
    "Evidence:\n": "檢查到的資料：\n",
    "Check details": "檢查結果詳細內容",
    "&Copy": "複製(&C)",
    "Copy the details": "複製詳細內容",
    "C&lose": "關閉(&L)",
    "The clipboard is busy; try again.": "剪貼簿正被其他程式使用，請再試一次。",
    "Copied.": "已複製。",
    "Check results: press Enter on a row for all of it": "檢查結果：在一列上按 Enter 可看完整內容",
    "Double-click a row, or press Enter, to read all of it and copy it.": "按兩下一列或按 Enter，可看完整內容並複製。",
    "Missing: %s": "尚缺：%s",
    "%s (%s)": "%s（%s）",
    "Attachments: the stamped application and the business registration copy, scanned (PDF, JPEG or PNG)": "附件：用印申請書與營利事業登記證影本的掃描檔（PDF、JPEG 或 PNG）",
    "&Add a scan...": "加入掃描檔(&A)…",
    "&Remove": "移除(&R)",
    "Add a scanned document": "加入掃描文件",
    "Scans (*.pdf;*.jpg;*.jpeg;*.png)|*.pdf;*.PDF;*.jpg;*.JPG;*.jpeg;*.JPEG;*.png;*.PNG|All files|*": "掃描檔 (*.pdf;*.jpg;*.jpeg;*.png)|*.pdf;*.PDF;*.jpg;*.JPG;*.jpeg;*.JPEG;*.png;*.PNG|所有檔案|*",
    "PDF, %d page(s), %s": "PDF，%d 頁，%s",
    "%s image, %u x %u pixels, %s": "%s 圖片，%u x %u 像素，%s",
    "unknown": "不明",
    "Unverified package": "未經核對的套件",
    "Install anyway": "仍要安裝",
    "Do not install": "不要安裝",
    "The package list pins no SHA-256 for this package, so CertWiz cannot tell whether the download is the genuine HiCOS package.\n\nSHA-256: %s\nSize: %s bytes\nDownload server certificate: %s\nIssued by: %s\n\nCompare the SHA-256 with the one published on the official download page before you install it. Install it anyway?": "套件清單沒有記載這個套件的 SHA-256，CertWiz 無法確認下載的檔案是真正的 HiCOS 套件。\n\nSHA-256：%s\n大小：%s 位元組\n下載伺服器憑證：%s\n簽發者：%s\n\n安裝前請把 SHA-256 與官方下載頁公告的值比對。仍要安裝嗎？",
    "Saving the report...": "正在儲存報告…",
    "Everything that was checked works.": "檢查過的項目都正常。",
    "Setup is not complete yet. Still missing: %s.": "設定尚未完成，仍缺：%s。",
    "Setup complete: every step is done and every check passed.": "設定完成：每個步驟都已完成，所有檢查都通過。",
    "Next step: finish the steps not done yet.": "下一步：完成尚未完成的步驟。",
    "Done, with warnings": "已完成，有警告",
    ", ": "、",
    "%s (not done yet)": "%s（尚未完成）",
    "   about %ld s left": "　約剩 %ld 秒",
    "%zu checks run.": "已完成 %zu 項檢查。",
    "&Bind the card (asks for the PIN)...": "綁定憑證（需輸入 PIN 碼）(&B)…",
    "&Close": "關閉(&C)",
    "&Export the report...": "匯出報告(&E)…",
    "&Finish": "完成(&F)",
    "&Install or update HiCOS": "安裝或更新 HiCOS(&I)",
    "&Load from the registry": "載入(&L)",
    "&Next >": "下一步(&N) >",
    "&Open a report file (helpdesk)...": "開啟報告檔（客服人員）(&O)…",
    "&PIN (6 to 8 letters or digits):": "PIN 碼（6 到 8 碼英數字）(&P)：",
    "&Same as above": "同上(&S)",
    "&Test the login (asks for the PIN)...": "測試登入（需輸入 PIN 碼）(&T)…",
    "&UBN:": "統一編號(&U)：",
    "&Verification code (from the approval letter):": "驗證碼（核准通知上的）(&V)：",
    "&Waste control No.:": "廢棄物管制編號(&W)：",
    "(choose one on the card page)": "（請在卡片檢查頁選擇）",
    "< &Back": "< 上一步(&B)",
    "Account application": "帳號申請",
    "Application form checked and saved": "申請書已檢查並存檔",
    "Asking the company registry...": "正在查詢公司登記資料…",
    "Binding": "憑證綁定",
    "Binding...": "綁定中…",
    "Bound certificate: ": "已綁定的憑證：",
    "Business certificate (MOEACA)": "工商憑證（MOEACA）",
    "C&ancel": "取消(&A)",
    "C&ancel install": "取消安裝(&A)",
    "C&ard to test:": "要測試的卡片(&A)：",
    "Cancelling...": "正在取消…",
    "Card": "卡片",
    "Card (PKCS#11)": "卡片（PKCS#11）",
    "Card PIN": "卡片 PIN 碼",
    "Card bound to the account": "憑證已綁定帳號",
    "Card check": "卡片檢查",
    "Card inserted": "已插入卡片",
    "Card inserted: ": "已插入卡片：",
    "Card reader and card": "讀卡機與卡片",
    "Card readers": "讀卡機",
    "Card to test": "要測試的卡片",
    "Certificates on the cards": "卡片上的憑證",
    "Card readers (updated as you insert or remove a card):": "讀卡機（插拔卡片時即時更新）：",
    "Card self-tests passed": "卡片自我測試通過",
    "Card tool and signing component": "卡片管理工具與簽章元件",
    "Card: ": "卡片：",
    "CertWiz": "CertWiz 憑證精靈",
    "CertWiz certificate login setup": "CertWiz 憑證登入設定精靈",
    "CertWiz reports (*.zip;*.json)|*.zip;*.json": "CertWiz 報告檔 (*.zip;*.json)|*.zip;*.json",
    "Certificates on the cards:": "卡片上的憑證：",
    "Chec&k the form": "檢查申請書(&K)",
    "Check": "檢查項目",
    "Check &again": "重新檢查(&A)",
    "Check a&gain": "重新檢查(&G)",
    "Checking": "檢查中",
    "Checks:": "檢查結果：",
    "Citizen digital certificate (MOICA)": "自然人憑證（MOICA）",
    "Connecting to the smart card service...": "正在連線到智慧卡服務…",
    "Disable": "停用",
    "Done": "完成",
    "Done.": "完成。",
    "Downloading...": "下載中…",
    "Enable": "啟用",
    "Encryption": "加密",
    "Enter the &PIN and test the card...": "輸入 PIN 碼並測試卡片(&P)…",
    "Every check at once: the smart card service, readers, card, card tool, certificates, signing component and network. Each problem has its failure code and what to do.":
        "一次執行所有檢查：智慧卡服務、讀卡機、卡片、卡片管理工具、憑證、簽章元件與網路。每個問題都附有錯誤代碼與處理方式。",
    "Every field of the form passes.": "申請書各欄位檢查通過。",
    "Failed": "失敗",
    "Failure code": "錯誤代碼",
    "First-time setup: check everything step by step and bind the card": "第一次設定：逐步檢查並綁定憑證",
    "Form saved: ": "申請書已儲存：",
    "HiCOS (the card tool with the PKCS#11 module) and the local signing component that the site's login page uses: installed or not, and which versions.":
        "HiCOS 卡片管理工具（含 PKCS#11 模組）與網站登入頁使用的跨平台網頁元件：是否已安裝、版本為何。",
    "Have the card reader plugged in and the card inserted. Nothing is sent anywhere until you bind the card or export a report; the PIN goes only to the card.":
        "請先接上讀卡機並插入卡片。在您綁定憑證或匯出報告之前，不會傳送任何資料；PIN 碼只會送到卡片。",
    "Holder": "持有人",
    "I am sure of this PIN and accept that the card locks if it is wrong": "我確定這個 PIN 碼正確，並了解輸入錯誤將鎖卡",
    "I am sure of this PIN and accept that this try may be the last (the card locks if it is wrong)": "我確定這個 PIN 碼正確，並接受這一次可能就是最後一次機會（輸入錯誤將鎖卡）",
    "Issuer": "發卡單位",
    "Issuer: ": "發卡單位：",
    "Loaded from the company registry: %zu field(s) filled, %zu kept as you typed them.":
        "已從公司登記資料載入：填入 %zu 個欄位，保留您已輸入的 %zu 個欄位。",
    "Loading the module to verify it...": "正在載入模組以確認可用…",
    "Local signing component (browser path)": "跨平台網頁元件（瀏覽器途徑）",
    "Logged in, session confirmed, logged out": "登入成功，已確認登入狀態並登出",
    "Logging in...": "登入中…",
    "Login type: business certificate": "登入方式：工商憑證",
    "Login type: citizen certificate": "登入方式：自然人憑證",
    "Logs in to the site with the bound card the way the site's page does, through each signing path, checks the session and logs out again.":
        "以網站登入頁的方式，透過每一種簽章途徑用已綁定的卡片登入網站，確認登入狀態後登出。",
    "NOT redacted: contains personal data": "未遮蔽：含個人資料",
    "Next step: ": "下一步：",
    "No card": "沒有卡片",
    "Not done yet": "尚未完成",
    "Only 1 try is left: a wrong PIN now locks the card.": "只剩最後 1 次機會：這次輸入錯誤，卡片就會鎖住。",
    "Open a CertWiz report": "開啟 CertWiz 報告",
    "PDF files (*.pdf)|*.pdf": "PDF 檔 (*.pdf)|*.pdf",
    "Passed": "通過",
    "Print it, stamp it with the company seal and the responsible person's seal, and upload the scan.":
        "請列印、加蓋公司大章及負責人小章，再掃描上傳。",
    "Read the cards a&gain": "重新讀取卡片(&G)",
    "Reader": "讀卡機",
    "Reading the cards...": "正在讀取卡片…",
    "Reading the package list...": "正在讀取套件清單…",
    "Registering the PKCS#11 module...": "正在登錄 PKCS#11 模組…",
    "Report file: ": "報告檔：",
    "Report saved (personal data removed): ": "報告已儲存（已遮蔽個人資料）：",
    "Report saved: ": "報告已儲存：",
    "Result": "結果",
    "Running %zu checks...": "正在執行 %zu 項檢查…",
    "S&ubmit the application": "送出申請(&U)",
    "Save as P&DF to print...": "存成 PDF 以便列印(&D)…",
    "Save the application form": "儲存申請書",
    "Save the report": "儲存報告",
    "Self-tests:": "自我測試：",
    "Sending the application...": "正在送出申請…",
    "Sign &through:": "簽章途徑(&T)：",
    "Signing": "簽章",
    "Signing path": "簽章途徑",
    "Skipped": "略過",
    "Some self-tests did not pass; see the table.": "部分自我測試未通過，請看下表。",
    "Starting the install...": "開始安裝…",
    "Status": "狀態",
    "Step": "步驟",
    "Still to do:": "尚待處理：",
    "Summary": "摘要",
    "Test login": "測試登入",
    "Test login succeeded through every signing path.": "所有簽章途徑都測試登入成功。",
    "Testing the card...": "正在測試卡片…",
    "The account application form. Type the UBN and press Load to fill in what the company registry knows; each field is checked as you type. Print the form, stamp it and upload it, or submit it.":
        "網路帳號密碼申請書。輸入統一編號後按「載入」即可帶入公司登記資料；每個欄位在輸入時即時檢查。可列印用印後上傳，或直接送出申請。",
    "The card does not answer: take it out and insert it again.": "卡片沒有回應：請取出後重新插入。",
    "The card does not say how many tries are left.": "卡片沒有提供剩餘嘗試次數。",
    "The card passed every self-test.": "卡片通過所有自我測試。",
    "The card's PIN is locked. It cannot be tried; unlock it with the card tool (HiCOS) or at a household registration office.":
        "卡片 PIN 碼已鎖住，無法再嘗試；請用 HiCOS 卡片管理工具或到戶政事務所解鎖。",
    "The certificates on your card, then a test of the card itself: the PIN, signing, decryption and the login signature. The PIN is sent to the card only.":
        "卡片上的憑證，以及卡片本身的測試：PIN 碼、簽章、解密與登入簽章。PIN 碼只會送到卡片。",
    "The form has %zu problem(s); they are shown under the fields.": "申請書有 %zu 個問題，已標示在各欄位下方。",
    "The smart card service (PC/SC), your card readers and the card. Insert or remove the card: this page follows within a second.":
        "智慧卡服務（PC/SC）、讀卡機與卡片。插入或取出卡片時，本頁會在一秒內更新。",
    "The smart card service is running.": "智慧卡服務正在執行。",
    "The smart card service stopped; waiting for it to come back.": "智慧卡服務已停止，正在等待它恢復。",
    "This wizard sets up certificate login for the waste declaration site: card reader, card tool, card, account application, binding and a test login.":
        "本精靈協助您設定事業廢棄物申報網站的憑證登入：讀卡機、卡片管理工具、卡片、帳號申請、憑證綁定與測試登入。",
    "Time": "時間",
    "Tries left: %d (the card locks after 3 wrong PINs).": "剩餘嘗試次數：%d（連續輸入錯誤 3 次卡片會鎖住）。",
    "Troubleshoot: run every check at once and show one table of results": "疑難排解：一次執行所有檢查並以一張表列出結果",
    "Troubleshooting": "疑難排解",
    "Undecided": "無法判斷",
    "Undoing the changes...": "正在復原變更…",
    "Unpacking...": "解壓縮中…",
    "Use": "用途",
    "Valid until": "有效期限",
    "Verification code tries left: %d": "驗證碼剩餘嘗試次數：%d",
    "Warning": "警告",
    "Welcome": "歡迎",
    "What do you want to do?": "您要做什麼？",
    "What to do": "處理方式",
    "What was done, what still needs doing, and a report to keep or send to a helpdesk.":
        "已完成的項目、尚待處理的項目，以及可保存或寄給客服的報告。",
    "Which card will you log in with?": "您要用哪一種憑證登入？",
    "Bind your card to the site account: the UBN, the control number and the verification code from the approval, then the PIN. The PIN goes to the card (or the signing component) only, never to the site.":
        "將憑證綁定到網站帳號：輸入統一編號、管制編號與核准時取得的驗證碼，再輸入 PIN 碼。PIN 碼只會送到卡片（或簽章元件），不會送到網站。",
    "ZIP files (*.zip)|*.zip": "ZIP 檔 (*.zip)|*.zip",
    "a card this wizard does not know": "本精靈無法辨識的卡片",
    "personal data removed": "已遮蔽個人資料",
}


def entries(pot):
    """(msgid) of each entry of a .pot file, multi-line strings joined."""
    out, cur, in_id = [], None, False
    for line in pot.splitlines():
        if line.startswith("msgid "):
            cur, in_id = [line[6:]], True
        elif line.startswith('"') and in_id:
            cur.append(line)
        elif line.startswith("msgstr"):
            in_id = False
            out.append("".join(eval(s) for s in cur))  # C-style quoted pieces
    return [e for e in out if e]


def quote(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def main():
    pot = open(sys.argv[1], encoding="utf-8").read()
    ids = entries(pot)
    # msgids must be ASCII: wx converts a narrow literal with the C library's locale.
    non_ascii = [i for i in ids if not i.isascii()]
    if non_ascii:
        sys.exit("non-ASCII msgids (put the Chinese in the translation):\n" + "\n".join(non_ascii))
    missing = [i for i in ids if i not in ZH]
    if missing:
        sys.exit("untranslated:\n" + "\n".join(missing))
    header = ('msgid ""\nmsgstr ""\n"Project-Id-Version: certwiz-wizard\\n"\n"PO-Revision-Date: 2026-11-27 00:00+0800\\n"\n"Last-Translator: CertWiz\\n"\n"Language-Team: CertWiz\\n"\n"Language: {lang}\\n"\n'
              '"MIME-Version: 1.0\\n"\n"Content-Type: text/plain; charset=UTF-8\\n"\n"Content-Transfer-Encoding: 8bit\\n"\n'
              '"Plural-Forms: nplurals=1; plural=0;\\n"\n')
    for lang, table in (("zh_TW", ZH), ("en", {})):
        with open(f"{sys.path[0]}/{lang}.po", "w", encoding="utf-8") as f:
            f.write("# CertWiz wizard strings (" + lang + "); generated by translate_zh_TW.py from app/gui/*.cpp.\n")
            f.write(header.format(lang=lang))
            for i in ids:
                flag = "#, c-format\n" if re.search(r"%[dszl]", i) else ""
                f.write(f"\n{flag}msgid {quote(i)}\nmsgstr {quote(table.get(i, ''))}\n")


main()
