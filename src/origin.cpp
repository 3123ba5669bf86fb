#include "origin.h"

#include "context.h"
#include "crypto.h"
#include "edge_identity.h"
#include "http_signature.h"
#include "kv_layout.h"
#include "request_checks.h"

namespace mb {

namespace {

// The covered components (docs/api.md "Verifying forwards"), in this order.
std::vector<std::string> covered_components(const Context& ctx) {
  std::vector<std::string> c = {"@method",
                                "@path",
                                "@query",
                                "content-digest",
                                "content-type",
                                "x-request-id",
                                "x-edge-credential-id",
                                "x-edge-mode",
                                "x-edge-identity"};
  if (!ctx.checked.idempotency_key.empty()) c.push_back("idempotency-key");
  if (ctx.trace) c.push_back("traceparent");
  return c;
}

// One signature's input: the components, then created, expires, nonce, keyid, alg, tag.
ForwardDraft::Signature draft_signature(Context& ctx, const Effect& fetch, std::string label, std::string keyid,
                                        std::string alg) {
  SignatureInput in;
  in.components = covered_components(ctx);
  std::int64_t created = ctx.now_ms / 1000;
  in.params = {{"created", created},
               {"expires", created + kForwardSignatureLifetimeS},
               {"nonce", base64url_encode(ctx.random_bytes(16))},
               {"keyid", std::move(keyid)},
               {"alg", std::move(alg)},
               {"tag", std::string(kForwardSignatureTag)}};
  SignedMessage m{fetch.method, fetch.url.substr(ctx.cfg.origin_url.size()), {}, {}, 0, fetch.headers};
  ForwardDraft::Signature s;
  s.label = std::move(label);
  s.params = signature_params(in);
  s.base = signature_base(m, in).value_or("");  // every covered component is in the headers above
  return s;
}

// The forward with every header but the signatures, and the signatures' inputs.
ForwardDraft draft_forward(Context& ctx) {
  const Grant& g = *ctx.grant;
  ForwardDraft d;
  Effect& e = d.fetch;
  e.kind = EffectKind::fetch;
  e.method = "POST";
  // account_id passed step 3 ([A-Za-z0-9_-]{1,128}): nothing to escape.
  e.url = ctx.cfg.origin_url + std::string(kEndpointPath) + "?account_id=" + ctx.request().account_id;
  e.body = ctx.request().body_json();
  e.timeout_ms = ctx.cfg.origin_timeout_ms;
  std::string credential_id = kv::encode_part(g.credential_id);
  auto auth = header(ctx.req.headers, "authorization");
  if (ctx.cfg.forward_authorization && auth) e.headers.emplace_back("Authorization", std::string(*auth));
  e.headers.emplace_back("Content-Type", "application/json");
  e.headers.emplace_back("Content-Digest", content_digest_sha256(e.body));
  e.headers.emplace_back("X-Request-Id", ctx.request_id);
  e.headers.emplace_back("X-Edge-Credential-Id", credential_id);
  e.headers.emplace_back("X-Edge-Mode", std::string(mode_name(g.mode)));
  bool jwt = ctx.cred.kind == CredentialKind::jwt;
  e.headers.emplace_back("X-Edge-Identity", edge_identity(jwt, credential_id, g.mode, ctx.request().account_id,
                                                          ctx.jwt_claims ? &*ctx.jwt_claims : nullptr));
  if (!ctx.checked.idempotency_key.empty()) e.headers.emplace_back("Idempotency-Key", ctx.checked.idempotency_key);
  if (ctx.trace) {
    e.headers.emplace_back("traceparent", ctx.trace->traceparent);
    if (!ctx.trace->tracestate.empty()) e.headers.emplace_back("tracestate", ctx.trace->tracestate);
  }
  if (const auto& key = ctx.cfg.origin_signing_key)
    d.signatures.push_back(draft_signature(ctx, e, "edge", key->pub.thumbprint, "ecdsa-p256-sha256"));
  if (!ctx.cfg.origin_shared_secret.empty())
    d.signatures.push_back(draft_signature(ctx, e, "edge-hmac", ctx.cfg.origin_shared_secret_id, "hmac-sha256"));
  return d;
}

// Each signature: the host's ECDSA signature when it made one, else BearSSL's; HMAC always here.
void sign_forward(Context& ctx, ForwardDraft& d) {
  for (ForwardDraft::Signature& s : d.signatures) {
    if (s.label == "edge-hmac") {
      Sha256 mac = hmac_sha256(ctx.cfg.origin_shared_secret, s.base);
      s.bytes.assign(reinterpret_cast<const char*>(mac.data()), mac.size());
      continue;
    }
    const Outcome* o = d.sign_effect ? ctx.outcome(d.sign_effect) : nullptr;
    if (o && o->ok() && o->signature.size() == 64) {
      s.bytes = o->signature;
      continue;
    }
    if (o)
      ctx.notices.push_back("the host did not sign the forward (" +
                            (o->ok() ? std::string("a signature of ") + std::to_string(o->signature.size()) + " bytes"
                                     : std::string(failure_name(o->failure)) + ": " + o->detail.substr(0, 120)) +
                            "); signed with BearSSL");
    s.bytes = ecdsa_p256_sha256_sign(ctx.cfg.origin_signing_key->d, s.base);
  }
  if (d.signatures.empty()) return;
  std::string input, signature;
  for (const ForwardDraft::Signature& s : d.signatures) {
    if (!input.empty()) {
      input += ", ";
      signature += ", ";
    }
    input += s.label + "=" + s.params;
    signature += s.label + "=" + sf_byte_sequence(s.bytes);
  }
  d.fetch.headers.emplace_back("Signature-Input", std::move(input));
  d.fetch.headers.emplace_back("Signature", std::move(signature));
}

}  // namespace

Result<Flow> forward(Context& ctx) {
  ctx.log.route = "origin";
  StoreProgress& progress = ctx.store;
  ForwardDraft& d = progress.draft;
  if (progress.step != StoreProgress::Step::signing) {
    d = draft_forward(ctx);
    // Where the host has WebCrypto, it makes the ECDSA signature (the core chose key and bytes).
    if (ctx.cfg.origin_signing_key && ctx.cfg.host_verifies_signatures) {
      Effect& e = ctx.ask(EffectKind::sign);
      e.alg = "ES256";
      e.jwk = ctx.cfg.origin_signing_key->private_jwk;
      e.signed_data = d.signatures.front().base;
      d.sign_effect = e.id;
      progress.step = StoreProgress::Step::signing;
      return Flow::wait;
    }
  }
  sign_forward(ctx, d);
  Effect& e = ctx.ask(EffectKind::fetch);
  std::uint32_t id = e.id;
  e = std::move(d.fetch);
  e.id = id;
  progress.step = StoreProgress::Step::forwarded;
  progress.effect = id;
  return Flow::wait;
}

Result<Flow> after_forward(Context& ctx, EffectId fetch) {
  const Outcome* o = ctx.outcome(fetch);
  if (!o || !o->ok()) {
    Failure f = o ? o->failure : Failure::missing;
    return problem(f == Failure::timeout ? Error::origin_timeout : Error::origin_unreachable,
                   "origin fetch failed: " + std::string(failure_name(f)) +
                       (o && !o->detail.empty() ? " (" + o->detail + ")" : ""));
  }
  auto answer = o->status >= 200 && o->status <= 599 ? read_origin_answer(o->body) : std::nullopt;
  if (!answer)
    return problem(Error::origin_bad_response,
                   "origin answered " + std::to_string(o->status) + " with a body that is not a JSON object");
  int status = o->status;
  const NormalizedRequest& r = ctx.request();
  if (status >= 200 && status < 300 && ctx.cfg.routing == Routing::auto_) {
    // Written through, so that a replay is answered at the edge.
    const auto& m = answer->membership;
    if (m && m->account_id == r.account_id && (m->user_id || r.email)) {
      kv::Member member =
          m->user_id ? kv::Member{kv::Member::By::user_id, *m->user_id} : kv::Member{kv::Member::By::email, *r.email};
      Mode mode = ctx.grant->mode;
      // With a write authority, created there only if absent (it keeps the first record).
      ctx.put(Sent::with_answer, mode, kv::membership(mode, r.account_id, member), write_membership(*m), 0,
              kv::authority(mode, r.account_id));
    } else {
      ctx.notices.push_back("origin 2xx answer has no usable data object; not written through");
    }
  }
  Headers extra;
  if (auto ra = header(o->headers, "retry-after")) extra.emplace_back("Retry-After", std::string(*ra));
  ctx.log.code = answer->error_code;
  return ctx.respond(status, o->body, std::move(extra), AnswerSource::origin);
}

}  // namespace mb
