// Event: core/v1 and events.k8s.io/v1 are two views of one stored object (kept in core/v1 form),
// as in Kubernetes. The controllers and the kubelet simulation record what they do as Events.
import type { z } from "zod";
import { int32, microTime, opt, PTR, str, time, ALWAYS } from "../machinery/schema/dsl";
import { age, parseTime } from "../machinery/time";
import { defineKind, type Column, type KObject } from "./define";
import { EventSeries, EventSource, ObjectReference } from "./types/core";
import { objectSchema } from "./types/meta";

export const EventSchema = objectSchema(
  "io.k8s.api.core.v1.Event",
  "A report of something that happened to an object, such as a pod being scheduled or an image failing to pull.",
  { group: "", version: "v1", kind: "Event" },
  {
    involvedObject: opt(2, ObjectReference, ALWAYS, "The object the event is about."),
    reason: opt(3, str, "Short machine-readable reason, such as Scheduled or BackOff."),
    message: opt(4, str, "Human-readable description."),
    source: opt(5, EventSource, ALWAYS, "Component that reported the event."),
    firstTimestamp: opt(6, time, ALWAYS, "When the event was first recorded."),
    lastTimestamp: opt(7, time, ALWAYS, "When the event was last recorded."),
    count: opt(8, int32, "How many times it happened."),
    type: opt(9, str, "Normal or Warning."),
    eventTime: opt(10, microTime, ALWAYS, "When the event was first observed."),
    series: opt(11, EventSeries, "For a repeating event: the series."),
    action: opt(12, str, "What was done (or failed)."),
    related: opt(13, ObjectReference, "A second object involved."),
    reportingComponent: opt(14, str, ALWAYS, "Controller that emitted the event, such as kubelet."),
    reportingInstance: opt(15, str, ALWAYS, "Instance of that controller."),
  },
);
export type CoreEvent = z.infer<typeof EventSchema> & KObject;

const EVENTS_V1 = "io.k8s.api.events.v1";

export const EventV1Schema = objectSchema(
  `${EVENTS_V1}.Event`,
  "A report of something that happened to an object (the events.k8s.io view of Events).",
  { group: "events.k8s.io", version: "v1", kind: "Event" },
  {
    eventTime: opt(2, microTime, ALWAYS, "When the event was first observed."),
    series: opt(3, EventSeries, "For a repeating event: the series."),
    reportingController: opt(4, str, "Controller that emitted the event."),
    reportingInstance: opt(5, str, "Instance of that controller."),
    action: opt(6, str, "What was done (or failed)."),
    reason: opt(7, str, "Short machine-readable reason."),
    regarding: opt(8, ObjectReference, ALWAYS, "The object the event is about."),
    related: opt(9, ObjectReference, "A second object involved."),
    note: opt(10, str, "Human-readable description."),
    type: opt(11, str, "Normal or Warning."),
    deprecatedSource: opt(12, EventSource, ALWAYS, "Deprecated: the reporting component."),
    deprecatedFirstTimestamp: opt(13, time, ALWAYS, "Deprecated: first recorded."),
    deprecatedLastTimestamp: opt(14, time, ALWAYS, "Deprecated: last recorded."),
    deprecatedCount: opt(15, int32, PTR, "Deprecated: how many times."),
  },
);
export type EventV1 = z.infer<typeof EventV1Schema> & KObject;

const RENAMES: [core: string, v1: string][] = [
  ["involvedObject", "regarding"],
  ["message", "note"],
  ["source", "deprecatedSource"],
  ["firstTimestamp", "deprecatedFirstTimestamp"],
  ["lastTimestamp", "deprecatedLastTimestamp"],
  ["count", "deprecatedCount"],
  ["reportingComponent", "reportingController"],
];

function rename(obj: KObject, from: 0 | 1, apiVersion: string): KObject {
  const out: KObject = { ...obj, apiVersion, kind: "Event" };
  for (const pair of RENAMES) {
    const a = pair[from];
    const b = pair[1 - from];
    if (a in out) {
      out[b] = out[a];
      delete out[a];
    }
  }
  return out;
}

