#include "exchange.h"

#include <algorithm>
#include <cmath>

#include "crypto.h"
#include "envelope.h"
#include "timefmt.h"

namespace mb {

namespace {

constexpr std::string_view kEndpoint = "/v1/account-memberships";
constexpr std::string_view kConfigRoute = "/preview/config.json";
constexpr std::size_t kMaxRecordBytes = 64 * 1024;
constexpr std::size_t kMaxCacheEntries = 10000;
constexpr std::int64_t kTokenCacheMs = 5 * 60 * 1000;
constexpr std::uint32_t kIdempotencyTtl = 24 * 3600;

bool sane_request_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
           c == '.' || c == ':';
  });
}

bool cacheable(std::string_view key) {
  for (std::string_view prefix : {"apikey:", "account:", "workspace_membership:", "user_by_email:"})
    if (key.substr(0, prefix.size()) == prefix) return true;
  return false;
}

const std::string* str(const Json& obj, const char* name) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(name);
  return (it != obj.end() && it->is_string()) ? it->get_ptr<const std::string*>() : nullptr;
}

// obj[name], or null when absent (const access never inserts).
const Json& member(const Json& obj, const char* name) {
  static const Json null_value;
  auto it = obj.find(name);
  return it == obj.end() ? null_value : *it;
}

// A stored record parsed, or null when it is not a JSON object (a corrupt store).
std::shared_ptr<const Json> parse_record(const std::string& text) {
  ParsedJson p = parse_strict(text);
  if (p.fault != JsonFault::none || !p.value.is_object()) return nullptr;
  return std::make_shared<const Json>(std::move(p.value));
}

std::vector<std::string> string_list(const Json& arr, bool& ok) {
  std::vector<std::string> out;
  ok = arr.is_array();
  if (!ok) return out;
  for (const Json& v : arr) {
    if (!v.is_string()) {
      ok = false;
      return out;
    }
    out.push_back(*v.get_ptr<const std::string*>());
  }
  return out;
}

bool same_set(std::vector<std::string> a, std::vector<std::string> b) {
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  return a == b;
}

struct Precheck {
  enum class Kind { endpoint, preflight, config } kind = Kind::endpoint;
  std::optional<Error> error;
  Json details = Json::object();
  Headers extra;
  std::optional<Credential> credential;
  NormalizedRequest request;
  std::string idempotency_key;
};

// SPEC §3 steps 1-3: path and method, credential shape, the request itself. No storage.
Precheck precheck(const Request& req, const Config& cfg, bool preview_mode, const VerifiedTokens& verified = {}) {
  Precheck p;
  std::string_view target = req.target;
  std::size_t q = target.find('?');
  std::string_view path = target.substr(0, q);
  std::string_view query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
  std::size_t hash = query.find('#');
  if (hash != std::string_view::npos) query = query.substr(0, hash);

  if (path == kConfigRoute) {
    if (req.method == "GET" || req.method == "HEAD")
      p.kind = Precheck::Kind::config;
    else {
      p.error = Error::method_not_allowed;
      p.extra.emplace_back("Allow", "GET, HEAD");
    }
    return p;
  }
  if (path != kEndpoint && path != std::string(kEndpoint) + "/") {
    p.error = Error::not_found;
    return p;
  }
  if (req.method == "OPTIONS") {
    p.kind = Precheck::Kind::preflight;
    return p;
  }
  if (req.method != "POST") {
    p.error = Error::method_not_allowed;
    p.extra.emplace_back("Allow", "POST, OPTIONS");
    return p;
  }

  CredentialCheck cc = read_credential(req.headers, cfg, verified);
  p.credential = std::move(cc.credential);
  if (cc.error && !(preview_mode && *cc.error == Error::missing_credential)) {
    p.error = cc.error;
    return p;
  }

  // 415: application/json, parameters allowed (a charset other than UTF-8 is not).
  auto ct = header(req.headers, "content-type");
  std::string_view media = ct ? trim(ct->substr(0, ct->find(';'))) : std::string_view();
  bool json_type = iequals(media, "application/json");
  if (json_type && ct->find(';') != std::string_view::npos) {
    std::string_view params = ct->substr(ct->find(';') + 1);
    while (!params.empty()) {
      std::size_t semi = params.find(';');
      std::string_view param = trim(params.substr(0, semi));
      std::size_t eq = param.find('=');
      if (eq != std::string_view::npos && iequals(trim(param.substr(0, eq)), "charset")) {
        std::string_view cs = trim(param.substr(eq + 1));
        if (cs.size() >= 2 && cs.front() == '"' && cs.back() == '"') cs = cs.substr(1, cs.size() - 2);
        if (!iequals(cs, "utf-8") && !iequals(cs, "utf8")) json_type = false;
      }
      if (semi == std::string_view::npos) break;
      params.remove_prefix(semi + 1);
    }
  }
  if (!json_type) {
    p.error = Error::unsupported_media_type;
    return p;
  }

  // 413: the declared size, then what was actually sent.
  if (auto cl = header(req.headers, "content-length")) {
    std::string_view v = trim(*cl);
    std::size_t declared = 0;
    bool digits = !v.empty() && v.size() <= 18;
    for (char c : v) {
      if (c < '0' || c > '9') {
        digits = false;
        break;
      }
      declared = declared * 10 + std::size_t(c - '0');
    }
    if (digits && declared > cfg.max_body_bytes) {
      p.error = Error::body_too_large;
      return p;
    }
  }
  if (req.body_truncated || req.body.size() > cfg.max_body_bytes) {
    p.error = Error::body_too_large;
    return p;
  }

  // 400: query, Idempotency-Key, JSON; then 422: fields.
  if (auto rej = read_account_id(query, p.request.account_id)) {
    p.error = rej->error;
    return p;
  }
  int idem_count = 0;
  if (auto idem = header(req.headers, "idempotency-key", &idem_count)) {
    std::string_view k = trim(*idem);
    bool ok = idem_count == 1 && !k.empty() && k.size() <= 255 &&
              std::all_of(k.begin(), k.end(), [](char c) { return c >= 0x20 && c <= 0x7E; });
    if (!ok) {
      p.error = Error::invalid_idempotency_key;
      return p;
    }
    p.idempotency_key = std::string(k);
  }
  if (auto rej = validate_body(req.body, cfg, p.request)) {
    p.error = rej->error;
    if (!rej->field_errors.empty()) p.details = field_error_details(rej->field_errors);
  }
  return p;
}

}  // namespace

