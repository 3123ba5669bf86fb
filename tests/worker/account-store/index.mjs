// POST {object, calls: [{key, value, ttl}]}: each call made in turn on the named object, answered
// with the list of results ({created} or {created: false, value}).
export { AccountStore } from "../../../host-shims/workers/account_store.mjs";

export default {
  async fetch(request, env) {
    if (request.method !== "POST") return new Response("ready");  // the harness polls until it answers
    const { object, calls } = await request.json();
    const stub = env.ACCOUNT_STORE.get(env.ACCOUNT_STORE.idFromName(object));
    const out = [];
    for (const c of calls) out.push(await stub.putIfAbsent(c.key, c.value, c.ttl ?? 0));
    return Response.json(out);
  },
};
