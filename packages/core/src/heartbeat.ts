/**
 * Lease heartbeats for every running execution of one engine, driven by ONE shared interval.
 * A `setTimeout` armed and cleared per execution cost ~1.7 µs on Node 20 (a quarter of an
 * in-memory run); most executions finish long before their first beat is due, so they should pay
 * nothing but a `Set` insert and delete.
 *
 * @module
 */

/** Something that renews its lease; `beat` resolves false once the lease is lost. @internal */
export interface Beating {
  /** Epoch ms (real time) when the next beat is due. */
  nextBeatAt: number
  /** Milliseconds between beats (half the lease). */
  readonly beatEveryMs: number
  /** Renew the lease; false when it is lost (stop beating). Rejections mean "try again later". */
  beat(): Promise<boolean>
}

/** Beats every registered lease when it is due; sleeps when there is none. @internal */
export class HeartbeatScheduler {
  private readonly leases = new Set<Beating>()
  private readonly inFlight = new Set<Beating>()
  private timer: ReturnType<typeof setInterval> | undefined
  private tickMs = Number.POSITIVE_INFINITY

  /** Start beating `lease` every `lease.beatEveryMs`. */
  add(lease: Beating): void {
    lease.nextBeatAt = Date.now() + lease.beatEveryMs
    this.leases.add(lease)
    // A beat may be up to one tick late: keep the tick at most half the beat interval, so a lease
    // is always renewed before three quarters of it have elapsed.
    const tick = Math.max(1, Math.min(1_000, Math.floor(lease.beatEveryMs / 2)))
    if (this.timer === undefined || tick < this.tickMs) this.restart(tick)
  }

  /**
   * Stop beating `lease` (it completed, was released or was lost). The interval itself stops at its
   * next tick if nothing is left to beat: stopping it here would arm and clear a timer around every
   * execution when they run one at a time.
   */
  remove(lease: Beating): void {
    this.leases.delete(lease)
  }

  private restart(tickMs: number): void {
    this.stop()
    this.tickMs = tickMs
    this.timer = setInterval(() => this.sweep(), tickMs)
    // Never keep a process alive just to heartbeat.
    ;(this.timer as { unref?: () => void }).unref?.()
  }

  private stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer)
    this.timer = undefined
    this.tickMs = Number.POSITIVE_INFINITY
  }

  private sweep(): void {
    if (this.leases.size === 0) {
      this.stop()
      return
    }
    const now = Date.now()
    for (const lease of this.leases) {
      if (lease.nextBeatAt > now || this.inFlight.has(lease)) continue
      this.inFlight.add(lease)
      lease.beat().then(
        (alive) => {
          this.inFlight.delete(lease)
          if (alive) lease.nextBeatAt = Date.now() + lease.beatEveryMs
          else this.remove(lease)
        },
        () => {
          // A store hiccup (already reported through onStoreError): try again one interval later.
          this.inFlight.delete(lease)
          lease.nextBeatAt = Date.now() + lease.beatEveryMs
        },
      )
    }
  }
}