std::string config_document(const Config& cfg) {
  Json doc = Json::object();
  doc["max_body_bytes"] = cfg.max_body_bytes;
  if (cfg.permissions_restricted) {
    Json list = Json::array();
    for (const std::string& p : cfg.allowed_permissions) list.push_back(p);
    doc["allowed_permissions"] = std::move(list);
  } else {
    doc["allowed_permissions"] = nullptr;
  }
  doc["permission_pattern"] = "^[a-z][a-z0-9_]*(:[a-z][a-z0-9_]*)*$";
  return dump(doc);
}

const char* kind_name(Effect::Kind k) {
  switch (k) {
    case Effect::Kind::kv_get:
      return "kv_get";
    case Effect::Kind::kv_put:
      return "kv_put";
    case Effect::Kind::fetch:
      return "fetch";
    case Effect::Kind::rate_limit:
      return "rate_limit";
  }
  return "unknown";
}

Engine::Engine(const Vars& vars) : config_(parse_config(vars)) {}

// ---- answering -------------------------------------------------------------------------------

Step Exchange::respond(int status, std::string body, Headers extra) {
  Step step;
  step.done = true;
  step.response.status = status;
  step.response.headers.emplace_back("Content-Type", "application/json");
  step.response.headers.emplace_back("X-Request-Id", request_id_);
  if (cors_allowed_) {
    step.response.headers.emplace_back("Access-Control-Allow-Origin", cors_origin_);
    step.response.headers.emplace_back("Access-Control-Expose-Headers",
                                       "X-Request-Id, Idempotent-Replayed, Retry-After");
    step.response.headers.emplace_back("Vary", "Origin");
  }
  for (auto& h : extra) step.response.headers.push_back(std::move(h));
  step.response.body = std::move(body);
  step.background = std::move(background_);
  log_.request_id = request_id_;
  log_.status = status;
  log_.credential_id = credential_id_;
  if (verified_) log_.mode = store_name();
  step.log = log_;
  step.notices = std::move(notices_);
  phase_ = Phase::done;
  return step;
}

Step Exchange::fail(Error e, Json details, Headers extra) {
  const ErrorInfo& row = info(e);
  log_.code = row.code;
  if (row.status == 401) extra.emplace_back("WWW-Authenticate", "Bearer realm=\"api\"");
  return respond(row.status, error_envelope(e, details), std::move(extra));
}

Step Exchange::finish(int status, std::string body, bool storable, Headers extra) {
  if (storable && verified_ && !idempotency_key_.empty()) {
    Json rec = Json::object();
    rec["fingerprint"] = fingerprint();
    rec["status"] = status;
    rec["body"] = body;
    put_background(store_name(), "idempotency:" + store_name() + ":" + credential_id_ + ":" + idempotency_key_,
                   dump(rec), kIdempotencyTtl);
  }
  return respond(status, std::move(body), std::move(extra));
}

Step Exchange::finish(Error e, Json details) {
  log_.code = info(e).code;
  return finish(info(e).status, error_envelope(e, details), true);
}

