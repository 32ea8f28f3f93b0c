// The boundary between the cluster's objects and what clients see or send. Every object the
// HTTP face answers (get, list items, write results, watch events, a Table's embedded objects)
// passes through outbound(); every object a client sends passes through inbound() before the
// registry sees it. Controllers and the simulation call the registry directly and never pass here.
import type { KObject, ResourceDef } from "../../resources/define";

/** An object as a client is shown it. */
export function outbound<T extends KObject>(_def: ResourceDef, obj: T): T {
  return obj;
}

/** A client's object as the registry takes it. */
export function inbound(_def: ResourceDef, obj: unknown): unknown {
  return obj;
}
