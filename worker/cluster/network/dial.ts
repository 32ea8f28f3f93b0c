// The cluster's network as the object's callers use it: a fresh view per request, connections
// through the traffic function with the resolver, the ingress routing and the access log wired in.
import type { ApiServer } from "../api/apiserver";
import { wallNow } from "../api/http/wire";
import type { Clock } from "../clock";
import type { ClusterConfig } from "../config";
import type { SimulationSettings } from "../simulation";
import type { Store } from "../store/store";
import { recordAccess } from "./accessLog";
import { connect, type ConnectOptions } from "./traffic";
import type { Connection, NetworkView, Outcome } from "./types";
import { networkView } from "./view";

export interface ClusterNetwork {
  view(): NetworkView;
  dial(view: NetworkView, conn: Connection): Outcome;
}

export function clusterNetwork(api: ApiServer, store: Store, clock: Clock, config: () => ClusterConfig, simulation: () => SimulationSettings): ClusterNetwork {
  const options = (): ConnectOptions => {
    const now = clock.now();
    return {
      wallNow: wallNow(clock),
      sink: ({ pod, container, line }) => {
        // Lines belong to the container's current run (its containerID), as its log does.
        const run = pod.status?.containerStatuses?.find((s) => s.name === container)?.containerID;
        if (run) recordAccess(store.sqlStorage, run, now, line);
      },
    };
  };
  return {
    view: () => networkView(api, config(), simulation()),
    dial: (view, conn) => connect(view, conn, options()),
  };
}
