// The effects of one exchange, owned by the Exchange: ids, the batch being built, the reads in
// flight and every outcome. Stages reach it only through the Context's read / want / ask /
// outcome / put.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "effects.h"
#include "kv_slot.h"

namespace mb {

class EffectLedger {
 public:
  // A new effect with the next id, in the batch handed to the host when the stage waits, or sent
  // with the answer (fire-and-forget, outcome unused).
  Effect& ask(EffectKind kind);
  Effect& with_answer(EffectKind kind);
  // The outcome of a non-read effect once the host answered it; null before.
  const Outcome* outcome(std::uint32_t id) const;

  // Reads, by slot: the value read (nullopt: absent), or null while unread.
  const std::optional<std::string>* value(const Slot& slot) const;
  const std::string* failure(const Slot& slot) const;  // why the read failed; null when it did not
  // Puts the read into the next batch unless it is read, failed, wanted or in flight already.
  // scope: the record's write authority (kv_get of a membership or idempotency record).
  void want(const Slot& slot, const std::string& scope);
  bool known(const Slot& slot) const;  // read, failed, wanted or in flight

  // The Exchange's side: the batch (stage effects, then the wanted reads), and its outcomes.
  std::vector<Effect> take_batch();
  void settle(const std::vector<Outcome>& outcomes);  // an id the host did not answer failed
  std::vector<Effect> take_background() { return std::move(background_); }

 private:
  // One KV read of this exchange (a handful per request: found by a linear search).
  struct Read {
    enum class State : std::uint8_t { wanted, in_flight, read, failed };
    Slot slot;
    State state = State::wanted;
    std::string scope;                 // wanted: the kv_get's scope
    std::uint32_t id = 0;              // in flight: its kv_get
    std::optional<std::string> value;  // read: nullopt when absent
    std::string failure;               // failed: why
  };
  const Read* find(const Slot& slot) const;

  std::uint32_t next_id_ = 1;
  std::vector<Effect> batch_, background_;
  std::vector<std::unique_ptr<Read>> reads_;  // in the order wanted; each stays where it is (values are pointed to)
  std::vector<std::uint32_t> awaiting_;       // ids of the batch handed to the host
  std::vector<Outcome> outcomes_;             // of non-read effects, in the order settled
};

}  // namespace mb
