// The kube API request as the Worker hands it to a cluster object (over RPC, or rebuilt inside
// the object for streams), and the answer.
import type { Identity, UserInfo } from "../../../auth/identity";

export interface KubeRequest {
  method: string;
  /** Path after the cluster prefix, starting with "/". */
  path: string;
  /** Query string without "?". */
  query: string;
  accept: string | null;
  contentType: string | null;
  userAgent: string | null;
  body: Uint8Array | null;
  identity: Identity;
  /** The user the request acts as (authenticated, then impersonated), resolved once by the router. */
  user?: UserInfo;
  /** The cluster's URL prefix ("/k8s/<cluster-id>"), for URLs the answer contains. */
  basePath: string;
  /** Host the client used, for discovery's serverAddress. */
  host: string;
  /** The request's other headers (lower-case names), for subresources that pass them on (proxy); without credentials. */
  headers?: [string, string][];
}

export interface KubeResponse {
  status: number;
  headers: [string, string][];
  body: string;
  /** A binary answer (the protobuf OpenAPI v2 document); sent instead of `body` when set. */
  bytes?: Uint8Array<ArrayBuffer>;
  /**
   * A body too big to hold at once (an unlimited list), produced as the client reads it; sent
   * instead of `body` when set. It crosses the Durable Object's RPC boundary as a byte stream.
   */
  stream?: ReadableStream<Uint8Array>;
}
