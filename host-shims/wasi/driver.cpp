#include "driver.h"

#include <cstdio>

#include "crypto.h"
#include "envelope.h"
#include "wire.h"

namespace mb::wasi {

Driver::Driver(Engine& engine, HostOptions options, std::function<std::int64_t()> now_ms,
               std::function<std::string()> random_bytes)
    : engine_(engine),
      options_(std::move(options)),
      kv_(options_.kv_dir),
      now_ms_(std::move(now_ms)),
      random_bytes_(std::move(random_bytes)) {}

static bool has_fault(const std::string& faults, const char* name) { return faults.find(name) != std::string::npos; }

Outcome Driver::perform(const Effect& e, std::vector<std::string>& notes) {
  Outcome o;
  o.id = e.id;
  std::int64_t now_s = now_ms_() / 1000;
  switch (e.kind) {
    case Effect::Kind::kv_get: {
      if (has_fault(options_.faults, "kv_get:throw")) {
        o.ok = false;
        o.error = "injected fault kv_get:throw";
        break;
      }
      KvResult r = kv_.get(e.key, now_s);
      o.ok = r.ok;
      o.error = r.error;
      o.value = std::move(r.value);
      break;
    }
    case Effect::Kind::kv_put: {
      if (has_fault(options_.faults, "kv_put:throw")) {
        o.ok = false;
        o.error = "injected fault kv_put:throw";
        break;
      }
      KvResult r = kv_.put(e.key, e.value, e.ttl_seconds, now_s);
      o.ok = r.ok;
      o.error = r.error;
      break;
    }
    case Effect::Kind::fetch: {
      // WASI preview1 has no sockets: answer from a recording, if the operator gave us one.
      KvFiles dir(options_.origin_dir);
      KvResult rec = dir.get(encode_key(e.method + " " + e.url) + ".json", now_s);
      if (rec.ok && !rec.value) rec = dir.get("default.json", now_s);
      if (!rec.ok || !rec.value) {
        o.ok = false;
        o.error = "refused";
        notes.push_back("the WASI host cannot reach an origin (" + e.url.substr(0, 120) +
                        "); put recorded answers in /origin");
        break;
      }
      ParsedJson p = parse_strict(*rec.value);
      const Json& j = p.value;
      if (p.fault != JsonFault::none || !j.is_object()) {
        o.ok = false;
        o.error = "failed";
        break;
      }
      if (j.contains("error") && j["error"].is_string()) {
        o.ok = false;
        o.error = *j["error"].get_ptr<const std::string*>();
        break;
      }
      o.status = j.contains("status") && j["status"].is_number_integer()
                     ? static_cast<int>(j["status"].get_ref<const Json::number_integer_t&>())
                     : 200;
      if (j.contains("body") && j["body"].is_string())
        o.body = *j["body"].get_ptr<const std::string*>();
      else if (j.contains("body"))
        o.body = dump(j["body"]);
      // Keep what was sent, so a test can check the forward.
      if (FILE* f = std::fopen((options_.origin_dir + "/requests.ndjson").c_str(), "ab")) {
        std::string line = dump(effect_to_json(e)) + "\n";
        std::fwrite(line.data(), 1, line.size(), f);
        std::fclose(f);
      }
      break;
    }
    case Effect::Kind::rate_limit:
      o.allowed = true;  // no binding outside Workers: the core's own token bucket applies
      break;
  }
  return o;
}

Response Driver::handle(Request req, std::string& log) {
  std::int64_t start = now_ms_();
  Exchange exchange(engine_);
  HostInput in;
  in.now_ms = start;
  in.random = random_bytes_();
  std::vector<std::string> notes;
  Step step = exchange.begin(std::move(req), std::move(in));
  for (int rounds = 0; !step.done; ++rounds) {
    for (auto& n : step.notices) notes.push_back(std::move(n));
    std::vector<Outcome> outcomes;
    for (const Effect& e : step.effects) outcomes.push_back(perform(e, notes));
    step = exchange.resume(outcomes, now_ms_());
    if (rounds > 16 && !step.done) {  // the core never needs this many rounds: a host bug
      notes.push_back("exchange did not finish in 16 rounds");
      step.done = true;
      step.response = {500, {{"Content-Type", "application/json"}}, error_envelope(Error::internal_error)};
      step.log.status = 500;
    }
  }
  for (auto& n : step.notices) notes.push_back(std::move(n));
  for (const Effect& e : step.background) {
    Outcome o = perform(e, notes);
    if (!o.ok) notes.push_back("background " + std::string(kind_name(e.kind)) + " failed: " + o.error);
  }
  Json line = log_to_json(step.log);
  line["duration_ms"] = now_ms_() - start;
  log.clear();
  // LOG_LEVEL: request lines are "info", notes "warn".
  const std::string& level = engine_.config().log_level;
  bool info = level == "debug" || level == "info";
  bool warn = info || level == "warn";
  for (const std::string& n : warn ? notes : std::vector<std::string>{}) {
    Json nj = Json::object();
    nj["level"] = "warn";
    nj["request_id"] = step.log.request_id;
    nj["message"] = n;
    log += dump(nj) + "\n";
  }
  if (info) log += dump(line) + "\n";
  return step.response;
}

}  // namespace mb::wasi
