/**
 * What an HTTP integration provides to run the shared suite: a way to build an app from routes
 * described neutrally, and to translate the suite's replies into the framework's own ways of
 * responding.
 */
import type { HttpIdempotencyOptions } from '@idemkit/core/http'

/** What a suite handler answers; each harness sends it the framework's native way. */
export type Reply =
  | { type: 'json'; status?: number; value: unknown; headers?: Record<string, string> }
  | { type: 'text'; status?: number; text: string; headers?: Record<string, string> }
  | { type: 'bytes'; status?: number; bytes: Uint8Array; contentType: string }
  /** Sent as several chunks; `between` is awaited after the first chunk went out. */
  | { type: 'stream'; status?: number; chunks: string[]; contentType: string; between?: () => Promise<void> }
  | { type: 'redirect'; location: string }
  | { type: 'empty'; status: number }
  | { type: 'throw'; message: string }
  /** A framework-specific way of responding, by name (see {@link HttpHarness.nativeResponders}). */
  | { type: 'native'; name: string }

/** What the handler read from the request. */
export interface HandlerInput {
  /** The body as the handler could read it after the middleware ran (text, or JSON text of a parsed body). */
  body: string
  /** Path parameters. */
  params: Record<string, string>
}

/** A route of the app under test. */
export interface SuiteRoute {
  method: 'POST' | 'PATCH' | 'PUT' | 'GET'
  /** Route pattern, e.g. `/payments/:id`. */
  path: string
  handler: (input: HandlerInput) => Reply | Promise<Reply>
}

/** A running app. */
export interface RunningApp {
  /** Send a request to `path` (with query). */
  fetch(path: string, init?: RequestInit): Promise<Response>
  close(): Promise<void>
}

/** Options as the suite passes them: the request type is the harness's own. */
// biome-ignore lint: the suite cannot know the framework's request type
export type SuiteOptions = HttpIdempotencyOptions<never>

/** One HTTP integration under test. */
export interface HttpHarness {
  /** E.g. `'express 5 (express.json + captureRawBody)'`. */
  name: string
  /** Build and start an app with `routes`, each protected by the middleware configured with `options`. */
  start(routes: SuiteRoute[], options: SuiteOptions): Promise<RunningApp>
  /** A request header from the framework's request object (for `scope` and `fingerprint` options). */
  requestHeader(req: never, name: string): string | undefined
  /** Names of framework-specific responders (`{ type: 'native', name }`), each checked for byte-exact replay. */
  nativeResponders: readonly string[]
  /** True when header values can carry bytes 0x80–0xFF and tabs to the middleware (in-process requests). */
  rawHeaderValues: boolean
  /** True when requests are handed over in process (no HTTP client in between to refuse control characters). */
  inProcess: boolean
  /** True when the app's JSON parser runs before the middleware and rejects malformed JSON itself (400). */
  rejectsMalformedJson: boolean
}
