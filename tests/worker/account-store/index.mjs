// POST {object, calls: [{op, key, value, ttl}]}: each call made in turn on the named object (op:
// "putIfAbsent" by default, "put", "delete"), answered with the list of results ({created} or
// {created: false, value} for putIfAbsent, null otherwise); "rows" counts the object's rows,
// expired or not (what the alarm removes).
import { AccountStore as ProductStore } from "../../../host-shims/workers/account_store.mjs";

export class AccountStore extends ProductStore {
  rows() {
    return this.sql.exec("SELECT COUNT(*) AS n FROM records").one().n;
  }
}

export default {
  async fetch(request, env) {
    if (request.method !== "POST") return new Response("ready"); // the harness polls until it answers
    const { object, calls } = await request.json();
    const stub = env.ACCOUNT_STORE.get(env.ACCOUNT_STORE.idFromName(object));
    const out = [];
    for (const c of calls) {
      if (c.op === "put") out.push((await stub.put(c.key, c.value, c.ttl ?? 0)) ?? null);
      else if (c.op === "rows") out.push(await stub.rows());
      else if (c.op === "delete") out.push((await stub.delete(c.key)) ?? null);
      else out.push(await stub.putIfAbsent(c.key, c.value, c.ttl ?? 0));
    }
    return Response.json(out);
  },
};
