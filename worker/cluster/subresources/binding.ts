// pods/binding: how a scheduler (ours, or one a user writes) assigns a pod to a node.
import type { ApiServer } from "../api/apiserver";
import { errors, successStatus } from "../machinery/errors";
import type { SubresourceAction } from "../api/http/actions";
import { respond } from "../api/http/respond";
import { opt } from "../machinery/schema/dsl";
import { ObjectReference } from "../resources/types/core";
import { objectSchema } from "../resources/types/meta";

export const BindingSchema = objectSchema("io.k8s.api.core.v1.Binding", "Ties a pod to a node (what a scheduler posts).", { group: "", version: "v1", kind: "Binding" }, {
  target: opt(2, ObjectReference, "The node to bind to."),
});

interface Binding {
  metadata?: { name?: string; uid?: string; annotations?: Record<string, string> };
  target?: { kind?: string; name?: string };
}

export function bindingAction(api: ApiServer): SubresourceAction {
  return {
    methods: {
      POST: {
        verb: "create",
        handle(call) {
      const b = call.body<Binding>(BindingSchema, "Binding", "v1");
      if (b.metadata?.name && b.metadata.name !== call.name) throw errors.badRequest(`the name of the object (${b.metadata.name}) does not match the name on the URL (${call.name})`);
      const node = b.target?.name;
      if (!node) throw errors.invalid("", "Binding", call.name, [{ path: ["target", "name"], reason: "FieldValueRequired", message: "Required value" }]);
      if (b.target?.kind && b.target.kind !== "Node") throw errors.invalid("", "Binding", call.name, [{ path: ["target", "kind"], reason: "FieldValueNotSupported", message: `Unsupported value: ${JSON.stringify(b.target.kind)}: supported values: "Node"` }]);
      api.bind(call.namespace, call.name, node, { uid: b.metadata?.uid, annotations: b.metadata?.annotations, dryRun: call.dryRun });
      return respond(call.req, 201, { ...successStatus(undefined), code: 201 });
        },
      },
    },
  };
}

