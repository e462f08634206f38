-- @idemkit/store-postgres: the idempotency table (default name, default schema).
-- Generated from idempotencyTableSql(); a test keeps this file and the code identical.
-- Idempotent: every statement uses IF NOT EXISTS. For a custom name or schema use
-- idempotencyTableSql(idempotencyKeysTable({ name, schema })) or the drizzle table with drizzle-kit.
-- Times are bigint epoch milliseconds; result is bytea (UTF-8 bytes; text cannot hold NUL).

CREATE TABLE IF NOT EXISTS "idempotency_keys" (
  "key" text PRIMARY KEY NOT NULL,
  "status" text NOT NULL,
  "fingerprint" text NOT NULL,
  "token" text NOT NULL,
  "locked_until" bigint NOT NULL,
  "expires_at" bigint NOT NULL,
  "result" bytea,
  CONSTRAINT "idempotency_keys_status_check" CHECK ("status" in ('in_progress', 'completed'))
);

CREATE INDEX IF NOT EXISTS "idempotency_keys_expires_at_idx" ON "idempotency_keys" USING btree ("expires_at");