function lastSeen(e: CoreEvent): string | undefined {
  return e.series?.lastObservedTime || e.lastTimestamp || e.eventTime || e.metadata.creationTimestamp;
}

function eventColumns(): Column<CoreEvent>[] {
  return [
    { name: "Last Seen", type: "string", description: "When the event was last seen.", cell: (o, c) => age(lastSeen(o), c.now) },
    { name: "Type", type: "string", description: "Normal or Warning.", cell: (o) => o.type ?? "" },
    { name: "Reason", type: "string", description: "Short reason.", cell: (o) => o.reason ?? "" },
    { name: "Object", type: "string", description: "The object it is about.", cell: (o) => `${(o.involvedObject?.kind ?? "").toLowerCase()}/${o.involvedObject?.name ?? ""}` },
    { name: "Subobject", type: "string", priority: 1, description: "The part of the object.", cell: (o) => o.involvedObject?.fieldPath ?? "" },
    {
      name: "Source",
      type: "string",
      priority: 1,
      description: "Reporting component.",
      cell: (o) => {
        const s = o.source ?? {};
        const comp = s.component || o.reportingComponent || "";
        return s.host ? `${comp}, ${s.host}` : comp;
      },
    },
    { name: "Message", type: "string", description: "What happened.", cell: (o) => o.message ?? "" },
    { name: "First Seen", type: "string", priority: 1, description: "When the event was first seen.", cell: (o, c) => age(o.firstTimestamp || o.eventTime, c.now) },
    { name: "Count", type: "string", priority: 1, description: "How many times.", cell: (o) => String(o.series?.count ?? o.count ?? 1) },
    { name: "Name", type: "string", format: "name", priority: 1, description: "Name of the event.", cell: (o) => o.metadata.name ?? "" },
  ];
}

const eventFieldSelectors: Record<string, (o: CoreEvent) => string | undefined> = {
  "involvedObject.kind": (o) => o.involvedObject?.kind ?? "",
  "involvedObject.namespace": (o) => o.involvedObject?.namespace ?? "",
  "involvedObject.name": (o) => o.involvedObject?.name ?? "",
  "involvedObject.uid": (o) => o.involvedObject?.uid ?? "",
  "involvedObject.apiVersion": (o) => o.involvedObject?.apiVersion ?? "",
  "involvedObject.resourceVersion": (o) => o.involvedObject?.resourceVersion ?? "",
  "involvedObject.fieldPath": (o) => o.involvedObject?.fieldPath ?? "",
  reason: (o) => o.reason ?? "",
  reportingComponent: (o) => o.reportingComponent ?? "",
  source: (o) => o.source?.component ?? "",
  type: (o) => o.type ?? "",
};

/** Orders events by when they last happened (kubectl sorts client-side; this helps describe). */
export function eventTime(e: CoreEvent): number {
  return parseTime(lastSeen(e) ?? "") ?? 0;
}

export const events = defineKind<CoreEvent>({
  group: "",
  version: "v1",
  kind: "Event",
  plural: "events",
  singular: "event",
  namespaced: true,
  shortNames: ["ev"],
  schema: EventSchema,
  allowUnconditionalUpdate: true,
  allowCreateOnUpdate: true,
  fieldSelectors: eventFieldSelectors,
  columns: eventColumns(),
});

export const eventsV1 = defineKind<EventV1>({
  group: "events.k8s.io",
  version: "v1",
  kind: "Event",
  plural: "events",
  singular: "event",
  namespaced: true,
  shortNames: ["ev"],
  schema: EventV1Schema,
  allowUnconditionalUpdate: true,
  allowCreateOnUpdate: true,
  storage: {
    resource: "events",
    toStorage: (o) => rename(o, 1, "v1"),
    fromStorage: (o) => rename(o, 0, "events.k8s.io/v1") as EventV1,
  },
  fieldSelectors: Object.fromEntries(
    Object.entries(eventFieldSelectors).map(([k, f]) => [k.replace("involvedObject.", "regarding."), (o: EventV1) => f(rename(o, 1, "v1") as CoreEvent)]),
  ),
  columns: eventColumns().map((c) => ({ ...c, cell: (o: EventV1, ctx) => c.cell(rename(o, 1, "v1") as CoreEvent, ctx) })),
});
