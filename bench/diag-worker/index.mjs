// Diagnostics worker (not a baseline): the empty worker's constant answer plus, by the X-Bench
// request header, one JSON log line ("log") or one KV read and one log line ("kv1"), so that the
// throughput run can say what a log line and a local KV call cost under wrangler dev.
const body = '{"message":"success","success":true,"data":{}}';
export default {
  async fetch(request, env) {
    const variant = request.headers.get("x-bench");
    let kv = 0;
    if (variant === "kv1") {
      await env.KV.get("account:test:acct_1");
      kv = 1;
    }
    if (variant) console.log(JSON.stringify({ level: "info", request_id: "req_diag", status: 200, credential_id: "", mode: "test", route: "edge", rounds: kv, kv_calls: kv, duration_ms: 0 }));
    return new Response(body, { status: 200, headers: { "Content-Type": "application/json" } });
  },
};
