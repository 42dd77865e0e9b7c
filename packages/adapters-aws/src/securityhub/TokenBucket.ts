/** Clock and sleep, injectable so that tests and benchmarks control time. */
export interface Timer {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** The real clock. */
export const systemTimer: Timer = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * A client-side token bucket: `ratePerSecond` sustained, `burst` at once. Security Hub allows
 * BatchImportFindings 10 requests/s with a burst of 30 per account and Region.
 */
export class TokenBucket {
  readonly #rate: number;
  readonly #burst: number;
  readonly #timer: Timer;
  #tokens: number;
  #last: number;
  #queue: Promise<void> = Promise.resolve();

  constructor(options: { readonly ratePerSecond: number; readonly burst: number; readonly timer?: Timer }) {
    if (!(options.ratePerSecond > 0) || !(options.burst >= 1))
      throw new RangeError('rate must be > 0 and burst >= 1');
    this.#rate = options.ratePerSecond;
    this.#burst = options.burst;
    this.#timer = options.timer ?? systemTimer;
    this.#tokens = options.burst;
    this.#last = this.#timer.now();
  }

  /** Waits until a request may be sent. Callers are served in order. */
  take(): Promise<void> {
    const turn = this.#queue.then(() => this.#takeOne());
    this.#queue = turn.catch(() => undefined);
    return turn;
  }

  async #takeOne(): Promise<void> {
    for (;;) {
      const now = this.#timer.now();
      this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#last) / 1000) * this.#rate);
      this.#last = now;
      if (this.#tokens >= 1) {
        this.#tokens -= 1;
        return;
      }
      await this.#timer.sleep(Math.ceil(((1 - this.#tokens) / this.#rate) * 1000));
    }
  }
}
