// Compact JWS (JWT) with ES256, synchronously: the API path is synchronous, and WebCrypto is not.
// ES256 is one of the algorithms kube-apiserver signs service-account tokens with (an ECDSA
// --service-account-signing-key-file); @noble/curves does the P-256 arithmetic.
import { p256 } from "@noble/curves/nist.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { base64urlnopad } from "@scure/base";

export interface SigningKey {
  /** 32-byte P-256 secret scalar. */
  secretKey: Uint8Array;
  /** 65-byte uncompressed public point (0x04 || X || Y). */
  publicKey: Uint8Array;
  /** The key id: base64url of the SHA-256 of the public key's PKIX DER, as kube-apiserver computes it. */
  kid: string;
}

/** ASN.1 prefix of a P-256 SubjectPublicKeyInfo (id-ecPublicKey, prime256v1, BIT STRING of 66 bytes). */
const P256_SPKI_PREFIX = Uint8Array.from([0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00]);

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

export function newSigningKey(): SigningKey {
  return signingKeyOf(p256.utils.randomSecretKey());
}

export function signingKeyOf(secretKey: Uint8Array): SigningKey {
  const publicKey = p256.getPublicKey(secretKey, false);
  const spki = new Uint8Array(P256_SPKI_PREFIX.length + publicKey.length);
  spki.set(P256_SPKI_PREFIX);
  spki.set(publicKey, P256_SPKI_PREFIX.length);
  return { secretKey, publicKey, kid: base64urlnopad.encode(sha256(spki)) };
}

/** The public key as a JWK (for /openid/v1/jwks). */
export function publicJwk(key: SigningKey): Record<string, string> {
  return { use: "sig", kty: "EC", kid: key.kid, crv: "P-256", alg: "ES256", x: base64urlnopad.encode(key.publicKey.slice(1, 33)), y: base64urlnopad.encode(key.publicKey.slice(33, 65)) };
}

const enc = (o: unknown) => base64urlnopad.encode(utf8.encode(JSON.stringify(o)));

/** A signed token. Claims are written with sorted keys (nested too), as go-jose's builder writes them. */
export function signJwt(claims: Record<string, unknown>, key: SigningKey): string {
  const input = `${enc({ alg: "ES256", kid: key.kid })}.${enc(sorted(claims))}`;
  const sig = p256.sign(utf8.encode(input), key.secretKey);
  return `${input}.${base64urlnopad.encode(sig)}`;
}

function sorted(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sorted);
  if (v && typeof v === "object") return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted((v as Record<string, unknown>)[k])]));
  return v;
}

export interface DecodedJwt {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  signingInput: string;
  signature: Uint8Array;
}

/** The parts of a compact JWS, unverified; null when it is not one. */
export function decodeJwt(token: string): DecodedJwt | null {
  const parts = token.split(".");
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]+$/.test(p))) return null;
  try {
    const header = JSON.parse(fromUtf8.decode(base64urlnopad.decode(parts[0]))) as unknown;
    const claims = JSON.parse(fromUtf8.decode(base64urlnopad.decode(parts[1]))) as unknown;
    if (!isRecord(header) || !isRecord(claims)) return null;
    return { header, claims, signingInput: `${parts[0]}.${parts[1]}`, signature: base64urlnopad.decode(parts[2]) };
  } catch {
    return null;
  }
}

/** Whether the token's signature is this key's (ES256, and the key id, when given, matches). */
export function verifySignature(jwt: DecodedJwt, key: SigningKey): boolean {
  if (jwt.header.alg !== "ES256" || (jwt.header.kid !== undefined && jwt.header.kid !== key.kid) || jwt.signature.length !== 64) return false;
  try {
    return p256.verify(jwt.signature, utf8.encode(jwt.signingInput), key.publicKey, { lowS: false });
  } catch {
    return false;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === "object" && !Array.isArray(v);
}