void Exchange::put_background(const std::string& store, const std::string& key, std::string value, std::uint32_t ttl) {
  Effect e;
  e.id = next_id_++;
  e.kind = Effect::Kind::kv_put;
  e.store = store;
  e.key = key;
  e.value = std::move(value);
  e.ttl_seconds = ttl;
  background_.push_back(std::move(e));
}

std::string Exchange::random_base62(std::size_t n) {
  static const char alphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::string out;
  while (out.size() < n) {
    if (random_used_ >= random_.size()) {
      // Stretch the host's bytes rather than fail: SHA-256 of what we had.
      Sha256 more = sha256(random_);
      random_.append(reinterpret_cast<const char*>(more.data()), more.size());
    }
    unsigned char b = static_cast<unsigned char>(random_[random_used_++]);
    if (b < 248) out += alphabet[b % 62];  // 248 = 4 * 62: no modulo bias
  }
  return out;
}

std::string Exchange::fingerprint() const {
  Json body = nreq_.body();
  std::vector<std::string> perms = nreq_.permissions;
  std::sort(perms.begin(), perms.end());  // permissions are a set
  Json sorted = Json::array();
  for (const std::string& p : perms) sorted.push_back(p);
  body["permissions"] = std::move(sorted);
  return sha256_hex(nreq_.account_id + "\n" + dump(body));
}

// ---- reads -----------------------------------------------------------------------------------

// Parsed records, parsed once per exchange (or once per isolate for cached records).
const Json* Exchange::record(const std::string* text) {
  if (!text) return nullptr;
  auto it = parsed_.find(text);
  if (it == parsed_.end()) it = parsed_.emplace(text, parse_record(*text)).first;
  return it->second.get();
}

Exchange::Lookup Exchange::need(const std::string& store, const std::string& key) {
  std::string slot = store + "\n" + key;
  if (auto it = kv_.find(slot); it != kv_.end()) return {true, it->second ? &*it->second : nullptr};
  if (cfg_.record_cache_seconds > 0 && cacheable(key)) {
    auto c = engine_.records.find(slot);
    if (c != engine_.records.end() && c->second.expires_ms > now_ms_) {
      auto [it, _] = kv_.emplace(slot, c->second.value);
      if (c->second.parsed) parsed_[&*it->second] = c->second.parsed;
      return {true, &*it->second};
    }
  }
  if (std::find(wanted_.begin(), wanted_.end(), slot) == wanted_.end()) wanted_.push_back(slot);
  return {false, nullptr};
}

Effect& Exchange::add_effect(Effect::Kind kind) {
  Effect e;
  e.id = next_id_++;
  e.kind = kind;
  effects_.push_back(std::move(e));
  return effects_.back();
}

// Hands the batch built so far to the host; resume() continues in `phase`.
Step Exchange::need_effects(Phase phase) {
  phase_ = phase;
  Step step;
  step.effects = std::move(effects_);
  effects_.clear();
  step.notices = std::move(notices_);
  notices_.clear();
  return step;
}

Step Exchange::reads() {
  prefetch_storage();
  for (const std::string& slot : wanted_) {
    Effect& e = add_effect(Effect::Kind::kv_get);
    std::size_t nl = slot.find('\n');
    e.store = slot.substr(0, nl);
    e.key = slot.substr(nl + 1);
    in_flight_[e.id] = slot;
  }
  wanted_.clear();
  return need_effects(Phase::reading);
}

std::optional<std::string> Exchange::membership_key_if_known() {
  std::string s = store_name();
  std::string base = "account_membership:" + s + ":" + nreq_.account_id + ":";
  if (nreq_.workspace_membership_id) {
    auto it = kv_.find(s + "\nworkspace_membership:" + s + ":" + *nreq_.workspace_membership_id);
    if (it == kv_.end() || !it->second) return std::nullopt;
    auto rec = record(&*it->second);
    const std::string* uid = rec ? str(member(*rec, "user"), "id") : nullptr;
    if (!uid) return std::nullopt;
    return base + *uid;
  }
  auto it = kv_.find(s + "\nuser_by_email:" + s + ":" + *nreq_.email);
  if (it == kv_.end()) return std::nullopt;
  if (!it->second) return base + "email:" + *nreq_.email;
  auto rec = record(&*it->second);
  const std::string* uid = rec ? str(*rec, "id") : nullptr;
  if (!uid) return std::nullopt;
  return base + *uid;
}

// Reads the storage stage will need, sent in the same round as the credential's own reads so a
// cold create takes two rounds and a warm replay one. Their values are used only after the
// credential has been verified and authorized.
void Exchange::prefetch_storage() {
  if (cfg_.routing == Routing::origin || (cred_.kind == CredentialKind::jwt && !verified_)) return;
  std::string s = store_name();
  want(s, "account:" + s + ":" + nreq_.account_id);
  if (nreq_.workspace_membership_id)
    want(s, "workspace_membership:" + s + ":" + *nreq_.workspace_membership_id);
  else
    want(s, "user_by_email:" + s + ":" + *nreq_.email);
  if (auto key = membership_key_if_known()) want(s, *key);
}

