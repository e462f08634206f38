/**
 * `@idemkit/core/http`: framework-neutral HTTP idempotency (DESIGN.md §6) used by every adapter,
 * and a Web-standard wrapper for any `(Request) => Promise<Response>` handler.
 *
 * @packageDocumentation
 */
export {}
