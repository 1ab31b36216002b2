#include "checks/cert/ca_type.h"

#include "checks/cert/cert_info.h"

namespace certwiz::cert {
namespace {

// Issuer OU → CA. Exact match: 政府測試憑證管理中心 contains no other entry's name as a
// prefix, but an exact comparison keeps it that way if the table grows.
constexpr CaTypeEntry kCaTypes[] = {
    {"內政部憑證管理中心", CaType::moica, CardKind::citizen, "內政部憑證管理中心 (MOICA)", "MOICA"},
    {"工商憑證管理中心", CaType::moeaca, CardKind::business, "工商憑證管理中心 (MOEACA)", "MOEACA"},
    {"政府憑證管理中心", CaType::gca, CardKind::government, "政府憑證管理中心 (GCA)", "GCA"},
    {"組織及團體憑證管理中心", CaType::xca, CardKind::organisation, "組織及團體憑證管理中心 (XCA)", "XCA"},
    {"政府測試憑證管理中心", CaType::test, CardKind::test, "政府測試憑證管理中心 (測試)", "government test CA"},
};

}  // namespace

std::span<const CaTypeEntry> ca_type_table() { return kCaTypes; }

const CaTypeEntry* ca_type_for_issuer(const DistinguishedName& issuer) {
  for (const auto& ou : issuer.values("OU"))
    for (const auto& e : kCaTypes)
      if (ou == e.issuer_ou) return &e;
  return nullptr;
}

std::string_view ca_type_name(CaType t) {
  switch (t) {
    case CaType::moica: return "MOICA";
    case CaType::moeaca: return "MOEACA";
    case CaType::gca: return "GCA";
    case CaType::xca: return "XCA";
    case CaType::test: return "test";
    case CaType::unknown: break;
  }
  return "unknown";
}

std::string_view card_kind_name(CardKind k) {
  switch (k) {
    case CardKind::citizen: return "citizen";
    case CardKind::business: return "business";
    case CardKind::government: return "government";
    case CardKind::organisation: return "organisation";
    case CardKind::test: return "test";
    case CardKind::unknown: break;
  }
  return "unknown";
}

Text card_kind_text(CardKind k) {
  switch (k) {
    case CardKind::citizen: return {"自然人憑證", "citizen certificate"};
    case CardKind::business: return {"工商憑證", "business certificate"};
    case CardKind::government: return {"政府機關憑證", "government agency certificate"};
    case CardKind::organisation: return {"組織及團體憑證", "organisation certificate"};
    case CardKind::test: return {"測試憑證", "test certificate"};
    case CardKind::unknown: break;
  }
  return {"不明種類的憑證", "certificate of unknown kind"};
}

}  // namespace certwiz::cert
