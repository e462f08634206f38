/** What the function-wrapper comparison reports back to the harness (over IPC, so plain data). */
export interface WrapperRow {
  /** e.g. `idemkit idempotent() + Redis`. */
  label: string
  /** e.g. `redis`, `dynamodb`: rows of one backend share a table. */
  backend: string
  /** `new` or `replay`. */
  workload: 'new' | 'replay'
  /** Median µs per call (wall clock, calls in sequence). */
  microsPerCall: number
  /** Median client-process CPU µs per call. */
  cpuMicrosPerCall: number
  /** Median of per-round ratios to this row's raw-command baseline (1 for the baseline itself). */
  ratioToRaw: number | undefined
  /** Median of per-round ratios of client CPU µs per call to the raw baseline's. */
  cpuRatioToRaw: number | undefined
  /** The baseline row's label, for the table. */
  baseline: string | undefined
  /** Store round trips per call, from the captured commands. */
  roundTrips: number | undefined
  /** e.g. `evalsha, evalsha`. */
  commands: string | undefined
}

export interface WrapperResults {
  rows: WrapperRow[]
  notes: string[]
  /** Implementations that could not run, with why. */
  missing: Array<{ label: string; reason: string }>
}
