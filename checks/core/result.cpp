#include "checks/core/result.h"

#include <array>
#include <cassert>

namespace certwiz {

namespace {
constexpr std::array<std::string_view, 5> kStatusNames = {"pass", "warn", "fail", "skipped", "unknown"};
int rank(Status s) {
  switch (s) {
    case Status::pass: return 0;
    case Status::skipped: return 1;
    case Status::unknown: return 2;
    case Status::warn: return 3;
    case Status::fail: return 4;
  }
  return 4;
}
}  // namespace

std::string_view status_name(Status s) { return kStatusNames[static_cast<size_t>(s)]; }

std::optional<Status> parse_status(std::string_view s) {
  for (size_t i = 0; i < kStatusNames.size(); ++i)
    if (kStatusNames[i] == s) return static_cast<Status>(i);
  return std::nullopt;
}

Status worst(Status a, Status b) { return rank(a) >= rank(b) ? a : b; }

Text Error::cause() const {
  const auto* c = find_failure_code(code);
  return c ? c->cause() : Text{};
}
Text Error::remedy(FrontEnd fe) const {
  const auto* c = find_failure_code(code);
  return c ? c->remedy(fe) : Text{};
}

Text render_remedy(const CheckResult& r, FrontEnd fe) {
  const FailureCode* c = find_failure_code(r.code);
  if (!c || fe == FrontEnd::report) return r.remedy;
  // A check may add to the catalogue's remedy (what it found): the catalogue's part is
  // said again in the front end's words, the rest kept.
  const Text neutral = c->remedy();
  const Text spoken = c->remedy(fe);
  auto say = [](const std::string& have, const std::string& from, const std::string& to) {
    return have.rfind(from, 0) == 0 ? to + have.substr(from.size()) : have;
  };
  return {say(r.remedy.zh_TW, neutral.zh_TW, spoken.zh_TW), say(r.remedy.en, neutral.en, spoken.en)};
}

CheckResult CheckResult::pass(Text summary, Json evidence) {
  CheckResult r;
  r.status = Status::pass;
  r.summary = std::move(summary);
  r.evidence = std::move(evidence);
  return r;
}

CheckResult CheckResult::skipped(Text summary, Json evidence) {
  CheckResult r = pass(std::move(summary), std::move(evidence));
  r.status = Status::skipped;
  return r;
}

CheckResult CheckResult::unknown(Text summary, Json evidence) {
  CheckResult r = pass(std::move(summary), std::move(evidence));
  r.status = Status::unknown;
  return r;
}

CheckResult CheckResult::failure(std::string_view code, Text summary, Json evidence, std::string detail) {
  CheckResult r;
  r.summary = std::move(summary);
  r.evidence = std::move(evidence);
  r.code = std::string(code);
  r.detail = std::move(detail);
  if (const auto* c = find_failure_code(code)) {
    r.status = c->severity == Severity::warn ? Status::warn : Status::fail;
    r.cause = c->cause();
    r.remedy = c->remedy();
  } else {
    assert(false && "undeclared failure code: add it to the module's codes.def");
    // An undeclared code is a programming error; tests catch it (catalogue test), the
    // user still gets a failure rather than a silent pass.
    r.status = Status::fail;
  }
  return r;
}

CheckResult CheckResult::warning(std::string_view code, Text summary, Json evidence, std::string detail) {
  CheckResult r = failure(code, std::move(summary), std::move(evidence), std::move(detail));
  r.status = Status::warn;
  return r;
}

CheckResult CheckResult::from_error(const Error& e, Text summary, Json evidence) {
  return failure(e.code, std::move(summary), std::move(evidence), e.detail);
}

Json to_json(const Text& t) { return Json{{"zh_TW", t.zh_TW}, {"en", t.en}}; }

Text text_from_json(const Json& j) {
  if (j.is_string()) return {j.get<std::string>(), j.get<std::string>()};
  return {j.value("zh_TW", std::string{}), j.value("en", std::string{})};
}

Json to_json(const CheckResult& r) {
  Json j;
  j["id"] = r.id;
  j["title"] = to_json(r.title);
  j["status"] = status_name(r.status);
  j["summary"] = to_json(r.summary);
  j["code"] = r.code.empty() ? Json(nullptr) : Json(r.code);
  j["cause"] = r.cause.empty() ? Json(nullptr) : to_json(r.cause);
  j["remedy"] = r.remedy.empty() ? Json(nullptr) : to_json(r.remedy);
  j["detail"] = r.detail.empty() ? Json(nullptr) : Json(r.detail);
  j["evidence"] = r.evidence;
  j["started_ms"] = r.started_ms;
  j["duration_ms"] = r.duration_ms;
  return j;
}

CheckResult check_result_from_json(const Json& j) {
  CheckResult r;
  r.id = j.at("id").get<std::string>();
  r.title = text_from_json(j.at("title"));
  auto st = parse_status(j.at("status").get<std::string>());
  if (!st) throw nlohmann::json::other_error::create(501, "unknown status", &j);
  r.status = *st;
  r.summary = text_from_json(j.at("summary"));
  if (j.contains("code") && j["code"].is_string()) r.code = j["code"].get<std::string>();
  if (j.contains("cause") && !j["cause"].is_null()) r.cause = text_from_json(j["cause"]);
  if (j.contains("remedy") && !j["remedy"].is_null()) r.remedy = text_from_json(j["remedy"]);
  if (j.contains("detail") && j["detail"].is_string()) r.detail = j["detail"].get<std::string>();
  if (j.contains("evidence")) r.evidence = j["evidence"];
  r.started_ms = j.value("started_ms", 0.0);
  r.duration_ms = j.value("duration_ms", 0.0);
  return r;
}

}  // namespace certwiz