// ---- the pipeline ----------------------------------------------------------------------------

Step Exchange::begin(Request req, HostInput input) {
  req_ = std::move(req);
  now_ms_ = input.now_ms;
  random_ = std::move(input.random);

  auto rid = header(req_.headers, "x-request-id");
  if (!rid || !sane_request_id(trim(*rid))) rid = header(req_.headers, "cf-ray");
  request_id_ = (rid && sane_request_id(trim(*rid))) ? std::string(trim(*rid)) : "req_" + random_base62(24);

  if (auto origin = header(req_.headers, "origin")) {
    bool listed = std::find(cfg_.cors_allowed_origins.begin(), cfg_.cors_allowed_origins.end(), *origin) !=
                  cfg_.cors_allowed_origins.end();
    if (cfg_.cors_any_origin || listed) {
      cors_allowed_ = true;
      cors_origin_ = cfg_.cors_any_origin ? "*" : std::string(*origin);
    }
  }
  if (!engine_.config_notices_logged) {
    engine_.config_notices_logged = true;
    notices_ = cfg_.notices;
  }
  if (!cfg_.error.empty()) {
    notices_.push_back("configuration error: " + cfg_.error);
    return fail(Error::configuration_error);
  }
  if (cfg_.allow_fault_injection) {
    // Tests make the module trap on demand; the host must answer 500 and re-instantiate.
    auto fault = header(req_.headers, "x-debug-fault");
    if (fault && (*fault == "trap" || fault->find("trap,") == 0 || fault->find(",trap") != std::string_view::npos))
      __builtin_trap();
  }

  // A JWT verified before is not decoded again: its claims are kept here for verify_jwt().
  Precheck p = precheck(req_, cfg_, false, [this](const std::string& token_sha256) -> std::optional<Mode> {
    auto cached = engine_.tokens.find(token_sha256);
    if (cached == engine_.tokens.end() || cached->second.expires_ms <= now_ms_) return std::nullopt;
    cached_claims_ = cached->second.claims;
    return cached_claims_.livemode ? Mode::live : Mode::test;
  });
  if (p.kind == Precheck::Kind::config) return respond(200, config_document(cfg_), {{"Cache-Control", "max-age=60"}});
  if (p.kind == Precheck::Kind::preflight) {
    return respond(204, "",
                   {{"Access-Control-Allow-Methods", "POST, OPTIONS"},
                    {"Access-Control-Allow-Headers", "Authorization, Content-Type, Idempotency-Key, X-Request-Id"},
                    {"Access-Control-Max-Age", "600"}});
  }
  if (p.credential) {
    cred_ = std::move(*p.credential);
    mode_ = cred_.mode;
    log_.mode = mode_name(mode_);
  }
  if (p.error) return fail(*p.error, std::move(p.details), std::move(p.extra));
  nreq_ = std::move(p.request);
  idempotency_key_ = std::move(p.idempotency_key);
  return advance();
}

Step Exchange::resume(const std::vector<Outcome>& outcomes, std::int64_t now_ms) {
  now_ms_ = now_ms;
  auto outcome_for = [&](std::uint32_t id) -> const Outcome* {
    for (const Outcome& o : outcomes)
      if (o.id == id) return &o;
    return nullptr;
  };
  switch (phase_) {
    case Phase::reading: {
      auto flight = std::move(in_flight_);
      in_flight_.clear();
      for (auto& [id, slot] : flight) {
        const Outcome* o = outcome_for(id);
        if (!o || !o->ok) {
          notices_.push_back("kv_get failed: " + (o ? o->error : std::string("no outcome")));
          return fail(Error::storage_unavailable);
        }
        if (o->value && o->value->size() > kMaxRecordBytes) {
          notices_.push_back("KV record over 64 KiB: " + slot.substr(slot.find('\n') + 1, 80));
          return fail(Error::corrupt_record);
        }
        std::optional<std::string>& value = kv_[slot] = o->value;
        std::string_view key = std::string_view(slot).substr(slot.find('\n') + 1);
        if (value && cfg_.record_cache_seconds > 0 && cacheable(key)) {
          if (engine_.records.size() >= kMaxCacheEntries) engine_.records.clear();
          // Cached parsed as well: a warm request does not parse its key and account again.
          auto parsed = parse_record(*value);
          parsed_[&*value] = parsed;
          engine_.records[slot] = {*value, std::move(parsed), now_ms_ + cfg_.record_cache_seconds * 1000};
        }
      }
      return advance();
    }
    case Phase::fetching_keys: {
      const Outcome* fetched = outcomes.empty() ? nullptr : &outcomes.front();
      Outcome missing;
      missing.ok = false;
      missing.error = "no outcome";
      return after_key_fetch(fetched ? *fetched : missing);
    }
    case Phase::rate_limiting: {
      const Outcome* o = outcomes.empty() ? nullptr : &outcomes.front();
      rate_checked_ = true;
      if (o && o->ok && !o->allowed)
        return fail(Error::rate_limited, Json::object(), {{"Retry-After", std::to_string(cfg_.rate_limiter_period)}});
      if (!o || !o->ok) notices_.push_back("rate limiter failed; request allowed");
      return advance();
    }
    case Phase::writing:
      return after_write(outcomes);
    case Phase::forwarding: {
      const Outcome* o = outcomes.empty() ? nullptr : &outcomes.front();
      Outcome missing;
      missing.ok = false;
      missing.error = "no outcome";
      return after_forward(o ? *o : missing);
    }
    case Phase::done:
      break;
  }
  notices_.push_back("resume() called on a finished exchange");
  return fail(Error::internal_error);
}

