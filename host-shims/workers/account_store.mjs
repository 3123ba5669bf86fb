// The write authority of one account's memberships and idempotency records (SPEC §4, consistent
// creates): a SQLite-backed Durable Object named "<mode>:<account_id>". It performs the core's
// kv_put_if_absent atomically (one object, one thread, no await between the read and the write);
// KV stays the fast read path and is written after the object confirms.
import { DurableObject } from "cloudflare:workers";

const SWEEP_EVERY = 256; // inserts between two sweeps of expired rows

export class AccountStore extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.inserts = 0;
    this.sql.exec(`CREATE TABLE IF NOT EXISTS records (key TEXT PRIMARY KEY, value TEXT NOT NULL, expires_at INTEGER);
                   CREATE INDEX IF NOT EXISTS records_expiry ON records (expires_at) WHERE expires_at IS NOT NULL`);
  }

  // Creates `key` with `value` unless a live record is there: {created: true}, or
  // {created: false, value} with what was there. ttlSeconds 0: no expiry.
  // A new key, the usual case, costs one statement; an expired record counts as absent and is
  // replaced; expired rows are swept now and then (they are never read as live in between).
  putIfAbsent(key, value, ttlSeconds) {
    const now = Date.now();
    const expiresAt = ttlSeconds ? now + ttlSeconds * 1000 : null;
    const inserted = this.sql.exec("INSERT INTO records (key, value, expires_at) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING RETURNING key",
      key, value, expiresAt).toArray().length === 1;
    if (inserted) {
      if (++this.inserts % SWEEP_EVERY === 0) this.sql.exec("DELETE FROM records WHERE expires_at IS NOT NULL AND expires_at <= ?", now);
      return { created: true };
    }
    const [row] = this.sql.exec("SELECT value, expires_at FROM records WHERE key = ?", key).toArray();
    if (row.expires_at !== null && row.expires_at <= now) {
      this.sql.exec("UPDATE records SET value = ?, expires_at = ? WHERE key = ?", value, expiresAt, key);
      return { created: true };
    }
    return { created: false, value: row.value };
  }
}
