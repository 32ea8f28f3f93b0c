// The cluster's clock. Everything in a cluster that depends on time reads it from here, never
// from Date.now(): the clock can run faster than real time or jump ahead, and every timer,
// timestamp and age follows it.
//
// cluster time = anchorCluster + (real now - anchorReal) * speed
//
// Clients measure ages against their own wall clock, so the API serves every timestamp moved
// back by the clock's lead (wallOffset): what clients see then agrees with the wall clock and
// keeps every cluster-time age and duration (api/http/wire.ts).

export interface ClockState {
  anchorReal: number;
  anchorCluster: number;
  speed: number;
}

export class Clock {
  private state: ClockState;

  constructor(
    state: ClockState | null,
    private readonly save: (s: ClockState) => void,
    private readonly realNow: () => number = () => Date.now(),
  ) {
    const now = this.realNow();
    this.state = state ?? { anchorReal: now, anchorCluster: now, speed: 1 };
  }

  /** Milliseconds since the epoch on the cluster's clock. */
  now(): number {
    const s = this.state;
    return s.anchorCluster + (this.realNow() - s.anchorReal) * s.speed;
  }

  /**
   * How far the cluster clock is ahead of the wall clock, in whole seconds (as milliseconds):
   * 0 until the clock is moved. Whole seconds so that a second-precision timestamp moved there
   * and back is the one it was; rounded up (past a millisecond of float noise) so that a lead
   * of, say, 299.6 s after a speed-up never serves a time ahead of the wall clock.
   */
  wallOffset(): number {
    return Math.max(0, Math.ceil((this.now() - this.realNow() - 1) / 1000)) * 1000;
  }

  get speed(): number {
    return this.state.speed;
  }

  /** Jumps the clock forward. */
  advance(ms: number): void {
    const now = this.now();
    this.state = { anchorReal: this.realNow(), anchorCluster: now + ms, speed: this.state.speed };
    this.save(this.state);
  }

  /**
   * The cluster time `ms` ahead of the clock as it runs now, still running: where an advance that
   * starts now ends however long its steps take, so the clock's lead grows by exactly `ms`.
   */
  aheadBy(ms: number): () => number {
    const from = this.now();
    const real = this.realNow();
    const speed = this.state.speed;
    return () => from + ms + (this.realNow() - real) * speed;
  }

  /** Sets the clock to `clusterTime` (never backwards). */
  jumpTo(clusterTime: number): void {
    const now = this.now();
    if (clusterTime <= now) return;
    this.state = { anchorReal: this.realNow(), anchorCluster: clusterTime, speed: this.state.speed };
    this.save(this.state);
  }

  /** Changes how fast cluster time runs relative to real time, from now on. */
  setSpeed(speed: number): void {
    const now = this.now();
    this.state = { anchorReal: this.realNow(), anchorCluster: now, speed };
    this.save(this.state);
  }

  /** The real (wall-clock) time at which the cluster clock reads `clusterTime`. */
  realTimeOf(clusterTime: number): number {
    const s = this.state;
    return s.anchorReal + (clusterTime - s.anchorCluster) / s.speed;
  }
}
