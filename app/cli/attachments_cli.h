#pragma once
// `certwiz apply --attach F`: the scans judged (checks/attach) and listed before anything
// is sent; the accepted ones become the upload of --submit.
#include <string>
#include <vector>

#include "checks/attach/attachment.h"
#include "checks/core/text.h"
#include "checks/form/submit.h"

namespace certwiz::cli {

// Judges every file and the set, prints one line per file (✓ / ! / ✗ with its code) and
// each problem of the set. False when anything is refused: nothing may be sent then.
bool judge_attachments(const std::vector<std::string>& paths, Lang lang, std::vector<attach::Attachment>& out);
// The accepted attachments as the submitter sends them (views into `set`'s bytes).
std::vector<form::AttachmentUpload> attachment_uploads(const std::vector<attach::Attachment>& set);

}  // namespace certwiz::cli
