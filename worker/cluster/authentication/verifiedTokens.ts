// The kubedo tokens this cluster object has seen confirmed in D1, by the hash of their secret: a
// request with one of them needs no D1 lookup (a round trip to D1's primary on every kubectl
// call). Revocation stays immediate: DELETE /v1/tokens/{id} tells every cluster of the tenant
// (forgetTenant) before it answers. A confirmation races a revocation safely through the
// generation: the object answers a miss with its generation, the edge reads D1, and the object
// keeps the answer only if no revocation reached it in between. An entry is confirmed again
// after a while, which bounds the harm of a revocation notice that never arrived.
import type { Identity } from "../../auth/identity";

/** What a kube request carries about its bearer token when the edge has not read D1 for it. */
export interface TokenProof {
  /** SHA-256 of the secret, hex (as D1 keeps it). */
  hash: string;
  /**
   * Absent: the edge took the identity from its own memory; the object serves the request only
   * if it knows the token, and otherwise answers { verify } with its generation. A number: the
   * edge has just read the token in D1 after the object answered with that generation. null: the
   * edge read D1 first; the request is served, nothing is kept.
   */
  verifiedAt?: number | null;
}

/** The object's answer to a request whose token it does not know: confirm it in D1 and ask again. */
export interface VerifyToken {
  verify: number;
}

const CONFIRM_EVERY_MS = 60_000;
const MAX_ENTRIES = 1_000;

interface Entry {
  tenantId: string;
  tokenId: string;
  role: string;
  clusterId: string | null;
  until: number;
}

export class VerifiedTokens {
  private readonly entries = new Map<string, Entry>();
  /** Bumped by every revocation notice: a confirmation read before it is not kept. */
  generation = 0;

  /** Whether the token is known, and known as this identity (the edge's memory may be stale). */
  knows(hash: string, identity: Identity, now: number): boolean {
    const e = this.entries.get(hash);
    if (!e) return false;
    if (e.until <= now) {
      this.entries.delete(hash);
      return false;
    }
    return e.tenantId === identity.tenantId && e.tokenId === identity.tokenId && e.role === identity.role && e.clusterId === identity.clusterId;
  }

  /** Keeps a confirmation made at `generation`, unless a revocation notice came since. */
  remember(hash: string, identity: Identity, generation: number, now: number): void {
    if (generation !== this.generation) return;
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(hash, { tenantId: identity.tenantId, tokenId: identity.tokenId, role: identity.role, clusterId: identity.clusterId, until: now + CONFIRM_EVERY_MS });
  }

  /** A token of this tenant was revoked: every one of its tokens is confirmed again. */
  forgetTenant(tenantId: string): void {
    this.generation++;
    for (const [hash, e] of this.entries) if (e.tenantId === tenantId) this.entries.delete(hash);
  }

  /** The cluster was erased (its tokens with it): nothing known is kept. */
  forgetAll(): void {
    this.generation++;
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