Step Exchange::advance() {
  if (!verified_) {
    Step s = cred_.kind == CredentialKind::jwt ? verify_jwt() : verify_api_key();
    if (!verified_) return s;
  }
  if (!rate_checked_) {
    if (cfg_.rate_limiter_period > 0) {
      Effect& e = add_effect(Effect::Kind::rate_limit);
      e.key = credential_id_;
      return need_effects(Phase::rate_limiting);
    }
    rate_checked_ = true;
    if (cfg_.rate_limit_per_minute > 0) {
      double capacity = double(cfg_.rate_limit_per_minute);
      double per_ms = capacity / 60000.0;
      if (engine_.buckets.size() >= kMaxCacheEntries) engine_.buckets.clear();
      auto [it, fresh] = engine_.buckets.try_emplace(credential_id_, Engine::Bucket{capacity, now_ms_});
      Engine::Bucket& b = it->second;
      b.tokens = std::min(capacity, b.tokens + double(std::max<std::int64_t>(0, now_ms_ - b.updated_ms)) * per_ms);
      b.updated_ms = now_ms_;
      if (b.tokens < 1.0) {
        auto wait_s = static_cast<long long>(std::ceil((1.0 - b.tokens) / per_ms / 1000.0));
        return fail(Error::rate_limited, Json::object(), {{"Retry-After", std::to_string(std::max(1LL, wait_s))}});
      }
      b.tokens -= 1.0;
    }
  }
  if (!idempotency_key_.empty() && !idempotency_checked_) {
    std::string s = store_name();
    Lookup r = need(s, "idempotency:" + s + ":" + credential_id_ + ":" + idempotency_key_);
    if (!r.ready) return reads();
    idempotency_checked_ = true;
    if (r.value) {
      auto rec = record(r.value);
      const std::string* fp = rec ? str(*rec, "fingerprint") : nullptr;
      const std::string* body = rec ? str(*rec, "body") : nullptr;
      const Json* status = rec && rec->contains("status") ? &member(*rec, "status") : nullptr;
      if (!fp || !body || !status || !status->is_number_integer()) return fail(Error::corrupt_record);
      if (*fp != fingerprint()) return fail(Error::idempotency_key_reused);
      log_.replayed = true;
      log_.route = "edge";
      auto code = status->get_ref<const Json::number_integer_t&>();
      if (code < 200 || code > 599) return fail(Error::corrupt_record);
      return respond(static_cast<int>(code), *body, {{"Idempotent-Replayed", "true"}});
    }
  }
  bool forwards = cfg_.routing == Routing::origin || (cfg_.routing == Routing::auto_ && mode_ == Mode::live);
  if (jwt_missing_scope_) return finish(Error::missing_scope);
  if (!account_granted_ && !(jwt_without_accounts_ && forwards)) return finish(Error::account_not_granted);
  if (cfg_.routing == Routing::origin || (forwards && jwt_without_accounts_)) return forward();
  return answer_at_edge();
}

