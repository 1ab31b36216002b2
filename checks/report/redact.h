#pragma once
// Redaction of personal data before a report leaves the machine. Two passes: known
// keys of the JSON tree (holder, subject, serial, ubn, der_base64, ...) are replaced
// and their values learned, then every free string (summaries, details, the log) is
// scrubbed of those values and of patterns (national IDs, IPs, MACs, phone numbers,
// home paths, the user's and the host's names). DNs are parsed, not split at commas;
// a holder certificate's key identifier and fingerprint go with its serial. Serial
// numbers become a short salted hash ("sn#3fa2c1"), stable within one report so a
// helpdesk can still see "same card".
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "checks/core/report_model.h"

namespace certwiz::report {

struct RedactionOptions {
  // The UBN (統一編號) of a company is public; a helpdesk may need it.
  bool keep_ubn = false;
  // Salt of the serial hashes; empty → random (per report). Tests fix it.
  std::string salt;
  // Names of the local user and host to scrub from free text; the system's own
  // (login name, full name, host name) are added unless `use_system_identity` is off.
  std::vector<std::string> user_names;
  std::vector<std::string> host_names;
  bool use_system_identity = true;
};

// Replaces values under secret-looking keys (pin, password, passphrase, ...) with
// "[removed]" and hides the credentials of URLs in strings ("http://***@proxy"), in
// place. PINs live only in Secret and have no path into a report; this is the second
// line of defence, applied with and without redaction.
void remove_secrets(Json& j);
// The same over a whole report: environment, evidence, summaries and details.
void remove_secrets(Report& r);

class Redactor {
 public:
  explicit Redactor(RedactionOptions options = {});

  // A copy of `r` with personal data removed everywhere, `redacted` set.
  Report redact(const Report& r);
  // Redacts one JSON tree in place (both passes), learning its personal values.
  void redact_json(Json& j);
  // Scrubs free text (e.g. the log) of learned values and personal patterns.
  std::string scrub(std::string_view text) const;
  // "sn#" + 6 hex digits of SHA-256(salt, normalised serial).
  std::string serial_token(std::string_view serial) const;

 private:
  void learn(const std::string& value, const std::string& replacement);
  void learn_serial(const std::string& value);
  // A hex identifier in every spelling a log may use (colons or not, either case).
  void learn_identifier(const std::string& value, const std::string& replacement);
  void redact_keys(Json& j, bool personal_subtree, const std::string& parent_key);
  void redact_value(Json& v, const std::string& key, bool personal_subtree);
  std::string redact_dn(const std::string& dn);
  void scrub_tree(Json& j) const;
  std::string replace_known(std::string_view text) const;
  std::string scrub_token(std::string token) const;

  RedactionOptions o_;
  // Learned value → its replacement; applied longest first.
  std::map<std::string, std::string> known_;
  // Dotted numbers found under a version key ("1.3.4.3"): versions, not IPv4
  // addresses, wherever they appear (evidence, summaries, the log).
  std::set<std::string> versions_;
};

}  // namespace certwiz::report
