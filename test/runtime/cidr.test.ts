// IPv4 ranges (machinery/cidr.ts): parsed and masked to the network, the same answer each time
// (a kept, frozen one), and null for what is not a range.
import { describe, expect, it } from "vitest";
import { cidrContains, formatCidr, nthAddress, parseCidr } from "../../worker/cluster/machinery/cidr";

describe("parseCidr", () => {
  it("parses and masks a range, answers the same range again, and refuses what is not one", () => {
    const c = parseCidr("10.244.1.7/24")!;
    expect(formatCidr(c)).toBe("10.244.1.0/24");
    expect(c.size).toBe(256);
    expect(nthAddress(c, 2)).toBe("10.244.1.2");
    expect(cidrContains(c, "10.244.1.255")).toBe(true);
    expect(cidrContains(c, "10.244.2.0")).toBe(false);
    expect(parseCidr("10.244.1.7/24")).toBe(c);
    expect(Object.isFrozen(c)).toBe(true);
    expect(parseCidr(" 10.96.0.0/12 ")).toEqual({ base: 0x0a600000, bits: 12, size: 2 ** 20 });
    for (const bad of ["10.244.1.0", "10.244.1.0/33", "10.244.1.256/24", "a.b.c.d/8", ""]) {
      expect(parseCidr(bad)).toBeNull();
      expect(parseCidr(bad)).toBeNull();
    }
    // Many ranges: the kept ones stay bounded, and every answer stays right.
    for (let i = 0; i < 5000; i++) expect(formatCidr(parseCidr(`10.${i >> 8}.${i & 255}.9/24`)!)).toBe(`10.${i >> 8}.${i & 255}.0/24`);
    expect(formatCidr(parseCidr("10.244.1.7/24")!)).toBe("10.244.1.0/24");
  });
});
