// NetworkPolicy (networking.k8s.io/v1): which connections the selected pods may take in and make,
// by peer (pods, namespaces, IP blocks) and port. The API server only validates and defaults it;
// a CNI that enforces policy applies it (network/policy.ts decides as kindnet would).
import type { z } from "zod";
import { ALWAYS, GoLiteral, int32, intOrString, list, oneOf, opt, PTR, req, str, struct, UNCHECKED, type Problems } from "../machinery/schema/dsl";
import { parseIpPrefix, prefixContains } from "../machinery/ipPrefix";
import { formatLabelSelector, fromStructured, type StructuredSelector } from "../machinery/selectors";
import { age } from "../machinery/time";
import { portName, portNumber } from "../machinery/validation";
import { defineKind, type KObject } from "./define";
import { PROTOCOLS } from "./types/core";
import { LabelSelector, objectSchema } from "./types/meta";

const NET = "io.k8s.api.networking.v1";
const n = (s: string) => `${NET}.${s}`;

export const POLICY_TYPES = ["Ingress", "Egress"] as const;
export type PolicyType = (typeof POLICY_TYPES)[number];

const IPBlock = struct(
  n("IPBlock"),
  'A range of addresses (such as "192.168.1.0/24" or "2001:db8::/64") a rule admits, less the ranges in except.',
  {
    cidr: req(1, str, "The range, as a CIDR."),
    except: opt(2, list(str, { listType: "atomic" }), "Ranges inside cidr that are not admitted."),
  },
  { check: checkIPBlock },
);

/** ValidateIPBlock as kube-apiserver 1.27 to 1.32 words it (cidr itself is required by the field). */
function checkIPBlock(b: { cidr?: string; except?: string[] }, p: Problems) {
  if (!b.cidr) return;
  const cidr = parseIpPrefix(b.cidr);
  if (!cidr) return p.invalid(["cidr"], b.cidr, "not a valid CIDR");
  for (const [i, text] of (b.except ?? []).entries()) {
    const except = parseIpPrefix(text);
    // The first unreadable entry ends the check, as upstream's loop returns there.
    if (!except) return p.invalid(["except", i], text, "not a valid CIDR");
    if (!prefixContains(cidr, { family: except.family, value: except.base }) || cidr.bits >= except.bits) p.invalid(["except", i], text, "must be a strict subset of `cidr`");
  }
}

const NetworkPolicyPeer = struct(
  n("NetworkPolicyPeer"),
  "One peer a rule admits: pods by label (in the policy's namespace, or in the namespaces namespaceSelector picks), or an IP block.",
  {
    podSelector: opt(1, LabelSelector, "Pods by label; empty selects every pod. With namespaceSelector, pods in those namespaces; alone, in the policy's namespace."),
    namespaceSelector: opt(2, LabelSelector, "Namespaces by label; empty selects every namespace."),
    ipBlock: opt(3, IPBlock, "An address range; may not be combined with the selectors."),
  },
  {
    check(peer, p) {
      const count = [peer.podSelector, peer.namespaceSelector, peer.ipBlock].filter((x) => x != null).length;
      if (count === 0) p.required([], "must specify a peer");
      else if (count > 1 && peer.ipBlock) p.forbidden([], "may not specify both ipBlock and another peer");
    },
  },
);

const NetworkPolicyPort = struct(
  n("NetworkPolicyPort"),
  "A port a rule admits: a number (or a range up to endPort) or a named container port, on a protocol.",
  {
    protocol: opt(1, oneOf(...PROTOCOLS), PTR, "TCP (the default), UDP or SCTP."),
    port: opt(2, intOrString, PTR, "A port number or a named port of the destination pod; absent matches every port."),
    endPort: opt(3, int32, PTR, "The last port of a range starting at port; only with a numeric port."),
  },
  {
    check(pp, p) {
      const port = pp.port;
      if (port === undefined || port === null) {
        if (pp.endPort != null) p.invalid(["endPort"], pp.endPort, "may not be specified when `port` is not specified");
      } else if (typeof port === "number") {
        for (const e of portNumber(port)) p.invalid(["port"], port, e);
        if (pp.endPort != null) {
          if (pp.endPort < port) p.invalid(["endPort"], pp.endPort, "must be greater than or equal to `port`");
          for (const e of portNumber(pp.endPort)) p.invalid(["endPort"], pp.endPort, e);
        }
      } else {
        if (pp.endPort != null) p.invalid(["endPort"], pp.endPort, "may not be specified when `port` is non-numeric");
        for (const e of portName(port)) p.invalid(["port"], port, e);
      }
    },
  },
);

const ports = opt(1, list(NetworkPolicyPort, { listType: "atomic" }), "Ports admitted (any of them); empty admits every port.");

