// Every bound kubedo enforces, in one place. Errors that hit one name it; README lists them.

export const LIMITS = {
  /** Largest request body accepted (Kubernetes' own limit is 3 MiB). */
  requestBodyBytes: 3 * 1024 * 1024,
  /** Largest stored object (etcd's default request limit is 1.5 MiB). */
  objectBytes: 1536 * 1024,
  /** Objects one cluster may hold, Events not counted. */
  objectsPerCluster: 150_000,
  /** Events one cluster keeps: beyond it the oldest are dropped to record new ones. */
  eventsPerCluster: 100_000,
  /** Open watches per cluster. */
  watchesPerCluster: 200,
  /** Nesting of a management API (/v1) JSON body; its bodies are a few levels deep. */
  managementJsonDepth: 32,
  /** Clusters per tenant. */
  clustersPerTenant: 250,
  /** Tokens per tenant, kubeconfig tokens included. */
  tokensPerTenant: 1000,
  /** Templates a tenant may store (the built-ins are not counted). */
  templatesPerTenant: 100,
  /** Largest template body (POST /v1/templates) and its objects' YAML, captured ones included. */
  templateBytes: 1024 * 1024,
  /** A sandbox's lifetime (ttlSeconds): default 14 days, from 60 seconds to 90 days. */
  sandboxTtlDefaultSeconds: 14 * 24 * 3600,
  sandboxTtlMinSeconds: 60,
  sandboxTtlMaxSeconds: 90 * 24 * 3600,
  /** Seats in one class. */
  seatsPerClass: 200,
  /** Snapshots one cluster may keep, and the size of one (its objects as YAML). */
  snapshotsPerCluster: 10,
  snapshotBytes: 1024 * 1024,
  /** Nodes per cluster (a podSubnet larger than kind's /16 is needed past 256: one /24 per node). */
  nodesPerCluster: 5000,
  /** Requests per token: steady rate per second and burst. */
  requestsPerSecond: 100,
  requestBurst: 200,
  /** Longest a watch stays open without a timeoutSeconds of its own (Kubernetes picks 30-60 min). */
  watchDefaultSeconds: 1800,
  /** Change log kept for watches to resume from: entries and age. */
  changeLogEntries: 20_000,
  changeLogAgeMs: 15 * 60 * 1000,
} as const;
