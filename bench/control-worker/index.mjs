// The control worker: the platform's floor for a scenario. It makes the KV reads the product makes
// for that request (the keys arrive in X-Control-Reads: rounds separated by ";", the keys of one
// round, read concurrently, by ","; bench/throughput.mjs traces them from the product's core),
// writes one log line as both other workers do, and answers a fixed JSON body.
const body = '{"message":"success","success":true,"data":{"id":"mem_control","account_id":"acct_1"}}';

export default {
  async fetch(request, env) {
    await request.arrayBuffer();
    for (const round of (request.headers.get("x-control-reads") ?? "").split(";").filter(Boolean))
      await Promise.all(round.split(",").map((key) => env.KV.get(key)));
    console.log(JSON.stringify({ level: "info", request_id: "req_control", status: 200, duration_ms: 0 }));
    return new Response(body, { status: 200, headers: { "Content-Type": "application/json" } });
  },
};
