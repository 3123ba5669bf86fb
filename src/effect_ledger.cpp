#include "effect_ledger.h"

#include <algorithm>

namespace mb {

Effect& EffectLedger::ask(EffectKind kind) {
  Effect& e = batch_.emplace_back();
  e.id = next_id_++;
  e.kind = kind;
  return e;
}

Effect& EffectLedger::with_answer(EffectKind kind) {
  Effect& e = background_.emplace_back();
  e.id = next_id_++;
  e.kind = kind;
  return e;
}

const Outcome* EffectLedger::outcome(std::uint32_t id) const {
  for (const Outcome& o : outcomes_)
    if (o.id == id) return &o;
  return nullptr;
}

const EffectLedger::Read* EffectLedger::find(const Slot& slot) const {
  for (const auto& r : reads_)
    if (r->slot == slot) return r.get();
  return nullptr;
}

const std::optional<std::string>* EffectLedger::value(const Slot& slot) const {
  const Read* r = find(slot);
  return r && r->state == Read::State::read ? &r->value : nullptr;
}

const std::string* EffectLedger::failure(const Slot& slot) const {
  const Read* r = find(slot);
  return r && r->state == Read::State::failed ? &r->failure : nullptr;
}

bool EffectLedger::known(const Slot& slot) const { return find(slot) != nullptr; }

void EffectLedger::want(const Slot& slot, const std::string& scope) {
  if (!known(slot)) reads_.push_back(std::make_unique<Read>(Read{slot, Read::State::wanted, scope, 0, {}, {}}));
}

std::vector<Effect> EffectLedger::take_batch() {
  for (auto& r : reads_) {
    if (r->state != Read::State::wanted) continue;
    Effect& e = ask(EffectKind::kv_get);
    e.store = std::string(mode_name(r->slot.store));
    e.key = r->slot.key;
    e.scope = std::move(r->scope);
    r->state = Read::State::in_flight;
    r->id = e.id;
  }
  std::vector<Effect> batch = std::move(batch_);
  batch_.clear();
  for (const Effect& e : batch) awaiting_.push_back(e.id);
  return batch;
}

void EffectLedger::settle(const std::vector<Outcome>& outcomes) {
  for (std::uint32_t id : awaiting_) {
    auto it = std::find_if(outcomes.begin(), outcomes.end(), [id](const Outcome& o) { return o.id == id; });
    Outcome o;
    if (it != outcomes.end()) {
      o = *it;
    } else {
      o.id = id;
      o.failure = Failure::missing;
    }
    auto read = std::find_if(reads_.begin(), reads_.end(),
                             [id](const auto& r) { return r->state == Read::State::in_flight && r->id == id; });
    if (read == reads_.end()) {
      outcomes_.push_back(std::move(o));
    } else if (o.ok()) {
      (*read)->state = Read::State::read;
      (*read)->value = std::move(o.value);
    } else {
      (*read)->state = Read::State::failed;
      (*read)->failure = std::string(failure_name(o.failure)) + (o.detail.empty() ? "" : ": " + o.detail);
    }
  }
  awaiting_.clear();
}

}  // namespace mb
