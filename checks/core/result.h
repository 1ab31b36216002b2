#pragma once
// What a check returns, and the Expected<T> type for expected failures below the check level.
#include <chrono>
#include <memory>
#include <optional>
#include <typeinfo>
#include <string>
#include <vector>
#include <string_view>
#include <utility>
#include <variant>

#include <nlohmann/json.hpp>

#include "checks/core/catalogue.h"
#include "checks/core/text.h"

namespace certwiz {

using Json = nlohmann::ordered_json;

enum class Status { pass, warn, fail, skipped, unknown };
std::string_view status_name(Status s);  // "pass", "warn", ...
std::optional<Status> parse_status(std::string_view s);
// The worse of two statuses for a summary: fail > warn > unknown > skipped > pass.
Status worst(Status a, Status b);

// An expected failure with its stable code (from the catalogue) and specifics.
struct Error {
  std::string code;    // a catalogue code, e.g. "PCSC-NO-SERVICE"
  std::string detail;  // technical specifics, English, one line (e.g. "SCardEstablishContext: 0x8010001D")

  Text cause() const;   // from the catalogue
  // From the catalogue, in the words of this process's front end (checks/core/actions.h).
  Text remedy() const { return remedy(front_end()); }
  Text remedy(FrontEnd fe) const;
};

template <typename T>
class Expected {
 public:
  Expected(T value) : v_(std::move(value)) {}         // NOLINT(google-explicit-constructor)
  Expected(Error error) : v_(std::move(error)) {}     // NOLINT(google-explicit-constructor)
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

struct CheckResult {
  std::string id;
  Text title;
  Status status = Status::unknown;
  Text summary;            // one line, in the user's words
  Json evidence = Json::object();  // structured facts
  std::string code;        // stable failure code (empty on pass/skipped)
  Text cause;              // filled from the catalogue for `code`
  Text remedy;
  std::string detail;      // technical specifics for a helpdesk
  double started_ms = 0;   // offset from the start of the run
  double duration_ms = 0;
  // What the check learned, typed by its module (e.g. pkcs11::TokenInventory); the
  // evidence above is written from it. Other modules and the front ends read this, not
  // the evidence keys. A result may carry one model of each type: its module's own, and
  // a view in the types of a module above it that reads it (card.contents publishes its
  // readings and, for checks/cert, the cards' certificates). A result read back from a
  // report file has no model.
  struct Model {
    const std::type_info* type = nullptr;
    std::shared_ptr<const void> data;
  };
  std::vector<Model> models;

  // Sets the T model (replacing an earlier T).
  template <typename T>
  void set_model(T model) {
    auto data = std::make_shared<const T>(std::move(model));
    for (auto& m : models)
      if (*m.type == typeid(T)) {
        m.data = std::move(data);
        return;
      }
    models.push_back({&typeid(T), std::move(data)});
  }
  // The T model; nullptr when there is none (another type only, a result from a file).
  template <typename T>
  const T* model() const {
    for (const auto& m : models)
      if (*m.type == typeid(T)) return static_cast<const T*>(m.data.get());
    return nullptr;
  }

  static CheckResult pass(Text summary, Json evidence = Json::object());
  static CheckResult skipped(Text summary, Json evidence = Json::object());
  static CheckResult unknown(Text summary, Json evidence = Json::object());
  // A failure or warning with a catalogue code; status follows the code's severity
  // unless given. Cause and remedy come from the catalogue.
  static CheckResult failure(std::string_view code, Text summary, Json evidence = Json::object(),
                             std::string detail = {});
  static CheckResult warning(std::string_view code, Text summary, Json evidence = Json::object(),
                             std::string detail = {});
  static CheckResult from_error(const Error& e, Text summary, Json evidence = Json::object());
};

// A result's remedy in the words of `fe`: results carry the neutral form (reports), and a
// remedy that came from the catalogue is said again the way the front end says it.
Text render_remedy(const CheckResult& r, FrontEnd fe = front_end());

Json to_json(const CheckResult& r);
CheckResult check_result_from_json(const Json& j);  // throws nlohmann::json::exception on malformed input
Json to_json(const Text& t);
Text text_from_json(const Json& j);

}  // namespace certwiz
