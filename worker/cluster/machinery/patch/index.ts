// The patch types the API accepts, by Content-Type.
import { applyPatch as applyJsonPatch, type Operation } from "fast-json-patch";
import type { z } from "zod";
import { ApiError, errors } from "../errors";
import { flattenUnknown } from "../schema/decode";
import { mergePatch } from "./merge";
import { PatchError, strategicMergePatch } from "./strategic";

export type PatchType = "json" | "merge" | "strategic" | "apply";

const TYPES: Record<string, PatchType> = {
  "application/json-patch+json": "json",
  "application/merge-patch+json": "merge",
  "application/strategic-merge-patch+json": "strategic",
  "application/apply-patch+yaml": "apply",
  "application/apply-patch+cbor": "apply",
};

export function patchTypeOf(contentType: string | null): PatchType | null {
  const base = (contentType ?? "").split(";")[0].trim().toLowerCase();
  return TYPES[base] ?? null;
}

type JsonObject = Record<string, unknown>;

/** Operations a JSON patch may hold (kube-apiserver's maxJSONPatchOperations). */
export const MAX_JSON_PATCH_OPERATIONS = 10_000;

/** Applies a parsed patch document to the object as clients see it. */
export function applyPatch(type: Exclude<PatchType, "apply">, current: JsonObject, patch: unknown, schema: z.ZodType): JsonObject {
  switch (type) {
    case "json": {
      if (!Array.isArray(patch)) throw errors.badRequest("json: cannot unmarshal object into Go value of type jsonpatch.Patch");
      if (patch.length > MAX_JSON_PATCH_OPERATIONS)
        throw new ApiError({
          kind: "Status",
          apiVersion: "v1",
          metadata: {},
          status: "Failure",
          message: `Request entity too large: The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${patch.length}`,
          reason: "RequestEntityTooLarge",
          code: 413,
        });
      try {
        const result = applyJsonPatch(structuredClone(current), patch as Operation[], true, false).newDocument;
        return result as JsonObject;
      } catch (e) {
        throw jsonPatchError(e, patch as Operation[]);
      }
    }
    case "merge": {
      if (patch === null || typeof patch !== "object" || Array.isArray(patch)) throw errors.badRequest("json: cannot unmarshal into Go value of type map[string]interface {}");
      flattenUnknown(schema, patch);
      return mergePatch(current as never, patch as never) as JsonObject;
    }
    case "strategic": {
      if (patch === null || typeof patch !== "object" || Array.isArray(patch)) throw errors.badRequest("json: cannot unmarshal into Go value of type map[string]interface {}");
      flattenUnknown(schema, patch, (key) => key.startsWith("$"));
      try {
        return strategicMergePatch(current as never, patch as never, schema);
      } catch (e) {
        if (e instanceof PatchError) throw unprocessable(e.message);
        throw e;
      }
    }
  }
}

const unprocessable = (message: string) => errors.unprocessable(message);

function jsonPatchError(e: unknown, ops: Operation[]) {
  const err = e as { name?: string; index?: number; operation?: Operation; message?: string };
  const op = err.operation ?? ops[err.index ?? 0];
  switch (err.name) {
    case "TEST_OPERATION_FAILED":
      return unprocessable(`testing value ${op?.path} failed: test failed`);
    case "OPERATION_PATH_UNRESOLVABLE":
      return unprocessable(`${op?.op} operation does not apply: doc is missing path: "${op?.path}": missing value`);
    case "OPERATION_PATH_CANNOT_ADD":
      return unprocessable(`add operation does not apply: doc is missing path: "${op?.path}": missing value`);
    case "OPERATION_FROM_UNRESOLVABLE":
      return unprocessable(`${op?.op} operation does not apply: doc is missing from path: "${(op as { from?: string })?.from}": missing value`);
    default:
      return errors.badRequest(`invalid JSON Patch: ${err.message ?? String(e)}`);
  }
}
