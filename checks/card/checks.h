#pragma once
// The card-content checks of a diagnosis: card.contents reads every inserted card's
// certificates over PC/SC (no PIN, no middleware needed) and card.crosscheck compares
// them with what the PKCS#11 module and the local signing component report.
#include <string>
#include <vector>

#include "checks/card/card_file_system.h"
#include "checks/core/check.h"
#include "checks/core/options.h"

namespace certwiz::pkcs11 {
struct TokenInventory;
}
namespace certwiz::localsign {
struct Pkcs11Info;
}

namespace certwiz::card {

inline constexpr const char* kContentsCheckId = "card.contents";
inline constexpr const char* kCrossCheckId = "card.crosscheck";

// One card read from one reader.
struct CardRead {
  std::string reader;
  Bytes atr;
  Expected<CardContents> contents = Error{"CARD-READ-NO-ANSWER", "not read"};
  std::vector<TraceEntry> trace;
  double ms = 0;
};
CardRead read_card_in_reader(const std::string& reader, const CardLayout& layout = {});

// One token entry in the shape of the "pkcs11.tokens" evidence (checks/cert reads it),
// plus what only the card itself tells: generation, CDF paths, APDU count and trace
// (response bodies as hashes), the holder summary.
Json card_read_to_json(const CardRead& read, bool full_trace = false);

// The holder's card kind, name and validity from the SIGN certificate, in the user's
// words ("自然人憑證，陳志明，有效至 2031-11-01"), and whether it is valid today.
struct CardHolder {
  Text summary;  // empty when there is no readable SIGN certificate
  bool valid_now = false;
};
CardHolder card_holder(const CardContents& contents);
Text holder_summary(const CardContents& contents);  // card_holder(contents).summary

// What card.contents learned (its model): each card read, in reader order, with its
// holder. The check's evidence is card_read_to_json of each.
struct CardReading {
  CardRead read;
  CardHolder holder;
};
struct CardReadings {
  std::vector<CardReading> cards;
};

// A card as a middleware reports it: the PKCS#11 module (pkcs11.tokens) or the local
// signing component (localsign.tokens).
struct MiddlewareCard {
  std::string source;  // "pkcs11" or "localsign"
  std::string reader, serial;
  struct Cert {
    std::string id, label, sha256, serial;  // the component gives label and serial only
  };
  std::vector<Cert> certs;
};
// The cards in the models of pkcs11.tokens and localsign.tokens (either may be null).
std::vector<MiddlewareCard> middleware_cards(const pkcs11::TokenInventory* pkcs11, const localsign::Pkcs11Info* localsign);

// Compares the cards read directly with the middlewares' cards. Returns the check's result.
CheckResult cross_check(const CardReadings& cards, const std::vector<MiddlewareCard>& others);

// card.contents (after pcsc.readers) and card.crosscheck (after card.contents, and
// pkcs11.tokens / localsign.tokens when `compare_with` names them).
std::vector<Check> card_checks(const RunOptions& options, std::vector<std::string> compare_with = {});

}  // namespace certwiz::card