const IngressRule = struct(n("NetworkPolicyIngressRule"), "Traffic admitted to the selected pods: from any of the peers, on any of the ports.", {
  ports,
  from: opt(2, list(NetworkPolicyPeer, { listType: "atomic" }), "Sources admitted (any of them); empty admits every source."),
});

const EgressRule = struct(n("NetworkPolicyEgressRule"), "Traffic the selected pods may send: to any of the peers, on any of the ports.", {
  ports,
  to: opt(2, list(NetworkPolicyPeer, { listType: "atomic" }), "Destinations admitted (any of them); empty admits every destination."),
});

const NetworkPolicySpec = struct(
  n("NetworkPolicySpec"),
  "The pods a policy applies to and the traffic it admits for them.",
  {
    // Required in v1's OpenAPI, but an absent selector is the empty one: every pod of the namespace.
    podSelector: req(1, LabelSelector, UNCHECKED, "The pods the policy applies to; empty selects every pod in the namespace."),
    ingress: opt(2, list(IngressRule, { listType: "atomic" }), "Rules for incoming traffic; none means the selected pods take no traffic (when Ingress is a policy type)."),
    egress: opt(3, list(EgressRule, { listType: "atomic" }), "Rules for outgoing traffic; none means the selected pods send nothing (when Egress is a policy type)."),
    // Values are checked below, after the count, as upstream does (a list of three reports only that).
    policyTypes: opt(4, list(str, { listType: "atomic" }), 'Which directions the policy isolates: "Ingress", "Egress" or both. Defaults to Ingress, plus Egress when egress rules are given.'),
  },
  {
    check(s, p) {
      const types = s.policyTypes ?? [];
      if (types.length > POLICY_TYPES.length) {
        p.invalid(["policyTypes"], new GoLiteral(`[]networking.PolicyType{${types.map((t) => JSON.stringify(t)).join(", ")}}`), "may not specify more than two policyTypes");
        return;
      }
      types.forEach((t, i) => {
        if (!(POLICY_TYPES as readonly string[]).includes(t)) p.notSupported(["policyTypes", i], t, POLICY_TYPES);
      });
    },
  },
);

export const NetworkPolicySchema = objectSchema(
  n("NetworkPolicy"),
  "Which traffic the pods it selects may receive and send. Enforced by the cluster's network plugin when it supports policy.",
  { group: "networking.k8s.io", version: "v1", kind: "NetworkPolicy" },
  {
    spec: opt(2, NetworkPolicySpec, ALWAYS, "The selected pods and the traffic admitted."),
  },
);

export type NetworkPolicy = z.infer<typeof NetworkPolicySchema> & KObject;
export type NetworkPolicySpecT = NonNullable<NetworkPolicy["spec"]>;
export type NetworkPolicyPeerT = z.infer<typeof NetworkPolicyPeer>;
export type NetworkPolicyPortT = z.infer<typeof NetworkPolicyPort>;

/** SetDefaults_NetworkPolicy and SetDefaults_NetworkPolicyPort of networking/v1. */
function defaultSpec(s: NetworkPolicySpecT) {
  s.podSelector ??= {};
  if (!s.policyTypes?.length) s.policyTypes = s.egress?.length ? ["Ingress", "Egress"] : ["Ingress"];
  for (const rule of [...(s.ingress ?? []), ...(s.egress ?? [])]) for (const port of rule?.ports ?? []) if (port) port.protocol ??= "TCP";
}

/** A label selector as metav1.FormatLabelSelector prints it: requirements sorted by key, "<none>" when empty. */
export function selectorString(sel: StructuredSelector | undefined): string {
  const reqs = fromStructured(sel).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return formatLabelSelector(reqs) || "<none>";
}

export const networkPolicies = defineKind<NetworkPolicy>({
  group: "networking.k8s.io",
  version: "v1",
  kind: "NetworkPolicy",
  plural: "networkpolicies",
  singular: "networkpolicy",
  namespaced: true,
  shortNames: ["netpol"],
  schema: NetworkPolicySchema,
  generation: true,
  allowUnconditionalUpdate: true,
  columns: [
    { name: "Name", type: "string", format: "name", description: "Name of the policy.", cell: (o) => o.metadata.name ?? "" },
    { name: "Pod-Selector", type: "string", description: "The pods the policy applies to.", cell: (o) => selectorString(o.spec?.podSelector) },
    { name: "Age", type: "string", description: "Time since creation.", cell: (o, c) => age(o.metadata.creationTimestamp, c.now) },
  ],
  defaults(o) {
    o.spec ??= { podSelector: {} };
    defaultSpec(o.spec);
  },
});
