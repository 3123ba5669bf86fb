#include "driver.h"

#include <cstdio>

#include "drive.h"
#include "wire.h"

namespace mb::wasi {

std::set<std::string> parse_faults(std::string_view list) {
  std::vector<std::string> names = split_list(list);
  return {names.begin(), names.end()};
}

Driver::Driver(Engine& engine, HostOptions options, std::function<std::int64_t()> now_ms,
               std::function<std::string()> random_bytes)
    : engine_(engine),
      options_(std::move(options)),
      kv_(options_.kv_dir),
      now_ms_(std::move(now_ms)),
      random_bytes_(std::move(random_bytes)) {}

namespace {
// MB_TRACE_EFFECTS: {"level":"debug","request_id":...,"effects":{"rounds":[[line,...],...],"background":[...]}}
std::string trace_line(const std::string& request_id, Json rounds, Json background) {
  Json effects = Json::object();
  effects["rounds"] = std::move(rounds);
  effects["background"] = std::move(background);
  Json line = Json::object();
  line["level"] = "debug";
  line["request_id"] = request_id;
  line["effects"] = std::move(effects);
  return dump(line) + "\n";
}

Outcome failed(std::uint32_t id, Failure f, std::string detail) {
  Outcome o;
  o.id = id;
  o.failure = f;
  o.detail = std::move(detail);
  return o;
}
}  // namespace

Outcome Driver::perform(const Effect& e, std::vector<std::string>& notes) {
  std::int64_t now_s = now_ms_() / 1000;
  const auto& faults = options_.faults;
  switch (e.kind) {
    case EffectKind::kv_get: {
      if (faults.count("kv_get:throw")) return failed(e.id, Failure::failed, "injected fault kv_get:throw");
      if (faults.count("kv_get:stale") && !e.scope.empty()) {  // a replica behind its authority
        Outcome o;
        o.id = e.id;
        return o;
      }
      KvResult r = kv_.get(e.key, now_s);
      if (!r.ok) return failed(e.id, Failure::failed, r.error);
      Outcome o;
      o.id = e.id;
      o.value = std::move(r.value);
      return o;
    }
    case EffectKind::kv_put: {
      if (faults.count("kv_put:throw")) return failed(e.id, Failure::failed, "injected fault kv_put:throw");
      KvResult r = kv_.put(e.key, e.value, e.ttl_seconds, now_s);
      if (!r.ok) return failed(e.id, Failure::failed, r.error);
      Outcome o;
      o.id = e.id;
      return o;
    }
    case EffectKind::kv_put_if_absent:
    case EffectKind::kv_claim: {  // the files are both KV and the authority: a claim is a file too
      if (faults.count("kv_put:throw")) return failed(e.id, Failure::failed, "injected fault kv_put:throw");
      Outcome o;
      o.id = e.id;
      KvResult r = kv_.put_if_absent(e.key, e.value, e.ttl_seconds, now_s, o.created);
      if (!r.ok) return failed(e.id, Failure::failed, r.error);
      o.value = std::move(r.value);
      return o;
    }
    case EffectKind::kv_release: {
      if (faults.count("kv_put:throw")) return failed(e.id, Failure::failed, "injected fault kv_put:throw");
      KvResult r = kv_.remove(e.key);
      if (!r.ok) return failed(e.id, Failure::failed, r.error);
      Outcome o;
      o.id = e.id;
      return o;
    }
    case EffectKind::fetch: {
      if (faults.count("fetch:throw")) return failed(e.id, Failure::failed, "injected fault fetch:throw");
      if (options_.fetch) return options_.fetch(e);
      // WASI preview1 has no sockets: answer from a recording, if the operator gave us one.
      KvFiles dir(options_.origin_dir);
      KvResult rec = dir.get(encode_key(e.method + " " + e.url) + ".json", now_s);
      if (rec.ok && !rec.value) rec = dir.get("default.json", now_s);
      if (!rec.ok || !rec.value) {
        notes.push_back("the WASI host cannot reach an origin (" + e.url.substr(0, 120) +
                        "); put recorded answers in /origin");
        return failed(e.id, Failure::refused, "no recorded answer");
      }
      std::optional<Json> j = parse_json(*rec.value);
      Outcome o = outcome_from_recording(j.value_or(Json()));
      o.id = e.id;
      if (!o.ok()) return o;
      // Keep what was sent (credentials redacted), so a test can check the forward.
      if (FILE* f = std::fopen((options_.origin_dir + "/requests.ndjson").c_str(), "ab")) {
        std::string line = dump(effect_to_json(e)) + "\n";
        std::fwrite(line.data(), 1, line.size(), f);
        std::fclose(f);
      }
      return o;
    }
    case EffectKind::rate_limit: {  // asked only under a rate_limit fault: else the core's own token bucket applies
      if (faults.count("rate_limit:throw") || !faults.count("rate_limit:deny"))
        return failed(e.id, Failure::failed, "injected fault rate_limit:throw");
      Outcome o;  // rate_limit:deny: the limiter says no
      o.id = e.id;
      o.allowed = false;
      return o;
    }
    case EffectKind::verify_signature:  // never asked: this host has no WebCrypto (BearSSL in the core)
    case EffectKind::sign: {
      Outcome o = failed(e.id, Failure::failed, "not available in the WASI host");
      o.allowed = true;
      return o;
    }
  }
  return failed(e.id, Failure::failed, "unknown effect");
}

Response Driver::handle(Request req, std::string& log) {
  std::int64_t start = now_ms_();
  Exchange exchange(engine_);
  std::vector<std::string> notes;
  Json rounds = Json::array();  // the effect trace, for MB_TRACE_EFFECTS
  auto perform_batch = [&](const std::vector<Effect>& batch) {
    Json& round = rounds.emplace_back(Json::array());
    for (const Effect& e : batch) round.push_back(effect_line(e));
    std::vector<Outcome> outcomes;
    for (const Effect& e : batch) outcomes.push_back(perform(e, notes));
    return outcomes;
  };
  DriveStats stats;
  Step step = drive(exchange, std::move(req), {start, random_bytes_()}, perform_batch, now_ms_, &stats);
  for (auto& n : step.notices) notes.push_back(std::move(n));
  Json background = Json::array();
  for (const Effect& e : step.background) {
    background.push_back(effect_line(e));
    Outcome o = perform(e, notes);
    if (!o.ok()) notes.push_back("background " + std::string(kind_name(e.kind)) + " failed: " + o.detail);
  }
  Json line = log_to_json(step.log);
  line["rounds"] = stats.rounds;
  line["kv_calls"] = stats.kv_calls;
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
  // The effect trace goes before the request line, which stays the last one.
  if (options_.trace_effects) log += trace_line(step.log.request_id, std::move(rounds), std::move(background));
  if (info) log += dump(line) + "\n";
  return step.response;
}

}  // namespace mb::wasi
