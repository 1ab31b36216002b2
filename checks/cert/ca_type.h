#pragma once
// Which Taiwan certificate authority issued a certificate, read from the issuer DN's
// OU, and what kind of card that makes it. The table is data (ca_type.cpp).
#include <span>
#include <string_view>

#include "checks/core/text.h"

namespace certwiz::cert {

enum class CaType { moica, moeaca, gca, xca, test, unknown };
// citizen = 自然人憑證, business = 工商憑證, government = 政府機關憑證, organisation = 組織及團體憑證.
enum class CardKind { citizen, business, government, organisation, test, unknown };

struct CaTypeEntry {
  std::string_view issuer_ou;  // exact OU value in the issuer DN
  CaType type;
  CardKind card;
  std::string_view name_zh, name_en;
};

std::span<const CaTypeEntry> ca_type_table();

struct DistinguishedName;
// From the issuer's OU values; unknown when no OU matches an entry exactly.
const CaTypeEntry* ca_type_for_issuer(const DistinguishedName& issuer);

std::string_view ca_type_name(CaType t);      // "MOICA", "MOEACA", "GCA", "XCA", "test", "unknown"
std::string_view card_kind_name(CardKind k);  // "citizen", "business", ...
Text card_kind_text(CardKind k);              // 自然人憑證 / citizen certificate, ...

}  // namespace certwiz::cert
