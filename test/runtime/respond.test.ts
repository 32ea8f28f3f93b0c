// A collection's streamed answer: the same bytes as one body, made a page at a time as the reader
// asks, each page after the first behind what else is waiting for the object.
import { describe, expect, it } from "vitest";
import { respondCollection } from "../../worker/cluster/api/http/respond";

const asking = { query: new URLSearchParams(), userAgent: "kubectl/v1.33.0", accept: "application/json" };

describe("a streamed collection", () => {
  it("reads as the whole list would, and makes each later page only after the tasks queued before it has run", async () => {
    const pages = [[{ n: 2 }, { n: 3 }], [{ n: 4 }]];
    const order: string[] = [];
    const res = respondCollection(asking as never, 200, {
      head: { kind: "ConfigMapList", apiVersion: "v1", metadata: { resourceVersion: "7" } },
      key: "items",
      first: [{ n: 1 }],
      more: () => {
        const page = pages.shift() ?? null;
        order.push(page ? `page of ${page.length}` : "end");
        return page;
      },
    });
    const reader = res.stream!.getReader();
    const chunks: string[] = [];
    const decoder = new TextDecoder();
    chunks.push(decoder.decode((await reader.read()).value));
    // Nothing is made ahead of the reader.
    expect(order).toEqual([]);
    for (;;) {
      // A task queued by someone else (a request, the control loop) before the next page is asked for.
      setTimeout(() => order.push("other task"), 0);
      const r = await reader.read();
      if (r.done) break;
      chunks.push(decoder.decode(r.value));
    }
    expect(order).toEqual(["other task", "page of 2", "other task", "page of 1", "other task", "end"]);
    expect(JSON.parse(chunks.join(""))).toEqual({ kind: "ConfigMapList", apiVersion: "v1", metadata: { resourceVersion: "7" }, items: [{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }] });
  });
});
