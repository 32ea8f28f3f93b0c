// One-time kubeconfig downloads for a class's seats. The link carries a random code (32 bytes,
// base64url); D1 keeps only SHA-256(code) and the seat's token sealed with AES-GCM under
// SHA-256("kubedo-download:" + code), so the table alone opens nothing. The first GET marks the
// row used in one atomic statement and answers the kubeconfig; every later one gets 410 Gone.
import { Hono } from "hono";
import { claimDownload, db, downloadByHash, sandboxById } from "../db/queries";
import { errorResponse, type AppEnv } from "./http";
import { kubeconfigFor } from "./sandboxes";
import { toHex as hex } from "../cluster/machinery/hex";

const CODE = /^[A-Za-z0-9_-]{43}$/;

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

async function sha256(text: string): Promise<ArrayBuffer> {
  return crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
}


async function keyOf(code: string, use: "encrypt" | "decrypt"): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", await sha256(`kubedo-download:${code}`), { name: "AES-GCM" }, false, [use]);
}

export async function codeHash(code: string): Promise<string> {
  return hex(new Uint8Array(await sha256(code)));
}

/** A new download code and the token sealed under it (base64 of iv + ciphertext). */
export async function sealDownload(token: string): Promise<{ code: string; codeHash: string; sealed: string }> {
  const code = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv }, await keyOf(code, "encrypt"), new TextEncoder().encode(token)));
  const all = new Uint8Array(iv.length + ct.length);
  all.set(iv);
  all.set(ct, iv.length);
  return { code, codeHash: await codeHash(code), sealed: btoa(String.fromCharCode(...all)) };
}

export async function openDownload(code: string, sealed: string): Promise<string> {
  const all = Uint8Array.from(atob(sealed), (ch) => ch.charCodeAt(0));
  const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: all.subarray(0, 12) }, await keyOf(code, "decrypt"), all.subarray(12));
  return new TextDecoder().decode(plain);
}

export function downloadUrl(origin: string, code: string): string {
  return `${origin}/v1/downloads/${code}`;
}

export const downloadRoutes = new Hono<AppEnv>().get("/:code", async (c) => {
  const code = c.req.param("code");
  const notFound = () => errorResponse(c, 404, "no such download link");
  if (!CODE.test(code)) return notFound();
  const d = db(c.env.DB);
  const hash = await codeHash(code);
  const row = await claimDownload(d, hash, Date.now());
  if (!row) return (await downloadByHash(d, hash)) ? errorResponse(c, 410, "this download link was already used; the teacher can hand out the kubeconfig again") : notFound();
  const sb = await sandboxById(d, row.tenantId, row.sandboxId, Date.now());
  if (!sb) return notFound();
  const token = await openDownload(code, row.sealed);
  const file = (sb.seat ?? sb.clusterName).replace(/[^A-Za-z0-9._-]/g, "_");
  return c.body(kubeconfigFor(c, sb.clusterName, sb.clusterId, token), 200, {
    "Content-Type": "application/yaml",
    "Content-Disposition": `attachment; filename="${file}.kubeconfig"`,
    "Cache-Control": "no-store",
  });
});