Step Exchange::verify_api_key() {
  std::string s = store_name();
  Lookup rec = need(s, "apikey:" + token_sha256());
  if (!rec.ready) return reads();
  if (!rec.value) return fail(Error::unknown_api_key);
  auto r = record(rec.value);
  const std::string* id = r ? str(*r, "id") : nullptr;
  const std::string* type = r ? str(*r, "type") : nullptr;
  const std::string* mode = r ? str(*r, "mode") : nullptr;
  bool ids_ok = false;
  std::vector<std::string> ids = r ? string_list(member(*r, "account_ids"), ids_ok) : std::vector<std::string>{};
  if (!id || !type || !mode || !ids_ok) return fail(Error::corrupt_record);
  std::string want_type = cred_.kind == CredentialKind::secret_key ? "secret" : "publishable";
  if (*type != want_type || *mode != s) return fail(Error::api_key_mismatch);
  auto revoked = r->find("revoked");
  if (revoked != r->end() && revoked->is_boolean() && revoked->get_ref<const bool&>())
    return fail(Error::revoked_api_key);
  auto expires = r->find("expires_at");
  if (expires != r->end() && !expires->is_null()) {
    auto t = expires->is_string() ? parse_rfc3339(*expires->get_ptr<const std::string*>()) : std::nullopt;
    if (!t) return fail(Error::corrupt_record);
    if (*t * 1000 <= now_ms_) return fail(Error::expired_api_key);
  }
  credential_id_ = *id;
  account_granted_ = std::find(ids.begin(), ids.end(), "*") != ids.end() ||
                     std::find(ids.begin(), ids.end(), nreq_.account_id) != ids.end();
  verified_ = true;
  return Step{};
}

const std::string& Exchange::token_sha256() {
  if (cred_.token_sha256.empty()) cred_.token_sha256 = sha256_hex(cred_.token);
  return cred_.token_sha256;
}

Step Exchange::verify_jwt() {
  std::int64_t now_s = now_ms_ / 1000;
  JwtClaims claims;
  if (cred_.from_cache) {
    claims = std::move(cached_claims_);  // looked up in step 2, in this same call of begin()
  } else {
    std::vector<const PublicKey*> keys;
    const JwtParts& jwt = cred_.jwt;
    if (jwt.alg != "HS256") {
      keys = candidate_keys(cfg_.jwt_jwks, jwt);
      if (keys.empty() && !cfg_.jwt_jwks_url.empty()) {
        bool fresh =
            engine_.remote_keys_fetched_s >= 0 && now_s - engine_.remote_keys_fetched_s < cfg_.jwks_cache_seconds;
        if (!fresh) {
          // The KV copy first: another isolate may have fetched the keys already.
          Lookup r = need("live", "jwks:" + sha256_hex(cfg_.jwt_jwks_url));
          if (!r.ready) return reads();
          if (auto rec = record(r.value)) {
            auto at = rec->find("fetched_at");
            KeySet set;
            if (at != rec->end() && at->is_number_integer() && parse_jwks(*rec, set) &&
                at->get_ref<const Json::number_integer_t&>() > engine_.remote_keys_fetched_s) {
              engine_.remote_keys = std::move(set);
              engine_.remote_keys_fetched_s = at->get_ref<const Json::number_integer_t&>();
            }
          }
          fresh = engine_.remote_keys_fetched_s >= 0 && now_s - engine_.remote_keys_fetched_s < cfg_.jwks_cache_seconds;
        }
        keys = candidate_keys(engine_.remote_keys, jwt);
        bool may_refetch =
            keys.empty() && (engine_.remote_keys_refetch_ms < 0 || now_ms_ - engine_.remote_keys_refetch_ms >= 60000);
        if (!keys_fetch_attempted_ && (!fresh || may_refetch)) {
          if (fresh) engine_.remote_keys_refetch_ms = now_ms_;
          keys_fetch_attempted_ = true;
          Effect& e = add_effect(Effect::Kind::fetch);
          e.method = "GET";
          e.url = cfg_.jwt_jwks_url;
          e.headers = {{"Accept", "application/json"}};
          e.timeout_ms = cfg_.origin_timeout_ms;
          return need_effects(Phase::fetching_keys);
        }
        if (engine_.remote_keys_fetched_s < 0) return fail(Error::key_provider_unavailable);
      }
      if (keys.empty()) return fail(Error::jwt_unknown_key);
    }
    if (!signature_valid(jwt, cfg_, keys)) return fail(Error::jwt_bad_signature);
    if (auto e = read_claims(jwt.payload, cfg_, claims)) return fail(*e);
    if (engine_.tokens.size() >= kMaxCacheEntries) engine_.tokens.clear();
    engine_.tokens[token_sha256()] = {claims, std::min(claims.exp * 1000, now_ms_ + kTokenCacheMs)};
  }
  if (auto e = check_times(claims, now_s, cfg_.jwt_leeway_seconds)) return fail(*e);
  mode_ = claims.livemode ? Mode::live : Mode::test;
  credential_id_ = "jwt:" + claims.sub;
  jwt_without_accounts_ = !claims.has_account_ids;
  account_granted_ =
      std::find(claims.account_ids.begin(), claims.account_ids.end(), "*") != claims.account_ids.end() ||
      std::find(claims.account_ids.begin(), claims.account_ids.end(), nreq_.account_id) != claims.account_ids.end();
  jwt_missing_scope_ = !claims.has_required_scope;
  verified_ = true;
  return Step{};
}

