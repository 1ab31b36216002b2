#pragma once
// Reading a HiCOS card's certificates straight from its file system (facts file, "The
// card's file system"): detect the generation, read TokenInfo and the CDF, then each
// certificate. Only SELECT and READ BINARY are sent, through ApduChannel (read-only by
// construction); no PIN, no middleware.
#include <string>
#include <vector>

#include "checks/card/apdu.h"
#include "checks/card/cdf.h"

namespace certwiz::card {

enum class Generation { gen1, gen2 };
std::string_view generation_name(Generation g);

// Where each generation keeps its files. Gen1 FIDs are from traces of real cards; gen2's
// directory FIDs are inferred (the same FIDs under the applet), so a gen2 card without
// them is read as far as it goes and the gaps are noted, not guessed.
struct CardLayout {
  Bytes gen2_aid{0xA0, 0x00, 0x00, 0x02, 0x83, 0x00, 0x00, 0x06, 0x22, 0x01, 0x69, 0x64, 0x00, 0x01, 0x01, 0x01};
  std::uint16_t mf = 0x3F00;
  std::uint16_t pkcs15_df = 0x5030;  // gen1's proprietary PKCS#15 DF
  std::uint16_t applet_alias = 0x7FFF;  // gen2 CDF paths: "the applet"
  std::uint16_t cdf = 0x4104;
  std::uint16_t token_info = 0x5032;
  size_t gen1_chunk = 200;      // READ BINARY at most 0xC8 bytes on gen1
  size_t gen2_chunk = 240;
  size_t small_chunk = 16;      // after 69 87
  size_t max_directory = 16384;  // a directory file larger than this is not believed
};

struct CertificateOnCard {
  CdfRecord record;
  Bytes der;            // empty when it could not be read
  std::string problem;  // why not (code + detail), empty when read
  std::string problem_code;
};

struct CardContents {
  Generation generation = Generation::gen1;
  std::uint8_t cla = 0x80;
  std::optional<TokenInfo> token_info;
  std::vector<CdfRecord> cdf;
  std::vector<std::string> cdf_problems;
  std::vector<CertificateOnCard> certificates;
  std::vector<std::string> notes;  // inferred facts that did not hold, tolerated
};

// Reads everything. Errors for the card as a whole: CARD-READ-FOREIGN (no HiCOS file
// system), CARD-READ-REMOVED / CARD-READ-RESET (from the transport), CARD-CDF-MALFORMED
// (no record at all), CARD-READ-FAILED (an unexpected status word). Per-certificate
// failures (CARD-CERT-OUT-OF-RANGE, CARD-CERT-UNREADABLE) are kept in `certificates`.
Expected<CardContents> read_card_contents(ApduChannel& channel, const CardLayout& layout = {});

}  // namespace certwiz::card
