/** Events per second over a sliding window, for the ops status. */
export class RateMeter {
  private readonly samples: { at: number; count: number }[] = [];

  constructor(private readonly windowMs = 10_000) {}

  record(count: number, at = Date.now()): void {
    this.samples.push({ at, count });
    this.trim(at);
  }

  perSecond(now = Date.now()): number {
    this.trim(now);
    if (this.samples.length === 0) return 0;
    const total = this.samples.reduce((sum, s) => sum + s.count, 0);
    // Over the whole window once it is full; over the time since the first sample before that.
    const span = Math.max(1_000, Math.min(this.windowMs, now - this.samples[0]!.at));
    return (total * 1000) / span;
  }

  private trim(now: number): void {
    while (this.samples.length > 0 && this.samples[0]!.at < now - this.windowMs) this.samples.shift();
  }
}