Step Exchange::after_key_fetch(const Outcome& o) {
  phase_ = Phase::reading;
  KeySet set;
  bool ok = o.ok && o.status == 200 && o.body.size() <= kMaxJwksBytes && parse_jwks_text(o.body, set);
  if (ok) {
    for (const std::string& why : set.ignored) notices_.push_back("JWT_JWKS_URL: ignored " + why);
    std::int64_t now_s = now_ms_ / 1000;
    engine_.remote_keys = std::move(set);
    engine_.remote_keys_fetched_s = now_s;
    Json rec = jwks_to_json(engine_.remote_keys);
    Json doc = Json::object();
    doc["fetched_at"] = now_s;
    doc["keys"] = std::move(rec["keys"]);
    put_background("live", "jwks:" + sha256_hex(cfg_.jwt_jwks_url), dump(doc), 0);
  } else {
    notices_.push_back("JWKS fetch failed (" + (o.ok ? "status " + std::to_string(o.status) : o.error) +
                       "); serving the last good keys");
  }
  return advance();
}

Step Exchange::answer_at_edge() {
  log_.route = "edge";
  std::string s = store_name();
  bool auto_live = cfg_.routing == Routing::auto_ && mode_ == Mode::live;
  Lookup account = need(s, "account:" + s + ":" + nreq_.account_id);
  Lookup subject = nreq_.workspace_membership_id
                       ? need(s, "workspace_membership:" + s + ":" + *nreq_.workspace_membership_id)
                       : need(s, "user_by_email:" + s + ":" + *nreq_.email);
  if (!account.ready || !subject.ready) return reads();
  if (!account.value) return auto_live ? forward() : finish(Error::account_not_found);
  auto acct = record(account.value);
  const std::string* workspace_id = acct ? str(*acct, "workspace_id") : nullptr;
  if (!workspace_id) return fail(Error::corrupt_record);

  Json user = Json::object();
  Json user_id = nullptr, wsm_id = nullptr;
  if (nreq_.workspace_membership_id) {
    if (!subject.value) return auto_live ? forward() : finish(Error::workspace_membership_not_found);
    auto wsm = record(subject.value);
    const std::string* wsm_workspace = wsm ? str(*wsm, "workspace_id") : nullptr;
    const Json* u = wsm ? &member(*wsm, "user") : nullptr;
    if (!wsm_workspace || !u || !str(*u, "id")) return fail(Error::corrupt_record);
    if (*wsm_workspace != *workspace_id) {
      if (auto_live) return forward();
      Json details = field_error_details(
          {{"workspace_membership_id", "other_workspace", "Belongs to another workspace than the account."}});
      return finish(Error::workspace_mismatch, std::move(details));
    }
    user["id"] = *str(*u, "id");
    user["email"] = str(*u, "email") ? Json(*str(*u, "email")) : Json(nullptr);
    user["name"] = str(*u, "name") ? Json(*str(*u, "name")) : Json(nullptr);
    user_id = user["id"];
    wsm_id = *nreq_.workspace_membership_id;
  } else if (subject.value) {
    auto u = record(subject.value);
    if (!u || !str(*u, "id")) return fail(Error::corrupt_record);
    user["id"] = *str(*u, "id");
    user["email"] = *nreq_.email;
    user["name"] = str(*u, "name") ? Json(*str(*u, "name")) : Json(nullptr);
    user_id = user["id"];
  } else {
    user["id"] = nullptr;
    user["email"] = *nreq_.email;
    user["name"] = nullptr;
  }

  auto key = membership_key_if_known();
  if (!key) return fail(Error::corrupt_record);
  membership_key_ = *key;
  Lookup existing = need(s, membership_key_);
  if (!existing.ready) return reads();
  if (existing.value) {
    auto data = record(existing.value);
    bool perms_ok = false;
    std::vector<std::string> perms =
        data ? string_list(member(*data, "permissions"), perms_ok) : std::vector<std::string>{};
    if (!data || !perms_ok) return fail(Error::corrupt_record);
    if (same_set(perms, nreq_.permissions)) return finish(200, success_envelope(*data), true);
    if (auto_live) return forward();
    Json details = Json::object();
    details["existing_permissions"] = member(*data, "permissions");
    return finish(Error::membership_conflict, std::move(details));
  }
  if (auto_live) return forward();

  std::string now = format_rfc3339(now_ms_ / 1000);
  Json data = Json::object();
  data["object"] = "account_membership";
  data["id"] = "am_" + random_base62(24);
  data["account_id"] = nreq_.account_id;
  data["user_id"] = user_id;
  data["workspace_membership_id"] = wsm_id;
  Json perms = Json::array();
  for (const std::string& p : nreq_.permissions) perms.push_back(p);
  data["permissions"] = std::move(perms);
  data["created_at"] = now;
  data["updated_at"] = now;
  data["user"] = std::move(user);

  Effect& put = add_effect(Effect::Kind::kv_put);
  put.store = s;
  put.key = membership_key_;
  put.value = dump(data);
  pending_status_ = 201;
  pending_body_ = success_envelope_text(put.value);  // the answer's data is the record, byte for byte
  return need_effects(Phase::writing);
}

