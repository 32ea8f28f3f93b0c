// Bytes as hex (machinery/hex.ts): every byte value, and random bytes of the length asked.
import { describe, expect, it } from "vitest";
import { randomHex, toHex } from "../../worker/cluster/machinery/hex";

describe("hex", () => {
  it("writes every byte as two lowercase digits, in order", () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(toHex(all)).toBe([...all].map((b) => b.toString(16).padStart(2, "0")).join(""));
    expect(toHex(new Uint8Array([0, 10, 255]))).toBe("000aff");
    expect(toHex(new Uint8Array(0))).toBe("");
  });

  it("makes n random bytes as 2n hex digits, different each time", () => {
    const a = randomHex(32);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(randomHex(32)).not.toBe(a);
    expect(randomHex(4)).toHaveLength(8);
  });
});
