#include "context.h"

#include "crypto.h"
#include "kv_layout.h"

namespace mb {

Flow Context::respond(int status, std::string body, Headers headers, AnswerSource source) {
  answer = Answer{status, std::move(body), std::move(headers), source, "application/json", {}};
  return Flow::answer;
}

Effect& Context::ask(EffectKind kind, Sent when) {
  return when == Sent::now ? ledger_.ask(kind) : ledger_.with_answer(kind);
}

Effect& Context::put(Sent when, Mode store, std::string key, std::string value, std::uint32_t ttl_seconds,
                     const std::string& scope, Existing existing) {
  bool only_if_absent = existing == Existing::kept && cfg.host_write_authority && !scope.empty();
  Effect& e = ask(only_if_absent ? EffectKind::kv_put_if_absent : EffectKind::kv_put, when);
  e.store = std::string(mode_name(store));
  e.scope = scope;
  e.key = std::move(key);
  e.value = std::move(value);
  e.ttl_seconds = ttl_seconds;
  return e;
}

const std::string& Context::api_key_key() {
  if (keys.api_key.empty()) keys.api_key = kv::api_key(cred.token_sha256);
  return keys.api_key;
}

const Engine::RecordEntry* Context::cached(const Slot& slot) const {
  if (cfg.record_cache_seconds <= 0 || !kv::rarely_changes(slot.key)) return nullptr;
  auto c = engine.records.find(slot);
  return c != engine.records.end() && c->second.expires_ms > now_ms ? &c->second : nullptr;
}

void Context::cache(const Slot& slot, Engine::CachedRecord record) {
  if (cfg.record_cache_seconds <= 0 || !kv::rarely_changes(slot.key)) return;
  if (engine.records.size() >= kMaxCacheEntries) engine.records.clear();
  engine.records[slot] = {std::move(record), now_ms + cfg.record_cache_seconds * 1000};
}

void Context::want(Mode store, const std::string& key, const std::string& scope) {
  Slot slot{store, key};
  if (ledger_.known(slot) || cached(slot)) return;
  ledger_.want(slot, scope);
}

std::string Context::random_base62(std::size_t n) { return mb::random_base62(random_, random_used_, n); }

std::string Context::random_bytes(std::size_t n) {
  std::string out;
  while (out.size() < n) out += static_cast<char>(mb::next_random_byte(random_, random_used_));
  return out;
}

}  // namespace mb
