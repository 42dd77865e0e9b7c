import { describe, expect, it } from 'vitest';
import { type Timer, TokenBucket } from '../../src/securityhub/TokenBucket.js';
import { FakeTimer } from './helpers.js';

/** Takes `n` tokens one after the other and returns the virtual time at which each was granted. */
async function grantTimes(bucket: TokenBucket, timer: FakeTimer, n: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    await bucket.take();
    times.push(timer.now());
  }
  return times;
}

describe('TokenBucket', () => {
  it('grants the burst at once, then one token per 1/rate seconds', async () => {
    const timer = new FakeTimer();
    const bucket = new TokenBucket({ ratePerSecond: 10, burst: 30, timer });

    const times = await grantTimes(bucket, timer, 35);

    expect(times.slice(0, 30)).toEqual(Array(30).fill(0));
    expect(times.slice(30).map((t) => Math.round(t))).toEqual([100, 200, 300, 400, 500]);
    expect(timer.sleeps).toEqual([100, 100, 100, 100, 100]);
  });

  it('takes 2 s of virtual time for 50 requests at 10/s with a burst of 30', async () => {
    const timer = new FakeTimer();
    const bucket = new TokenBucket({ ratePerSecond: 10, burst: 30, timer });

    await Promise.all(Array.from({ length: 50 }, () => bucket.take()));

    expect(timer.now()).toBeCloseTo(2000, 5);
  });

  it('refills while idle, but never beyond the burst', async () => {
    const timer = new FakeTimer();
    const bucket = new TokenBucket({ ratePerSecond: 10, burst: 30, timer });
    await grantTimes(bucket, timer, 30);

    timer.advance(1000);
    const afterOneSecond = await grantTimes(bucket, timer, 11);
    expect(afterOneSecond.slice(0, 10)).toEqual(Array(10).fill(1000));
    expect(afterOneSecond[10]).toBeCloseTo(1100, 5);

    timer.advance(60_000);
    const start = timer.now();
    const afterAMinute = await grantTimes(bucket, timer, 31);
    expect(afterAMinute.slice(0, 30)).toEqual(Array(30).fill(start));
    expect((afterAMinute[30] as number) - start).toBeCloseTo(100, 5);
  });

  it('waits the time a fractional rate needs', async () => {
    const timer = new FakeTimer();
    const bucket = new TokenBucket({ ratePerSecond: 0.5, burst: 1, timer });

    await grantTimes(bucket, timer, 3);

    expect(timer.sleeps).toEqual([2000, 2000]);
  });

  it('serves concurrent callers in the order they asked', async () => {
    const timer = new FakeTimer();
    const bucket = new TokenBucket({ ratePerSecond: 10, burst: 1, timer });
    const order: number[] = [];

    await Promise.all(Array.from({ length: 6 }, (_, i) => bucket.take().then(() => order.push(i))));

    expect(order).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('keeps serving later callers when one caller’s wait fails', async () => {
    let failNext = true;
    const fake = new FakeTimer();
    const timer: Timer = {
      now: () => fake.now(),
      sleep: async (ms) => {
        if (failNext) {
          failNext = false;
          throw new Error('timer broken');
        }
        await fake.sleep(ms);
      },
    };
    const bucket = new TokenBucket({ ratePerSecond: 10, burst: 1, timer });
    await bucket.take();

    const failed = bucket.take();
    const next = bucket.take();

    await expect(failed).rejects.toThrow('timer broken');
    await expect(next).resolves.toBeUndefined();
  });

  it('uses the real clock when no timer is given', async () => {
    const bucket = new TokenBucket({ ratePerSecond: 1000, burst: 2 });

    await expect(Promise.all([bucket.take(), bucket.take()])).resolves.toHaveLength(2);
  });

  it.each([
    { ratePerSecond: 0, burst: 30 },
    { ratePerSecond: -1, burst: 30 },
    { ratePerSecond: Number.NaN, burst: 30 },
    { ratePerSecond: 10, burst: 0 },
    { ratePerSecond: 10, burst: 0.5 },
    { ratePerSecond: 10, burst: Number.NaN },
  ])('rejects rate $ratePerSecond with burst $burst with a RangeError', (options) => {
    expect(() => new TokenBucket(options)).toThrow(RangeError);
    expect(() => new TokenBucket(options)).toThrow('rate must be > 0 and burst >= 1');
  });
});
