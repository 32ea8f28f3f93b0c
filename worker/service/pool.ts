// Bounded concurrency for calls fanned out to many cluster objects (making, checking or erasing a class's seats).

/** Runs fn over items with at most `width` in flight; every item is settled before it returns. */
export async function inPool<T, R>(items: T[], width: number, fn: (item: T, i: number) => Promise<R>): Promise<PromiseSettledResult<R>[]> {
  const out: PromiseSettledResult<R>[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(width, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      try {
        out[i] = { status: "fulfilled", value: await fn(items[i], i) };
      } catch (e) {
        out[i] = { status: "rejected", reason: e };
      }
    }
  });
  await Promise.all(workers);
  return out;
}
