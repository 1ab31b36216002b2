// The catalogue is filled by the modules themselves (each codes.cpp registers its
// codes.def): a program linking every module must see every code of every codes.def,
// once, under its own module, each module's codes together and the core's first.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "checks/core/catalogue.h"

using namespace certwiz;
namespace fs = std::filesystem;

namespace {

// The codes a codes.def declares, in order: the first string of each CERTWIZ_CODE( line.
std::vector<std::string> declared_codes(const fs::path& def) {
  std::ifstream in(def);
  std::vector<std::string> codes;
  std::string line;
  const std::string entry = "CERTWIZ_CODE(\"";
  while (std::getline(in, line)) {
    if (line.rfind(entry, 0) != 0) continue;
    const size_t end = line.find('"', entry.size());
    codes.push_back(line.substr(entry.size(), end - entry.size()));
  }
  return codes;
}

// Every product codes.def, by module (its folder's name).
std::map<std::string, std::vector<std::string>> codes_defs() {
  std::map<std::string, std::vector<std::string>> out;
  const fs::path root = CERTWIZ_SOURCE_ROOT;
  for (const char* top : {"checks", "installer", "assets", "app"})
    for (const auto& f : fs::recursive_directory_iterator(root / top))
      if (f.path().filename() == "codes.def") out[f.path().parent_path().filename().string()] = declared_codes(f.path());
  return out;
}

}  // namespace

TEST(CodeRegistration, TheCatalogueHoldsEveryCodesDefEntryOnce) {
  const auto defs = codes_defs();
  ASSERT_GE(defs.size(), 13u) << "core and twelve modules declare codes";
  size_t declared = 0;
  for (const auto& [module, codes] : defs) {
    SCOPED_TRACE(module);
    EXPECT_FALSE(codes.empty());
    declared += codes.size();
    for (const auto& code : codes) {
      const FailureCode* c = find_failure_code(code);
      ASSERT_NE(c, nullptr) << code << " is in " << module << "/codes.def but not registered";
      EXPECT_EQ(c->module, module) << code;
    }
  }
  EXPECT_EQ(failure_codes().size(), declared);
  std::set<std::string_view> seen;
  for (const auto& c : failure_codes()) EXPECT_TRUE(seen.insert(c.code).second) << "duplicate code " << c.code;
}

TEST(CodeRegistration, EachModuleIsOneSectionInDeclarationOrderWithTheCoreFirst) {
  const auto defs = codes_defs();
  std::vector<std::string_view> sections;
  std::map<std::string_view, std::vector<std::string>> listed;
  for (const auto& c : failure_codes()) {
    if (sections.empty() || sections.back() != c.module) sections.push_back(c.module);
    listed[c.module].emplace_back(c.code);
  }
  ASSERT_FALSE(sections.empty());
  EXPECT_EQ(sections.front(), "core");
  EXPECT_EQ(std::set<std::string_view>(sections.begin(), sections.end()).size(), sections.size())
      << "a module's codes are split in two sections";
  for (const auto& [module, codes] : defs) EXPECT_EQ(listed[module], codes) << module;
}
