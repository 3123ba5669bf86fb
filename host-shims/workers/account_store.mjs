// The write authority of one account's memberships and idempotency records (SPEC §4, consistent
// creates): a SQLite-backed Durable Object named "<mode>:<account_id>". It performs the core's
// kv_put_if_absent atomically (one object, one thread, no await between the read and the write);
// KV stays the fast read path and is written after the object confirms.
import { DurableObject } from "cloudflare:workers";

export class AccountStore extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`CREATE TABLE IF NOT EXISTS records (key TEXT PRIMARY KEY, value TEXT NOT NULL, expires_at INTEGER);
                   CREATE INDEX IF NOT EXISTS records_expiry ON records (expires_at) WHERE expires_at IS NOT NULL`);
  }

  // Creates `key` with `value` unless a live record is there: {created: true}, or
  // {created: false, value} with what was there. ttlSeconds 0: no expiry.
  putIfAbsent(key, value, ttlSeconds) {
    const now = Date.now();
    this.sql.exec("DELETE FROM records WHERE expires_at IS NOT NULL AND expires_at <= ?", now);
    const [row] = this.sql.exec("SELECT value FROM records WHERE key = ?", key).toArray();
    if (row) return { created: false, value: row.value };
    this.sql.exec("INSERT INTO records (key, value, expires_at) VALUES (?, ?, ?)", key, value, ttlSeconds ? now + ttlSeconds * 1000 : null);
    return { created: true };
  }
}
