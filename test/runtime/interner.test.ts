// The interner hands back one kept copy of equal strings and JSON values, and starts again past
// its bound rather than growing: what it answers is always equal to what it was given.
import { describe, expect, it } from "vitest";
import { Interner } from "../../worker/cluster/machinery/interner";

describe("interner", () => {
  it("answers the first copy of an equal string or value", () => {
    const i = new Interner();
    const first = JSON.parse('{"labels":{"app":"web"},"ns":"default"}');
    const second = JSON.parse('{"labels":{"app":"web"},"ns":"default"}');
    expect(i.value(first.labels)).toBe(first.labels);
    expect(i.value(second.labels)).toBe(first.labels);
    expect(i.value({ app: "db" })).not.toBe(first.labels);
    expect(i.string(first.ns)).toBe("default");
    expect(i.string(undefined)).toBeUndefined();
    expect(i.value(undefined)).toBeUndefined();
    expect(i.value(null)).toBeNull();
  });

  it("starts again past its bound, still answering equal values", () => {
    const i = new Interner(3);
    const kept = { n: 0 };
    i.value(kept);
    for (let n = 1; n <= 3; n++) i.value({ n });
    // The fourth value started a new table: an equal value is no longer the first copy, but equal.
    const again = { n: 0 };
    expect(i.value(again)).toEqual(kept);
    expect(i.value(again)).not.toBe(kept);
    for (let n = 0; n < 10; n++) expect(i.string(`s${n % 4}`)).toBe(`s${n % 4}`);
  });
});
