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
  switch (e.kind) {
    case Effect::Kind::kv_get:
      if (faults.count("kv_get")) {
        o.ok = false;
        o.error = "injected kv_get failure";
        break;
      }
      if (const std::string* v = get(e.store, e.key)) o.value = *v;
      break;
    case Effect::Kind::kv_put:
      if (faults.count("kv_put")) {
        o.ok = false;
        o.error = "injected kv_put failure";
        break;
      }
      kv[e.store + "\n" + e.key] = {e.value, e.ttl_seconds ? now_ms + std::int64_t(e.ttl_seconds) * 1000 : 0};
      break;
    case Effect::Kind::fetch:
      if (fetch && !faults.count("fetch"))
        return [&] {
          Outcome f = fetch(e);
          f.id = e.id;
          return f;
        }();
      o.ok = false;
      o.error = "refused";
      break;
    case Effect::Kind::rate_limit:
      o.allowed = !faults.count("rate_limit_deny");
      break;
  }
  return o;
}

Response MemoryHost::run(Engine& engine, Request req) {
  rounds.clear();
  background.clear();
  notices.clear();
  Exchange exchange(engine);
  Step step = exchange.begin(std::move(req), {now_ms, next_random()});
  while (!step.done) {
    for (auto& n : step.notices) notices.push_back(n);
    rounds.push_back(step.effects);
    std::vector<Outcome> outcomes;
    for (const Effect& e : step.effects) outcomes.push_back(perform(e));
    step = exchange.resume(outcomes, now_ms);
    if (rounds.size() > 16) break;
  }
  for (auto& n : step.notices) notices.push_back(n);
  for (const Effect& e : step.background) {
    background.push_back(e);
    perform(e);
  }
  last_log = step.log;
  return step.response;
}

}  // namespace mb::native
