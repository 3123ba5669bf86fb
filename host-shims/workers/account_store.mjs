// A write authority (docs/storage.md, consistent creates): a SQLite-backed Durable Object. Named
// "<mode>:<account_id>" it holds one account's memberships; named after an idempotency record's
// own key ("idempotency:<mode>:<credential>:<key>", never an account's name) it holds that
// Idempotency-Key's claim and then its answer. It performs the core's kv_put_if_absent and
// kv_claim atomically (one object, one thread, no await between the read and the write), the
// replacing put of a claimed key's answer, and kv_release; KV stays the fast read path and is
// written after the object confirms (never for a claim).
import { DurableObject } from "cloudflare:workers";

const SWEEP_EVERY = 256; // inserts between two sweeps of expired rows

export class AccountStore extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.inserts = 0;
    this.sql.exec(`CREATE TABLE IF NOT EXISTS records (key TEXT PRIMARY KEY, value TEXT NOT NULL, expires_at INTEGER);
                   CREATE INDEX IF NOT EXISTS records_expiry ON records (expires_at) WHERE expires_at IS NOT NULL`);
    this.alarmAt = null;
    ctx.blockConcurrencyWhile(async () => {
      this.alarmAt = await ctx.storage.getAlarm();
    });
  }

  // Creates `key` with `value` unless a live record is there: {created: true}, or
  // {created: false, value} with what was there. ttlSeconds 0: no expiry.
  // A new key, the usual case, costs one statement; an expired record counts as absent and is
  // replaced; expired rows are swept now and then (they are never read as live in between).
  putIfAbsent(key, value, ttlSeconds) {
    const now = Date.now();
    const expiresAt = ttlSeconds ? now + ttlSeconds * 1000 : null;
    const inserted =
      this.sql
        .exec(
          "INSERT INTO records (key, value, expires_at) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING RETURNING key",
          key,
          value,
          expiresAt,
        )
        .toArray().length === 1;
    if (inserted) {
      if (++this.inserts % SWEEP_EVERY === 0)
        this.sql.exec("DELETE FROM records WHERE expires_at IS NOT NULL AND expires_at <= ?", now);
      this.expireAt(expiresAt);
      return { created: true };
    }
    const [row] = this.sql.exec("SELECT value, expires_at FROM records WHERE key = ?", key).toArray();
    if (row.expires_at !== null && row.expires_at <= now) {
      this.sql.exec("UPDATE records SET value = ?, expires_at = ? WHERE key = ?", value, expiresAt, key);
      this.expireAt(expiresAt);
      return { created: true };
    }
    return { created: false, value: row.value };
  }

  // Writes `key` whatever is there: a claimed Idempotency-Key's answer replacing its claim.
  put(key, value, ttlSeconds) {
    const expiresAt = ttlSeconds ? Date.now() + ttlSeconds * 1000 : null;
    this.sql.exec(
      "INSERT INTO records (key, value, expires_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at",
      key,
      value,
      expiresAt,
    );
    this.expireAt(expiresAt);
  }

  // Removes `key`: a claim given up, so that a retry can claim it again.
  delete(key) {
    this.sql.exec("DELETE FROM records WHERE key = ?", key);
  }

  // An object named after one Idempotency-Key holds a single record and is never swept by
  // inserts: an alarm at the earliest expiry removes what expired and re-arms for what is left.
  expireAt(expiresAt) {
    if (expiresAt === null || (this.alarmAt !== null && this.alarmAt <= expiresAt)) return;
    this.alarmAt = expiresAt;
    this.ctx.storage.setAlarm(expiresAt);
  }

  alarm() {
    this.alarmAt = null;
    this.sql.exec("DELETE FROM records WHERE expires_at IS NOT NULL AND expires_at <= ?", Date.now());
    const [next] = this.sql.exec("SELECT MIN(expires_at) AS at FROM records WHERE expires_at IS NOT NULL").toArray();
    if (next?.at != null) this.expireAt(next.at);
  }
}
