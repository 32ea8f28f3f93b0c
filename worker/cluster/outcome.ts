// What the cluster object's RPC methods answer: a value, or a refusal the management API passes
// on as it is (status and message).
export type Outcome<T> = { ok: true; value: T } | { ok: false; status: number; message: string };
