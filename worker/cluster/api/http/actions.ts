// Subresources with behaviour of their own (pods/binding, pods/eviction, pods/log): the router
// finds them by "<resource>/<subresource>" and hands them the request.
import type { z } from "zod";
import type { Verb } from "../../resources/define";
import type { KubeRequest, KubeResponse } from "./types";

export interface ActionCall {
  req: KubeRequest;
  namespace: string;
  name: string;
  query: URLSearchParams;
  dryRun: boolean;
  /** The request body decoded (JSON, YAML or protobuf) against `schema`. */
  body<T>(schema: z.ZodType, kind: string, version: string): T;
}

export interface SubresourceAction {
  /** The verb checked against the caller's role: create for POST, get for GET. */
  verb: Verb;
  method: "GET" | "POST";
  handle(call: ActionCall): KubeResponse;
  /** For requests answered as a stream (kubectl logs -f). */
  stream?(call: ActionCall): Response;
  /** Whether a request to this subresource is a stream. */
  streams?(query: URLSearchParams): boolean;
}

export type Actions = Record<string, SubresourceAction>;
