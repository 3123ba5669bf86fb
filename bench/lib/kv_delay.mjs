// Latency mode of bench/throughput.mjs: the worker module at WORKER_MAIN with every call of its KV
// binding held for KV_DELAY_MS first, as a KV round trip at the edge would be. Only in the
// benchmark's generated configs; the shipped worker never imports this.
import inner from "WORKER_MAIN";
export * from "WORKER_MAIN";

const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function delayed(kv, ms) {
  return new Proxy(kv, {
    get(target, name) {
      const value = target[name];
      if (typeof value !== "function") return value;
      return async (...args) => {
        await wait(ms);
        return value.apply(target, args);
      };
    },
  });
}

export default {
  fetch(request, env, ctx) {
    const ms = Number(env.KV_DELAY_MS ?? 0);
    const wrapped = ms > 0 ? Object.assign(Object.create(env), env, { KV: delayed(env.KV, ms) }) : env;
    return (inner.fetch ? inner.fetch.bind(inner) : inner)(request, wrapped, ctx);
  },
};
