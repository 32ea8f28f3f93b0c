// The cluster's clock. Everything in a cluster that depends on time reads it from here, never
// from Date.now(): the clock can run faster than real time or jump ahead, and every timer,
// timestamp and age follows it.
//
// cluster time = anchorCluster + (real now - anchorReal) * speed

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

  get speed(): number {
    return this.state.speed;
  }

  /** Jumps the clock forward. */
  advance(ms: number): void {
    const now = this.now();
    this.state = { anchorReal: this.realNow(), anchorCluster: now + ms, speed: this.state.speed };
    this.save(this.state);
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