Step Exchange::after_write(const std::vector<Outcome>& outcomes) {
  // The batch holds one put: the membership. 201 only when it is stored.
  bool stored = !outcomes.empty();
  for (const Outcome& o : outcomes) {
    if (!o.ok) {
      stored = false;
      notices_.push_back("kv_put failed: " + o.error);
    }
  }
  if (!stored) return fail(Error::storage_unavailable);
  return finish(pending_status_, std::move(pending_body_), true);
}

Step Exchange::forward() {
  log_.route = "origin";
  std::string body = dump(nreq_.body());
  Effect& e = add_effect(Effect::Kind::fetch);
  e.method = "POST";
  e.url = cfg_.origin_url + req_.target;
  auto auth = header(req_.headers, "authorization");
  e.headers.emplace_back("Authorization", auth ? std::string(*auth) : std::string());
  e.headers.emplace_back("Content-Type", "application/json");
  e.headers.emplace_back("X-Request-Id", request_id_);
  e.headers.emplace_back("X-Edge-Credential-Id", credential_id_);
  e.headers.emplace_back("X-Edge-Mode", store_name());
  if (!idempotency_key_.empty()) e.headers.emplace_back("Idempotency-Key", idempotency_key_);
  if (!cfg_.origin_shared_secret.empty()) {
    std::string t = std::to_string(now_ms_ / 1000);
    Sha256 mac = hmac_sha256(cfg_.origin_shared_secret, t + "." + body);
    e.headers.emplace_back("X-Edge-Signature", "t=" + t + ",v1=" + to_hex(mac.data(), mac.size()));
  }
  e.body = std::move(body);
  e.timeout_ms = cfg_.origin_timeout_ms;
  return need_effects(Phase::forwarding);
}

Step Exchange::after_forward(const Outcome& o) {
  if (!o.ok) {
    notices_.push_back("origin fetch failed: " + o.error);
    return fail(o.error == "timeout" ? Error::origin_timeout : Error::origin_unreachable);
  }
  ParsedJson parsed = o.body.size() <= 1024 * 1024 ? parse_strict(o.body) : ParsedJson{JsonFault::syntax, {}};
  if (o.status < 200 || o.status > 599 || parsed.fault != JsonFault::none || !parsed.value.is_object()) {
    notices_.push_back("origin answered " + std::to_string(o.status) + " with a body that is not a JSON object");
    return fail(Error::origin_bad_response);
  }
  int st = o.status;
  bool storable = (st >= 200 && st < 300) || st == 403 || st == 404 || st == 409 || st == 422 || st >= 500;
  if (st >= 200 && st < 300 && cfg_.routing == Routing::auto_) {
    // Write-through, so that a replay is answered at the edge.
    const Json& data = member(parsed.value, "data");
    const std::string* account = str(data, "account_id");
    const std::string* uid = str(data, "user_id");
    bool perms_ok = false;
    string_list(member(data, "permissions"), perms_ok);
    if (account && *account == nreq_.account_id && perms_ok && (uid || nreq_.email)) {
      std::string s = store_name();
      std::string key =
          "account_membership:" + s + ":" + nreq_.account_id + ":" + (uid ? *uid : "email:" + *nreq_.email);
      put_background(s, key, dump(data), 0);
    } else {
      notices_.push_back("origin 2xx answer has no usable data object; not written through");
    }
  }
  Headers extra;
  if (auto ra = header(o.headers, "retry-after")) extra.emplace_back("Retry-After", std::string(*ra));
  const Json& code = member(member(parsed.value, "error"), "code");
  log_.code = code.is_number_integer() ? static_cast<int>(code.get_ref<const Json::number_integer_t&>()) : 0;
  return finish(st, o.body, storable, std::move(extra));
}

// ---- preview (browser) -----------------------------------------------------------------------

Preview preview(const Request& req, const Config& cfg) {
  Preview out;
  Precheck p = precheck(req, cfg, true);
  if (p.credential) {
    out.credential_present = true;
    out.credential_kind = kind_name(p.credential->kind);
    out.credential_mode = mode_name(p.credential->mode);
    if (p.credential->kind == CredentialKind::jwt) out.jwt_claims = p.credential->jwt.payload;
  }
  if (p.kind != Precheck::Kind::endpoint) {
    out.status = p.kind == Precheck::Kind::preflight ? 204 : 200;
    return out;
  }
  if (p.error) {
    out.status = info(*p.error).status;
    out.body = error_envelope(*p.error, p.details);
    return out;
  }
  out.accepted = true;
  out.normalized = p.request.body();
  return out;
}

}  // namespace mb
