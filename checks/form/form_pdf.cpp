#include "checks/form/form_pdf.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <fontconfig/fontconfig.h>
#include <pango/pangocairo.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <vector>

namespace certwiz::form {
namespace {

// A4 in PostScript points.
constexpr double kPageWidth = 595.276;
constexpr double kPageHeight = 841.890;
constexpr double kMargin = 42;
constexpr double kContentWidth = kPageWidth - 2 * kMargin;
constexpr double kLabelWidth = 98;
constexpr double kRowHeight = 31;
constexpr const char* kFont = "Noto Sans CJK TC";
// Noto CJK has no ballot-box glyphs; DejaVu (always beside fontconfig on Debian) does.
constexpr const char* kSymbolFont = "DejaVu Sans, Noto Sans CJK TC";

struct Rgb {
  double r, g, b;
};
constexpr Rgb kInk{0.05, 0.05, 0.08};
constexpr Rgb kGrey{0.42, 0.42, 0.45};
constexpr Rgb kRule{0.25, 0.25, 0.3};
constexpr Rgb kShade{0.92, 0.93, 0.95};

enum class Align { left, center, right };

struct TextStyle {
  double size = 10.5;
  bool bold = false;
  Rgb colour = kInk;
  Align align = Align::left;
  int max_lines = 3;
  const char* family = kFont;
};

class Page {
 public:
  Page(cairo_t* cr, PangoContext* context) : cr_(cr), context_(context) {}

  // Draws `text` in a box of width `w` at (x, y); returns the height used.
  double text(const std::string& s, double x, double y, double w, const TextStyle& st) {
    const double h = layout(s, w, st, true, x, y);
    return h;
  }
  double measure(const std::string& s, double w, const TextStyle& st) { return layout(s, w, st, false, 0, 0); }

  void rect(double x, double y, double w, double h, double line = 0.8, const Rgb* fill = nullptr) {
    cairo_rectangle(cr_, x, y, w, h);
    if (fill) {
      cairo_set_source_rgb(cr_, fill->r, fill->g, fill->b);
      cairo_fill_preserve(cr_);
    }
    cairo_set_source_rgb(cr_, kRule.r, kRule.g, kRule.b);
    cairo_set_line_width(cr_, line);
    cairo_stroke(cr_);
  }
  void line(double x0, double y0, double x1, double y1, double width = 0.8) {
    cairo_move_to(cr_, x0, y0);
    cairo_line_to(cr_, x1, y1);
    cairo_set_source_rgb(cr_, kRule.r, kRule.g, kRule.b);
    cairo_set_line_width(cr_, width);
    cairo_stroke(cr_);
  }
  void dashed_rect(double x, double y, double w, double h) {
    const double dash[] = {4, 3};
    cairo_save(cr_);
    cairo_set_dash(cr_, dash, 2, 0);
    rect(x, y, w, h, 0.9);
    cairo_restore(cr_);
  }

