#include "memory_host.h"

#include "crypto.h"

namespace mb::native {

const std::string* MemoryHost::get(const std::string& store, const std::string& key) const {
  auto it = kv.find(store + "\n" + key);
  if (it == kv.end() || (it->second.expires_ms && it->second.expires_ms <= now_ms)) return nullptr;
  return &it->second.value;
}

std::size_t MemoryHost::count_prefix(const std::string& store, const std::string& prefix) const {
  std::size_t n = 0;
  std::string full = store + "\n" + prefix;
  for (auto it = kv.lower_bound(full); it != kv.end() && it->first.compare(0, full.size(), full) == 0; ++it) ++n;
  return n;
}

std::string MemoryHost::next_random() {
  std::string out;
  for (int i = 0; i < 2; ++i) {
    Sha256 h = sha256("memory-host:" + std::to_string(random_counter++));
    out.append(reinterpret_cast<const char*>(h.data()), h.size());
  }
  return out;
}

Outcome MemoryHost::perform(const Effect& e) {
  Outcome o;
  o.id = e.id;
  auto fail = [&](std::string why) {
    o.failure = Failure::failed;
    o.detail = std::move(why);
    return o;
  };
  auto injected = [&](const char* fault) { return faults.count(fault) > 0; };
  switch (e.kind) {
    case EffectKind::kv_get:
      if (injected("kv_get:throw")) return fail("injected fault kv_get:throw");
      // kv_get:stale: a replica that has not seen the authority's records yet.
      if (injected("kv_get:stale") && !e.scope.empty()) return o;
      if (const std::string* v = get(e.store, e.key)) o.value = *v;
      return o;
    case EffectKind::kv_release:
      if (injected("kv_release:throw")) return fail("injected fault kv_release:throw");
      kv.erase(e.store + "\n" + e.key);
      return o;
    case EffectKind::kv_put:
    case EffectKind::kv_put_if_absent:
    case EffectKind::kv_claim:
      if (e.kind == EffectKind::kv_claim ? injected("kv_claim:throw") : injected("kv_put:throw"))
        return fail(e.kind == EffectKind::kv_claim ? "injected fault kv_claim:throw" : "injected fault kv_put:throw");
      if (e.kind != EffectKind::kv_put) {
        if (const std::string* v = get(e.store, e.key)) {  // live: what is there answers
          o.value = *v;
          return o;
        }
        o.created = true;
      }
      kv[e.store + "\n" + e.key] = {e.value, e.ttl_seconds ? now_ms + std::int64_t(e.ttl_seconds) * 1000 : 0};
      return o;
    case EffectKind::fetch:
      if (injected("fetch:throw")) return fail("injected fault fetch:throw");
      if (fetch) {
        Outcome f = fetch(e);
        f.id = e.id;
        return f;
      }
      o.failure = Failure::refused;
      return o;
    case EffectKind::rate_limit:
      if (injected("rate_limit:throw")) return fail("injected fault rate_limit:throw");
      o.allowed = !injected("rate_limit:deny");
      return o;
    case EffectKind::verify_signature:
      if (injected("verify_signature:throw")) return fail("injected fault verify_signature:throw");
      if (verify) {
        Outcome v = verify(e);
        v.id = e.id;
        return v;
      }
      return fail("no verifier");
    case EffectKind::sign:
      if (sign && !injected("sign:throw")) {
        Outcome v = sign(e);
        v.id = e.id;
        return v;
      }
      return fail("no signer");
  }
  return fail("unknown effect");
}

Response MemoryHost::run(Engine& engine, Request req) {
  rounds.clear();
  background.clear();
  notices.clear();
  Exchange exchange(engine);
  auto perform_batch = [this](const std::vector<Effect>& batch) {
    rounds.push_back(batch);
    std::vector<Outcome> outcomes;
    for (const Effect& e : batch) outcomes.push_back(perform(e));
    return outcomes;
  };
  last_stats = {};
  Step step = drive(
      exchange, std::move(req), {now_ms, next_random()}, perform_batch, [this] { return now_ms; }, &last_stats);
  notices = std::move(step.notices);
  for (const Effect& e : step.background) {
    background.push_back(e);
    perform(e);
  }
  last_log = step.log;
  return step.response;
}

}  // namespace mb::native
