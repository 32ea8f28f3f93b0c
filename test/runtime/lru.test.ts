// Bounded maps (machinery/lru.ts): past the bound the oldest entries go, a sixteenth of the bound
// at a time, and an LRU keeps what was read lately.
import { describe, expect, it } from "vitest";
import { dropOldest, Lru } from "../../worker/cluster/machinery/lru";

describe("dropOldest", () => {
  it("leaves a map within its bound alone, and trims one past it to fifteen sixteenths, oldest first", () => {
    const m = new Map<number, number>();
    for (let i = 0; i < 32; i++) m.set(i, i);
    dropOldest(m, 32);
    expect(m.size).toBe(32);
    m.delete(5);
    m.set(32, 32);
    m.set(33, 33);
    dropOldest(m, 32);
    // 33 held, 32 kept less two: the first three left (0, 1, 2 and not 5, already gone)
    expect(m.size).toBe(30);
    expect([...m.keys()].slice(0, 3)).toEqual([3, 4, 6]);
    expect(m.has(33)).toBe(true);
  });
});

describe("Lru", () => {
  it("keeps the keys read or written lately and forgets the rest", () => {
    const l = new Lru<number>(16);
    for (let i = 0; i < 16; i++) l.set(`k${i}`, i);
    expect(l.get("k0")).toBe(0); // read: now the newest
    l.set("k16", 16);
    expect(l.size).toBe(15);
    expect(l.get("k1")).toBeUndefined();
    expect(l.get("k2")).toBeUndefined();
    expect(l.get("k0")).toBe(0);
    expect(l.get("k16")).toBe(16);
    expect([...l.keys()].slice(0, 2)).toEqual(["k3", "k4"]);
    for (let i = 0; i < 1000; i++) l.set(`n${i}`, i);
    expect(l.size).toBeLessThanOrEqual(16);
    expect(l.size).toBeGreaterThanOrEqual(15);
    expect(l.get("n999")).toBe(999);
    expect(l.delete("n999")).toBe(true);
    expect(l.get("n999")).toBeUndefined();
  });
});
