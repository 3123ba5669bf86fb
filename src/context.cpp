#include "context.h"

#include <algorithm>

#include "crypto.h"

namespace mb {

std::string slot_of(Mode store, std::string_view key) {
  std::string slot(mode_name(store));
  slot.push_back('\n');
  slot.append(key);
  return slot;
}

Flow Context::respond(int status, std::string body, Headers headers, AnswerSource source) {
  answer = Answer{status, std::move(body), std::move(headers), source, "application/json", {}};
  return Flow::answer;
}

Effect& Context::add_effect(EffectKind kind) {
  Effect& e = batch.emplace_back();
  e.id = next_id++;
  e.kind = kind;
  return e;
}

const Outcome* Context::outcome(std::uint32_t id) const {
  auto it = outcomes.find(id);
  return it == outcomes.end() ? nullptr : &it->second;
}

EffectKind Context::put_kind(const std::string& scope) const {
  return cfg.host_write_authority && !scope.empty() ? EffectKind::kv_put_if_absent : EffectKind::kv_put;
}

const std::string& Context::api_key_key() {
  if (keys.api_key.empty()) keys.api_key = kv::api_key(cred.token_sha256);
  return keys.api_key;
}

void Context::put_background(Mode store, std::string key, std::string value, std::uint32_t ttl_seconds,
                             const std::string& scope) {
  Effect& e = background.emplace_back();
  e.id = next_id++;
  e.kind = put_kind(scope);
  e.scope = scope;
  e.store = std::string(mode_name(store));
  e.key = std::move(key);
  e.value = std::move(value);
  e.ttl_seconds = ttl_seconds;
}

void Context::want(Mode store, const std::string& key, const std::string& scope) {
  std::string slot = slot_of(store, key);
  if (kv.count(slot) || kv_failed.count(slot) || std::find(wanted.begin(), wanted.end(), slot) != wanted.end()) return;
  if (cfg.record_cache_seconds > 0 && kv::rarely_changes(key)) {
    auto c = engine.records.find(slot);
    if (c != engine.records.end() && c->second.expires_ms > now_ms) return;
  }
  for (const auto& [id, s] : reads_in_flight)
    if (s == slot) return;
  if (!scope.empty()) read_scopes[slot] = scope;
  wanted.push_back(std::move(slot));
}

bool Context::has_read(Mode store, const std::string& key) const { return kv.count(slot_of(store, key)) > 0; }

std::string Context::random_base62(std::size_t n) { return mb::random_base62(random, random_used, n); }

std::string Context::random_bytes(std::size_t n) {
  std::string out;
  while (out.size() < n) out += static_cast<char>(mb::next_random_byte(random, random_used));
  return out;
}

}  // namespace mb
