// Bytes as lowercase hex. Container and sandbox IDs are 32 random bytes made for every container
// a kubelet starts: a table of the 256 pairs, not a string per byte padded and joined.
const PAIRS = Array.from({ length: 256 }, (_, b) => (b < 16 ? "0" : "") + b.toString(16));

export function toHex(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += PAIRS[bytes[i]];
  return s;
}

/** `n` random bytes as hex (2n characters). */
export function randomHex(n: number): string {
  return toHex(crypto.getRandomValues(new Uint8Array(n)));
}
