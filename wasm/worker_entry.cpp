// The worker module: the ABI of abi.h over the core. Host-side state (the engine and the handle
// table) lives here, never in src/.
#include <__verbose_abort>
#include <cstdlib>
#include <memory>
#include <string>
#include <unordered_map>

#include "abi.h"
#include "exchange.h"
#include "frames.h"

// libc++ reports a broken invariant (and, without exceptions, what would have thrown) through
// __libcpp_verbose_abort, which formats with vfprintf to stderr: in the worker module that is
// printf and stdio for output nobody reads. libc++ documents this function as the one to
// override; here it traps, as any broken invariant does, and the host answers 500.
_LIBCPP_BEGIN_NAMESPACE_STD
void __libcpp_verbose_abort(const char*, ...) { __builtin_trap(); }
_LIBCPP_END_NAMESPACE_STD
// The same for a pure virtual call (libc++abi's prints a message first), and for the global
// allocation functions (replaceable, [new.delete]): out of memory traps instead of printing
// "operator new failed" through stdio. libc++abi's type-info support aborts through its internal
// abort_message, which formats with vfprintf to stderr: defined here, the static link takes this
// one and libc++abi's object (and with it printf and stdio, ~6 KB gzipped) is never pulled in. Not
// a documented hook: if a libc++ update names it differently, stdio and its imports come back and
// tests/wasm/abi.test.mjs (the module imports nothing) fails.
void __cxa_pure_virtual(void) { __builtin_trap(); }         // declared in abi.h
void abort_message(const char*, ...) { __builtin_trap(); }  // declared in abi.h
void* operator new(std::size_t n) {
  if (void* p = std::malloc(n ? n : 1)) return p;
  __builtin_trap();
}
void* operator new[](std::size_t n) { return operator new(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

namespace {

struct Slot {
  explicit Slot(mb::Engine& e) : exchange(e) {}
  mb::Exchange exchange;
  std::string step_frame;

  void set(const mb::Step& step) { mb::frames::write_step(step, step_frame); }
};

std::unique_ptr<mb::Engine> g_engine;
std::unordered_map<uint32_t, std::unique_ptr<Slot>> g_slots;
uint32_t g_next_handle = 1;

mb::Engine& engine() {
  if (!g_engine) g_engine = std::make_unique<mb::Engine>(mb::Vars{});
  return *g_engine;
}

Slot* slot(uint32_t h) {
  auto it = g_slots.find(h);
  return it == g_slots.end() ? nullptr : it->second.get();
}

}  // namespace

// The exports of abi.h (declared there with C linkage, which these definitions take on).

void mb_abi_version_5(void) {}

void* mb_alloc(uint32_t size) { return std::malloc(size ? size : 1); }
void mb_free(void* ptr) { std::free(ptr); }

uint32_t mb_configure(const char* vars_json, uint32_t len) {
  std::optional<mb::Vars> vars = mb::read_vars(std::string_view(vars_json, len));
  g_engine = std::make_unique<mb::Engine>(vars.value_or(mb::Vars{}));
  if (!vars) return 1;
  return g_engine->config().error.empty() ? 0 : 1;
}

uint32_t mb_max_rounds(void) { return mb::kMaxRounds; }

void mb_debug_trap(void) { __builtin_trap(); }

uint32_t mb_max_body_bytes(void) { return static_cast<uint32_t>(engine().config().max_body_bytes); }

uint32_t mb_begin(const char* request_frame, uint32_t request_len, const char* body, uint32_t body_len, double now_ms,
                  const char* random, uint32_t random_len) {
  mb::Request req;
  if (!mb::frames::read_request(std::string_view(request_frame, request_len), req)) return 0;
  req.body.assign(body, body_len);
  uint32_t h = g_next_handle++;
  if (h == 0) h = g_next_handle++;
  auto s = std::make_unique<Slot>(engine());
  mb::HostInput in;
  in.now_ms = static_cast<int64_t>(now_ms);
  in.random.assign(random, random_len);
  s->set(s->exchange.begin(std::move(req), std::move(in)));
  g_slots[h] = std::move(s);
  return h;
}

uint32_t mb_resume(uint32_t handle, const char* outcomes_frame, uint32_t len, double now_ms) {
  Slot* s = slot(handle);
  if (!s) return 1;
  std::vector<mb::Outcome> outcomes;
  bool ok = mb::frames::read_outcomes(std::string_view(outcomes_frame, len), outcomes);
  // Unreadable outcomes are the host's bug: answer as if every effect failed.
  if (!ok) outcomes.clear();
  s->set(s->exchange.resume(outcomes, static_cast<int64_t>(now_ms)));
  return ok ? 0 : 1;
}

const char* mb_step_ptr(uint32_t handle) {
  Slot* s = slot(handle);
  return s ? s->step_frame.data() : nullptr;
}

uint32_t mb_step_len(uint32_t handle) {
  Slot* s = slot(handle);
  return s ? static_cast<uint32_t>(s->step_frame.size()) : 0;
}

void mb_end(uint32_t handle) { g_slots.erase(handle); }
