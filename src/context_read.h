// Context::read, a template (included by context.h only).
#pragma once
#include <memory>
#include <type_traits>

namespace mb {

template <class T>
Result<Lookup<T>> Context::read(Mode store, const std::string& key, RecordReader<T> reader, const std::string& scope) {
  constexpr bool kCachedKind = std::is_constructible_v<Engine::CachedRecord, std::shared_ptr<const T>>;
  Slot slot{store, key};
  if constexpr (kCachedKind) {
    if (const Engine::RecordEntry* c = cached(slot))
      if (auto* rec = std::get_if<std::shared_ptr<const T>>(&c->record)) return Lookup<T>{false, *rec};
  }
  if (const std::string* failed = ledger_.failure(slot))
    return problem(Error::storage_unavailable, "kv_get " + std::string(key.substr(0, 120)) + " failed: " + *failed);
  const std::optional<std::string>* value = ledger_.value(slot);
  if (!value) {
    want(store, key, scope);
    return Lookup<T>{};
  }
  if (!*value) return Lookup<T>{false, nullptr};
  MB_ASSIGN_OR_RETURN(auto rec, decode(slot, **value, reader));
  return Lookup<T>{false, std::move(rec), &**value};
}

// Decodes a stored text; rarely-changing records go to the isolate's cache, memberships to its
// memo of texts already decoded.
template <class T>
Result<std::shared_ptr<const T>> Context::decode(const Slot& slot, const std::string& text, RecordReader<T> reader) {
  constexpr bool kCachedKind = std::is_constructible_v<Engine::CachedRecord, std::shared_ptr<const T>>;
  if constexpr (std::is_same_v<T, MembershipRecord>) {
    auto memo = engine.memberships_by_text.find(text);
    if (memo != engine.memberships_by_text.end()) return memo->second;
  }
  MB_ASSIGN_OR_RETURN(T decoded, reader(text, slot.key));
  auto rec = std::make_shared<const T>(std::move(decoded));
  if constexpr (kCachedKind) cache(slot, rec);
  if constexpr (std::is_same_v<T, MembershipRecord>) {
    if (engine.memberships_by_text.size() >= kMaxCacheEntries) engine.memberships_by_text.clear();
    engine.memberships_by_text.emplace(text, rec);
  }
  return std::shared_ptr<const T>(std::move(rec));
}

}  // namespace mb