 private:
  double layout(const std::string& s, double w, const TextStyle& st, bool draw, double x, double y) {
    PangoLayout* l = pango_layout_new(context_);
    pango_cairo_update_layout(cr_, l);
    PangoFontDescription* fd = pango_font_description_from_string(st.family);
    pango_font_description_set_absolute_size(fd, st.size * PANGO_SCALE);
    pango_font_description_set_weight(fd, st.bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
    pango_layout_set_font_description(l, fd);
    pango_font_description_free(fd);
    pango_layout_set_width(l, static_cast<int>(w * PANGO_SCALE));
    pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
    pango_layout_set_height(l, -st.max_lines);
    pango_layout_set_ellipsize(l, PANGO_ELLIPSIZE_END);
    pango_layout_set_alignment(l, st.align == Align::center  ? PANGO_ALIGN_CENTER
                                  : st.align == Align::right ? PANGO_ALIGN_RIGHT
                                                             : PANGO_ALIGN_LEFT);
    // Plain text, never markup: the values are the user's.
    pango_layout_set_text(l, s.c_str(), static_cast<int>(s.size()));
    int pw = 0, ph = 0;
    pango_layout_get_size(l, &pw, &ph);
    const double h = static_cast<double>(ph) / PANGO_SCALE;
    if (draw) {
      cairo_set_source_rgb(cr_, st.colour.r, st.colour.g, st.colour.b);
      cairo_move_to(cr_, x, y);
      pango_cairo_show_layout(cr_, l);
    }
    g_object_unref(l);
    return h;
  }
  cairo_t* cr_;
  PangoContext* context_;
};

struct Cell {
  Text label;
  std::string value;
  bool muted = false;  // the "not printed" placeholder
};

TextStyle value_style(bool muted) {
  TextStyle st;
  st.size = 11;
  if (muted) {
    st.colour = kGrey;
    st.size = 9.5;
  }
  return st;
}

// One table row of one or two label/value pairs; returns the row's height.
double draw_row(Page& p, double y, const std::vector<Cell>& cells) {
  const double pair_width = kContentWidth / static_cast<double>(cells.size());
  const double pad = 5;
  TextStyle zh{.size = 9.5, .bold = true};
  TextStyle en{.size = 6.5, .colour = kGrey};
  double h = kRowHeight;
  for (const auto& c : cells) {
    const double vh = p.measure(c.value, pair_width - kLabelWidth - 2 * pad, value_style(c.muted)) + 2 * pad;
    const double lh = p.measure(c.label.zh_TW, kLabelWidth - 2 * pad, zh) + p.measure(c.label.en, kLabelWidth - 2 * pad, en) + 2 * pad;
    h = std::max({h, vh, lh});
  }
  for (size_t i = 0; i < cells.size(); ++i) {
    const double x = kMargin + pair_width * static_cast<double>(i);
    p.rect(x, y, kLabelWidth, h, 0.8, &kShade);
    p.rect(x + kLabelWidth, y, pair_width - kLabelWidth, h);
    const double zh_h = p.measure(cells[i].label.zh_TW, kLabelWidth - 2 * pad, zh);
    const double en_h = p.measure(cells[i].label.en, kLabelWidth - 2 * pad, en);
    double ly = y + (h - zh_h - en_h) / 2;
    ly += p.text(cells[i].label.zh_TW, x + pad, ly, kLabelWidth - 2 * pad, zh);
    p.text(cells[i].label.en, x + pad, ly, kLabelWidth - 2 * pad, en);
    const TextStyle vs = value_style(cells[i].muted);
    const double vw = pair_width - kLabelWidth - 2 * pad;
    const double vh = p.measure(cells[i].value, vw, vs);
    p.text(cells[i].value, x + kLabelWidth + pad, y + (h - vh) / 2, vw, vs);
  }
  return h;
}

double draw_section(Page& p, double y, const std::string& title) {
  TextStyle st{.size = 10.5, .bold = true};
  const double h = 20;
  p.rect(kMargin, y, kContentWidth, h, 0.8, &kShade);
  p.text(title, kMargin + 6, y + (h - p.measure(title, kContentWidth, st)) / 2, kContentWidth - 12, st);
  return h;
}

std::string address_line(const PrintedAddress& a) {
  std::string s = a.zip;
  if (!s.empty()) s += " ";
  s += a.county + a.district;
  if (!a.street.empty()) s += " " + a.street;
  return s;
}

// The two choices as ticked boxes, each its own text run so that a text search
// (and a screen reader) finds "☑ 啟用 Enable" as one piece.
std::string choice_text(bool ticked, const char* zh, const char* en) {
  return std::string(ticked ? "☑" : "☐") + " " + zh + " " + en;
}

void render(cairo_t* cr, PangoContext* context, const ValidatedForm& f, const PdfOptions& o) {
  Page p(cr, context);
  double y = kMargin - 6;
  // Heading.
  y += p.text("網路帳號密碼申請書", kMargin, y, kContentWidth, {.size = 21, .bold = true, .align = Align::center});
  y += p.text("Application for an Online Account (waste declaration site)", kMargin, y, kContentWidth,
              {.size = 9, .colour = kGrey, .align = Align::center});
  y += 6;
  char iso[16];
  std::snprintf(iso, sizeof iso, "%04d-%02u-%02u", static_cast<int>(o.date.year()), static_cast<unsigned>(o.date.month()),
                static_cast<unsigned>(o.date.day()));
  y += p.text("申請日期 Date：" + roc_date(o.date) + "（" + iso + "）", kMargin, y, kContentWidth,
              {.size = 10, .align = Align::right});
  y += 6;

  y += draw_section(p, y, "一、申請單位資料　Applicant");
  y += draw_row(p, y, {{{"營利事業統一編號", "Business ID (UBN)"}, f.ubn},
                       {{"廢棄物管制編號", "Waste control No."}, f.control_no.empty() ? "—" : f.control_no}});
  y += draw_row(p, y, {{{"公司（商業）名稱", "Company name"}, f.company_name}});
  y += draw_row(p, y, {{{"負責人姓名", "Responsible person"}, f.owner_name},
                       {{"負責人身分證字號", "Person's ID No."}, f.owner_id}});
  y += draw_row(p, y, {{{"自訂密碼", "Password"}, "（不列印，請另行妥善保管）(not printed; keep it safe)", true}});
  y += draw_row(p, y, {{{"登記地址", "Registered address"}, address_line(f.reg_address)}});
  y += draw_row(p, y, {{{"通訊地址", "Mailing address"}, address_line(f.mail_address)}});

  y += 8;
  y += draw_section(p, y, "二、聯絡資料　Contact");
  std::string phone1 = f.phone1;
  if (!f.phone1_ext.empty()) phone1 += " 分機 " + f.phone1_ext;
  y += draw_row(p, y, {{{"承辦人", "Contact person"}, f.contact_name}, {{"電子郵件", "E-mail"}, f.email}});
  y += draw_row(p, y, {{{"聯絡電話", "Phone"}, phone1}, {{"聯絡電話（二）", "Phone 2"}, f.phone2.empty() ? "—" : f.phone2}});
  y += draw_row(p, y, {{{"承辦人傳真號碼", "Contact person's fax No."}, f.fax.empty() ? "—" : f.fax}});

  y += 8;
  y += draw_section(p, y, "三、憑證登入　Certificate login");
  {
    // The choices as ticked boxes; the glyphs stay text so the PDF can be searched.
    TextStyle st{.size = 11, .family = kSymbolFont};
    const double pair = kContentWidth / 2;
    const double h = kRowHeight;
    TextStyle st_small = st;
    st_small.size = 10;
    const Cell cells[] = {{{"自然人憑證登入", "Citizen cert. login"}, {}}, {{"工商憑證登入", "Business cert. login"}, {}}};
    const bool enabled[] = {f.citizen_cert_login, f.business_cert_login};
    TextStyle zh{.size = 9.5, .bold = true};
    TextStyle en{.size = 6.5, .colour = kGrey};
    for (size_t i = 0; i < 2; ++i) {
      const double x = kMargin + pair * static_cast<double>(i);
      p.rect(x, y, kLabelWidth, h, 0.8, &kShade);
      p.rect(x + kLabelWidth, y, pair - kLabelWidth, h);
      const double zh_h = p.measure(cells[i].label.zh_TW, kLabelWidth - 10, zh);
      const double en_h = p.measure(cells[i].label.en, kLabelWidth - 10, en);
      double ly = y + (h - zh_h - en_h) / 2;
      ly += p.text(cells[i].label.zh_TW, x + 5, ly, kLabelWidth - 10, zh);
      p.text(cells[i].label.en, x + 5, ly, kLabelWidth - 10, en);
      const double half = (pair - kLabelWidth - 10) / 2;
      const std::string on = choice_text(enabled[i], "啟用", "Enable");
      const std::string off = choice_text(!enabled[i], "停用", "Disable");
      const double vh = p.measure(on, half, st_small);
      p.text(on, x + kLabelWidth + 5, y + (h - vh) / 2, half, st_small);
      p.text(off, x + kLabelWidth + 5 + half, y + (h - vh) / 2, half, st_small);
    }
    y += h;
  }

  y += 8;
  y += draw_section(p, y, "四、用印　Seals");
  {
    const double box_h = 150;
    const double big_w = 200, small_w = 120;
    const double gap = (kContentWidth - big_w - small_w) / 3;
    const double bx = kMargin + gap, sx = bx + big_w + gap;
    const double top = y + 8;
    TextStyle cap{.size = 10, .bold = true, .align = Align::center};
    TextStyle cap_en{.size = 7, .colour = kGrey, .align = Align::center};
    p.dashed_rect(bx, top, big_w, box_h);
    double cy = top + 6;
    cy += p.text("公司大章", bx, cy, big_w, cap);
    p.text("Company seal", bx, cy, big_w, cap_en);
    const double sy = top + (box_h - small_w) / 2 + 10;
    p.dashed_rect(sx, sy, small_w, small_w - 10);
    cy = sy + 6;
    cy += p.text("負責人小章", sx, cy, small_w, cap);
    p.text("Responsible person's seal", sx, cy, small_w, cap_en);
    y = top + box_h + 8;
  }

  y += 4;
  y += draw_section(p, y, "五、應附文件　Attachments");
  {
    const double pad = 6;
    TextStyle st{.size = 9.5};
    TextStyle note{.size = 8.5, .colour = kGrey};
    double ty = y + pad;
    ty += p.text("1. 本申請書（加蓋公司大章及負責人小章）。 This form, stamped with both seals.", kMargin + pad, ty,
                 kContentWidth - 2 * pad, st);
    ty += 2;
    ty += p.text("2. 公司登記或商業登記證明文件影本。 A copy of the company or business registration.", kMargin + pad, ty,
                 kContentWidth - 2 * pad, st);
    ty += 4;
    ty += p.text("列印本申請書並用印後，掃描連同附件上傳至網站。密碼不列印於本表，請自行妥善保管。"
                 " Print, stamp, scan and upload with the attachments. The password is not printed here.",
                 kMargin + pad, ty, kContentWidth - 2 * pad, note);
    p.rect(kMargin, y, kContentWidth, ty - y + pad);
  }
  if (!o.generator.empty())
    p.text(o.generator, kMargin, kPageHeight - kMargin + 14, kContentWidth, {.size = 7, .colour = kGrey, .align = Align::right});
}

}  // namespace

std::string roc_date(std::chrono::year_month_day d) {
  return "中華民國 " + std::to_string(static_cast<int>(d.year()) - 1911) + " 年 " +
         std::to_string(static_cast<unsigned>(d.month())) + " 月 " + std::to_string(static_cast<unsigned>(d.day())) + " 日";
}

std::optional<Error> write_application_pdf(const ValidatedForm& form, const std::string& path, const PdfOptions& options) {
  const std::string tmp = path + ".part";
  cairo_surface_t* surface = cairo_pdf_surface_create(tmp.c_str(), kPageWidth, kPageHeight);
  if (cairo_surface_status(surface) != CAIRO_STATUS_SUCCESS) {
    const std::string why = cairo_status_to_string(cairo_surface_status(surface));
    cairo_surface_destroy(surface);
    std::remove(tmp.c_str());
    return Error{"FORM-PDF-WRITE", "cannot create " + path + ": " + why};
  }
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, "網路帳號密碼申請書");
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, options.generator.c_str());
  cairo_t* cr = cairo_create(surface);
  // A font map of our own, released below, rather than pango's per-thread default:
  // nothing of the render outlives the call, and a GUI's own fonts are not touched.
  PangoFontMap* font_map = pango_cairo_font_map_new();
  PangoContext* context = pango_font_map_create_context(font_map);
  pango_cairo_update_context(cr, context);
  render(cr, context, form, options);
  g_object_unref(context);
  g_object_unref(font_map);
  cairo_show_page(cr);
  const cairo_status_t draw_status = cairo_status(cr);
  cairo_destroy(cr);
  cairo_surface_finish(surface);
  const cairo_status_t status = draw_status != CAIRO_STATUS_SUCCESS ? draw_status : cairo_surface_status(surface);
  cairo_surface_destroy(surface);
  if (status != CAIRO_STATUS_SUCCESS) {
    std::remove(tmp.c_str());
    return Error{"FORM-PDF-WRITE", "cannot write " + path + ": " + cairo_status_to_string(status)};
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return Error{"FORM-PDF-WRITE", "cannot move the finished PDF to " + path};
  }
  return std::nullopt;
}

void release_font_caches_at_exit() {
  cairo_debug_reset_static_data();
  FcFini();
}

}  // namespace certwiz::form
