// Subresources with behaviour of their own (pods/binding, pods/eviction, pods/log, */scale):
// the router finds them by "<resource>/<subresource>" and hands them the request, per method.
import type { z } from "zod";
import type { Clock } from "../../clock";
import type { Verb } from "../../resources/define";
import type { KubeRequest, KubeResponse } from "./types";

export interface ActionCall {
  req: KubeRequest;
  namespace: string;
  name: string;
  query: URLSearchParams;
  dryRun: boolean;
  /** The cluster's clock, for answers that hold times (api/http/wire.ts). */
  clock: Clock;
  /** The request body decoded (JSON, YAML or protobuf) against `schema`. */
  body<T>(schema: z.ZodType, kind: string, version: string): T;
  /** The raw request body parsed as JSON or YAML (a patch). */
  raw(): unknown;
}

export interface ActionMethod {
  /** The verb checked against the caller's role. */
  verb: Verb;
  handle(call: ActionCall): KubeResponse;
}

export interface SubresourceAction {
  methods: Partial<Record<"GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS", ActionMethod>>;
  /** For requests answered as a stream (kubectl logs -f). */
  stream?(call: ActionCall): Response;
}

export type Actions = Record<string, SubresourceAction>;
