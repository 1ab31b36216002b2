#pragma once
// Actions a remedy names, in the words of the front end the user is reading: the wizard
// names its button or page, the CLI its command, a report both (a helpdesk may use
// either). Remedies in the codes.def files hold {action:ID} placeholders; rendering
// replaces each with the phrase of one front end, so no GUI row says "run certwiz ...".
#include <span>
#include <string>
#include <string_view>

#include "checks/core/text.h"

namespace certwiz {

enum class FrontEnd { gui, cli, report };

// The front end this process speaks through: set once at start by the wizard or the CLI;
// report (the neutral form) until then.
void set_front_end(FrontEnd fe);
FrontEnd front_end();

struct RemedyAction {
  std::string_view id;  // "install-hicos", the ID of {action:ID}
  std::string_view gui_zh, gui_en;
  std::string_view cli_zh, cli_en;
  std::string_view report_zh, report_en;

  std::string_view phrase(FrontEnd fe, Lang l) const;
};

std::span<const RemedyAction> remedy_actions();
const RemedyAction* find_remedy_action(std::string_view id);

// `text` with every {action:ID} replaced by that action's phrase for `fe` (capitalised
// where it starts an English sentence). An unknown ID is left as it is.
std::string render_actions(std::string_view text, FrontEnd fe, Lang l);
Text render_actions(const Text& text, FrontEnd fe);

// The actions as a Markdown section (appended to docs/failure-codes.md).
std::string remedy_actions_markdown();

// The IDs of the {action:...} placeholders in `text` that name no action (catalogue tests).
std::string unknown_actions(std::string_view text);

}  // namespace certwiz
