// serviceaccounts/token (authentication.k8s.io/v1 TokenRequest): what `kubectl create token`
// posts. Answers a token signed by the cluster, bound to the ServiceAccount and optionally to a
// Pod, Secret or Node, checked and worded as kube-apiserver's TokenREST does.
import type { ApiServer } from "../api/apiserver";
import type { SubresourceAction } from "../api/http/actions";
import { respond } from "../api/http/respond";
import { outbound } from "../api/http/wire";
import { API_AUDIENCES, extendForPod, issueToken, type BoundToken } from "../authentication/serviceAccountTokens";
import { errors } from "../machinery/errors";
import { int64, list, opt, str, struct, time } from "../machinery/schema/dsl";
import { formatTime } from "../machinery/time";
import type { KObject } from "../resources/define";
import type { Pod } from "../resources/pod";
import { objectSchema } from "../resources/types/meta";
import type { Store } from "../store/store";

const AUTHN = "io.k8s.api.authentication.v1";

export const TokenRequestSchema = objectSchema(`${AUTHN}.TokenRequest`, "Requests a token for a service account.", { group: "authentication.k8s.io", version: "v1", kind: "TokenRequest" }, {
  spec: opt(
    2,
    struct(`${AUTHN}.TokenRequestSpec`, "What the token is for.", {
      audiences: opt(1, list(str, { listType: "atomic" }), "Who the token is for; defaults to the API server's audiences."),
      expirationSeconds: opt(4, int64, "Requested lifetime in seconds (default 3600, at least 600)."),
      boundObjectRef: opt(
        3,
        struct(`${AUTHN}.BoundObjectReference`, "An object the token is bound to.", {
          kind: opt(1, str, "Pod, Secret or Node."),
          apiVersion: opt(2, str, "API version of the object."),
          name: opt(3, str, "Name of the object."),
          uid: opt(4, str, "UID of the object."),
        }),
        "The object whose deletion invalidates the token.",
      ),
    }),
    "The request.",
  ),
  status: opt(
    3,
    struct(`${AUTHN}.TokenRequestStatus`, "The issued token.", {
      token: opt(1, str, "The opaque bearer token."),
      expirationTimestamp: opt(2, time, "When the token expires."),
    }),
    "Filled in by the server.",
  ),
});

interface TokenRequest {
  metadata?: { name?: string; namespace?: string };
  spec?: { audiences?: string[] | null; expirationSeconds?: number | null; boundObjectRef?: { kind?: string; apiVersion?: string; name?: string; uid?: string } | null };
}

const MIN_EXPIRATION_SECONDS = 10 * 60;
const MAX_EXPIRATION_SECONDS = 2 ** 32;

export function serviceAccountTokenAction(api: ApiServer, store: Store, clusterId: () => string): SubresourceAction {
  return {
    methods: {
      POST: {
        verb: "create",
        handle(call) {
          const tr = call.body<TokenRequest>(TokenRequestSchema, "TokenRequest", "v1");
          if (tr.metadata?.name && tr.metadata.name !== call.name) throw errors.badRequest(`the name of the object (${tr.metadata.name}) does not match the name on the URL (${call.name})`);
          const expirationSeconds = tr.spec?.expirationSeconds ?? 3600;
          const invalid = (msg: string) => errors.invalid("authentication.k8s.io", "TokenRequest", "", [{ path: ["spec", "expirationSeconds"], reason: "FieldValueInvalid", message: `Invalid value: ${expirationSeconds}: ${msg}` }]);
          if (expirationSeconds < MIN_EXPIRATION_SECONDS) throw invalid("may not specify a duration less than 10 minutes");
          if (expirationSeconds > MAX_EXPIRATION_SECONDS) throw invalid("may not specify a duration larger than 2^32 seconds");
          const sa = api.peek<KObject>("serviceaccounts", call.namespace, call.name);
          if (!sa) throw errors.notFound("", "serviceaccounts", call.name);
          const t: BoundToken = { serviceAccount: sa, audiences: tr.spec?.audiences?.length ? tr.spec.audiences : API_AUDIENCES, expirationSeconds };
          const ref = tr.spec?.boundObjectRef;
          if (ref) {
            const [group, version] = (ref.apiVersion ?? "").includes("/") ? (ref.apiVersion ?? "").split("/", 2) : ["", ref.apiVersion ?? ""];
            const name = ref.name ?? "";
            let bound: KObject;
            if (group === "" && ref.kind === "Pod") {
              const pod = api.peek<Pod>("pods", call.namespace, name);
              if (!pod) throw errors.notFound("", "pods", name);
              if ((pod.spec?.serviceAccountName ?? "default") !== call.name) throw errors.badRequest(`cannot bind token for serviceaccount ${JSON.stringify(call.name)} to pod running with different serviceaccount name.`);
              t.pod = bound = pod;
              // The pod's node goes in as information (ServiceAccountTokenPodNodeInfo).
              const nodeName = pod.spec?.nodeName;
              if (nodeName) t.node = api.peek<KObject>("nodes", "", nodeName) ?? { apiVersion: "v1", kind: "Node", metadata: { name: nodeName } };
            } else if (group === "" && ref.kind === "Secret") {
              const secret = api.peek<KObject>("secrets", call.namespace, name);
              if (!secret) throw errors.notFound("", "secrets", name);
              t.secret = bound = secret;
            } else if (group === "" && ref.kind === "Node") {
              const node = api.peek<KObject>("nodes", "", name);
              if (!node) throw errors.notFound("", "nodes", name);
              t.node = bound = node;
            } else throw errors.badRequest(`cannot bind token to object of type ${group}/${version}, Kind=${ref.kind ?? ""}`);
            if (ref.uid && ref.uid !== bound.metadata.uid)
              throw errors.conflict("", ref.kind ?? "", name, `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`);
          }
          const issued = issueToken({ store, clusterId: clusterId(), now: call.clock.now() }, extendForPod(t));
          const out = {
            kind: "TokenRequest",
            apiVersion: "authentication.k8s.io/v1",
            metadata: { ...(tr.metadata ?? {}), name: call.name, namespace: call.namespace },
            spec: { audiences: t.audiences, expirationSeconds, ...(ref ? { boundObjectRef: ref } : {}) },
            status: { token: issued.token, expirationTimestamp: formatTime(issued.expiresAt) },
          };
          return respond(call.req, 201, outbound({ schema: TokenRequestSchema }, out as unknown as KObject, call.clock));
        },
      },
    },
  };
}
