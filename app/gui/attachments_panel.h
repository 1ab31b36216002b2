#pragma once
// The attachments part of the application page: the stamped application and the business
// registration copy, added and removed by the user, each judged by checks/attach (off
// the UI thread) with its verdict and a preview: the image itself, or a PDF's first page
// as poppler renders it. What it holds is what the submission sends.
#include <memory>
#include <string>
#include <vector>

#include <wx/image.h>
#include <wx/panel.h>

#include "checks/attach/attachment.h"

class wxListBox;
class wxStaticBitmap;
class wxButton;

namespace certwiz::gui {

class Background;
class WrapText;

class AttachmentsPanel : public wxPanel {
 public:
  AttachmentsPanel(wxWindow* parent, Background& bg);

  // Judges the files in the background and lists them (the Add button's dialog ends here).
  void add_files(const std::vector<std::string>& paths);
  void remove_selected();
  bool busy() const { return pending_ > 0; }
  size_t count() const { return items_.size(); }
  // What stops the submission: each refused file's code and the set's own problems.
  std::vector<Error> blocking_problems() const;
  // The files to send, shared: a submission running in the background keeps their bytes.
  std::shared_ptr<const std::vector<attach::Attachment>> accepted() const;

 private:
  struct Item {
    std::shared_ptr<const attach::Attachment> attachment;
    wxImage preview;  // empty when none could be made
  };
  void choose_files();
  void refresh_list();
  void show_selected();
  std::vector<attach::Attachment> set_view() const;  // accepted ones, without their bytes

  Background& bg_;
  std::vector<Item> items_;
  int pending_ = 0;
  wxListBox* list_;
  wxStaticBitmap* preview_;
  WrapText* verdict_;
  wxButton* remove_;
};

}  // namespace certwiz::gui
