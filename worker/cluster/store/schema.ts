// The cluster's own SQLite schema (inside its Durable Object). Versioned by meta.schema_version;
// each step runs once, in order, inside the object's constructor.

export const STEPS: readonly (readonly string[])[] = [
  [
    // Every stored object, keyed the way etcd keys them: resource, namespace ('' when cluster-scoped), name.
    `CREATE TABLE objects (
       resource TEXT NOT NULL,
       namespace TEXT NOT NULL,
       name TEXT NOT NULL,
       uid TEXT NOT NULL,
       rv INTEGER NOT NULL,
       body TEXT NOT NULL,
       PRIMARY KEY (resource, namespace, name)
     ) WITHOUT ROWID`,
    // The change log: one row per committed change; rv is the cluster's resourceVersion.
    // prev holds the labels and selectable fields of the object before the change, so a watch
    // with a selector can tell an object that stopped matching (DELETED) from one that changed.
    `CREATE TABLE changes (
       rv INTEGER PRIMARY KEY,
       type TEXT NOT NULL,
       resource TEXT NOT NULL,
       namespace TEXT NOT NULL,
       name TEXT NOT NULL,
       body TEXT NOT NULL,
       prev TEXT,
       at INTEGER NOT NULL
     )`,
    `CREATE INDEX changes_at ON changes(at)`,
    // Changes to copy into D1 (the namespace catalog), flushed by the alarm.
    `CREATE TABLE outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, topic TEXT NOT NULL, payload TEXT NOT NULL)`,
    // Allocated ClusterIPs and NodePorts: value -> owner.
    `CREATE TABLE allocations (pool TEXT NOT NULL, value TEXT NOT NULL, owner TEXT NOT NULL, PRIMARY KEY (pool, value)) WITHOUT ROWID`,
    // Timers on the cluster clock, multiplexed onto the object's single alarm.
    `CREATE TABLE timers (controller TEXT NOT NULL, key TEXT NOT NULL, due INTEGER NOT NULL, PRIMARY KEY (controller, key)) WITHOUT ROWID`,
    `CREATE INDEX timers_due ON timers(due)`,
  ],
  [
    // The simulated machines behind the nodes: whether each is powered on, and since when
    // (cluster time). A stopped machine's kubelet neither heartbeats nor syncs pods.
    `CREATE TABLE machines (name TEXT PRIMARY KEY, running INTEGER NOT NULL, since INTEGER NOT NULL) WITHOUT ROWID`,
    // The container runtime's view of each pod the kubelet runs (containers, their stages and
    // timers), keyed by pod uid. Pod status is written from it.
    `CREATE TABLE pod_runtime (uid TEXT PRIMARY KEY, namespace TEXT NOT NULL, name TEXT NOT NULL, node TEXT NOT NULL, state TEXT NOT NULL) WITHOUT ROWID`,
    // Images present on each node (the runtime's image cache).
    `CREATE TABLE node_images (node TEXT NOT NULL, image TEXT NOT NULL, PRIMARY KEY (node, image)) WITHOUT ROWID`,
  ],
  [
    // The CNI configured on each node (the config a CNI agent wrote into /etc/cni/net.d): once
    // there, the node's pod network is ready, and it stays after the agent goes.
    `CREATE TABLE node_cni (node TEXT PRIMARY KEY, plugin TEXT NOT NULL, since INTEGER NOT NULL) WITHOUT ROWID`,
  ],
  [
    // Pods by address and by node, for the network's decisions (a connection to a pod IP, a
    // node's host ports): a lookup instead of a pass over every pod (store.podKeysBy). Replaced
    // by the pod_keys table below.
    `CREATE INDEX objects_pod_ip ON objects(json_extract(body, '$.status.podIP')) WHERE resource = 'pods'`,
    `CREATE INDEX objects_pod_node ON objects(json_extract(body, '$.spec.nodeName')) WHERE resource = 'pods'`,
  ],
  // Containers' files (container/fs/layer.ts): writable layers, emptyDirs, nodes' files and
  // persistent volumes, one row per entry keyed by its directory and name; and the kubelet's
  // snapshots of configMap, secret, downwardAPI and projected volumes (its atomic writer).
  [
    `CREATE TABLE container_files (
       layer TEXT NOT NULL,
       dir TEXT NOT NULL,
       name TEXT NOT NULL,
       type TEXT NOT NULL,
       mode INTEGER NOT NULL,
       uid INTEGER NOT NULL,
       gid INTEGER NOT NULL,
       mtime INTEGER NOT NULL,
       data BLOB,
       target TEXT,
       PRIMARY KEY (layer, dir, name)
     ) WITHOUT ROWID`,
    `CREATE TABLE pod_volume_files (
       pod_uid TEXT NOT NULL,
       volume TEXT NOT NULL,
       written_at INTEGER NOT NULL,
       files TEXT NOT NULL,
       pending_since INTEGER,
       PRIMARY KEY (pod_uid, volume)
     ) WITHOUT ROWID`,
  ],
  [
    // The kubelet forgets a pod's runtime by the pod's name on every reconcile (node/kubelet.ts):
    // a lookup, not a pass over every runtime.
    `CREATE INDEX pod_runtime_name ON pod_runtime(namespace, name)`,
  ],
  [
    // The pod's resourceVersion the kubelet last reconciled (its own status write included):
    // after an eviction only pods changed since then are looked at again, not every pod.
    `ALTER TABLE pod_runtime ADD COLUMN seen_rv INTEGER`,
  ],
  [
    // Pods by address and by node in a table of their own, written only when a pod's node or
    // address changes (expression indexes on objects re-parsed the pod's body in SQLite on every
    // pod write); other readers (the kubelet's and the scheduler's resync) use it too.
    `DROP INDEX objects_pod_ip`,
    `DROP INDEX objects_pod_node`,
    `CREATE TABLE pod_keys (namespace TEXT NOT NULL, name TEXT NOT NULL, node TEXT, ip TEXT, PRIMARY KEY (namespace, name)) WITHOUT ROWID`,
    `CREATE INDEX pod_keys_node ON pod_keys(node) WHERE node IS NOT NULL`,
    `CREATE INDEX pod_keys_ip ON pod_keys(ip) WHERE ip IS NOT NULL`,
    `INSERT INTO pod_keys (namespace, name, node, ip)
       SELECT namespace, name, json_extract(body, '$.spec.nodeName'), json_extract(body, '$.status.podIP') FROM objects WHERE resource = 'pods'`,
  ],
  [
    // Objects by uid: whether an owner a reference names still exists (the garbage collector's
    // check after a restart), one lookup per owner.
    `CREATE INDEX IF NOT EXISTS objects_uid ON objects(uid)`,
  ],
  [
    // The objects being deleted (a deletionTimestamp, waiting for finalizers or a grace period):
    // few at any time, so a restart finds them without reading every body.
    `CREATE TABLE IF NOT EXISTS deleting (resource TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL, PRIMARY KEY (resource, namespace, name)) WITHOUT ROWID`,
    `INSERT OR IGNORE INTO deleting (resource, namespace, name)
       SELECT resource, namespace, name FROM objects WHERE json_extract(body, '$.metadata.deletionTimestamp') IS NOT NULL`,
  ],
  [
    // Pods by their controller's uid (a ReplicaSet's pods, and a namespace's pods no controller
    // owns): a sync reads its own pods' keys, not every pod of the namespace.
    `ALTER TABLE pod_keys ADD COLUMN owner TEXT`,
    `UPDATE pod_keys SET owner = (
       SELECT json_extract(r.value, '$.uid') FROM objects o, json_each(o.body, '$.metadata.ownerReferences') r
        WHERE o.resource = 'pods' AND o.namespace = pod_keys.namespace AND o.name = pod_keys.name AND json_extract(r.value, '$.controller') = 1
        LIMIT 1)`,
    `CREATE INDEX pod_keys_owner ON pod_keys(owner, namespace)`,
  ],
  [
    // Objects in a rowid table, found by a unique index on their key. In a WITHOUT ROWID table the
    // whole row (its body of several KB) sits in the key's b-tree, so every lookup walked a deep
    // tree of big cells: a pod read cost three times, and a miss (is this Event's name taken?)
    // ten times, what it costs through a small index (measured in workerd with 10,000 rows).
    `CREATE TABLE objects_by_rowid (
       resource TEXT NOT NULL,
       namespace TEXT NOT NULL,
       name TEXT NOT NULL,
       uid TEXT NOT NULL,
       rv INTEGER NOT NULL,
       body TEXT NOT NULL
     )`,
    `INSERT INTO objects_by_rowid (resource, namespace, name, uid, rv, body)
       SELECT resource, namespace, name, uid, rv, body FROM objects ORDER BY resource, namespace, name`,
    `DROP TABLE objects`,
    `ALTER TABLE objects_by_rowid RENAME TO objects`,
    `CREATE UNIQUE INDEX objects_key ON objects(resource, namespace, name)`,
    `CREATE INDEX objects_uid ON objects(uid)`,
  ],
  [
    // Events are found by uid by no one (the collector looks up owners by uid, and an Event owns
    // nothing): leaving them out of the uid index spares four in five object inserts of a rollout
    // a random write into a b-tree that, at 10,000 pods, no longer fits SQLite's page cache.
    `DROP INDEX objects_uid`,
    `CREATE INDEX objects_uid ON objects(uid) WHERE resource <> 'events'`,
  ],
  [
    // The kubelet's runtimes and volume snapshots in rowid tables found through small unique
    // indexes, as objects are: their rows (a runtime's JSON, a token and a CA certificate) made
    // the WITHOUT ROWID trees deep with big cells, and the first look for a new pod's snapshot
    // (a miss) walked cold pages of it: at 10,000 pods that read was a third of the kubelet's SQL.
    `CREATE TABLE pod_runtime_by_rowid (uid TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL, node TEXT NOT NULL, state TEXT NOT NULL, seen_rv INTEGER)`,
    `INSERT INTO pod_runtime_by_rowid (uid, namespace, name, node, state, seen_rv) SELECT uid, namespace, name, node, state, seen_rv FROM pod_runtime`,
    `DROP TABLE pod_runtime`,
    `ALTER TABLE pod_runtime_by_rowid RENAME TO pod_runtime`,
    `CREATE UNIQUE INDEX pod_runtime_uid ON pod_runtime(uid)`,
    `CREATE INDEX pod_runtime_name ON pod_runtime(namespace, name)`,
    `CREATE TABLE pod_volume_files_by_rowid (pod_uid TEXT NOT NULL, volume TEXT NOT NULL, written_at INTEGER NOT NULL, files TEXT NOT NULL, pending_since INTEGER)`,
    `INSERT INTO pod_volume_files_by_rowid (pod_uid, volume, written_at, files, pending_since) SELECT pod_uid, volume, written_at, files, pending_since FROM pod_volume_files`,
    `DROP TABLE pod_volume_files`,
    `ALTER TABLE pod_volume_files_by_rowid RENAME TO pod_volume_files`,
    `CREATE UNIQUE INDEX pod_volume_files_key ON pod_volume_files(pod_uid, volume)`,
  ],
  [
    // Each body stored once, in the change log: objects keeps each key's uid and the revision of
    // its current state, and that state is the change row at that revision (object_bodies). Every
    // write wrote its body of several KB twice (the row and its change), a sixth of a 1,000-pod
    // Deployment's time. Compaction keeps the rows objects points at (store.compact), so an object
    // whose last change is older than the log still has its body. First, the bodies of objects
    // whose last change was compacted move into the log, below the compacted revision, where no
    // watch reads.
    `DROP VIEW IF EXISTS object_bodies`,
    `INSERT INTO changes (rv, type, resource, namespace, name, body, prev, at)
       SELECT o.rv, 'MODIFIED', o.resource, o.namespace, o.name, o.body, NULL, 0 FROM objects o
        WHERE NOT EXISTS (SELECT 1 FROM changes c WHERE c.rv = o.rv)`,
    // Rows of a few dozen bytes: the whole table is its key's b-tree again.
    `CREATE TABLE objects_by_key (
       resource TEXT NOT NULL,
       namespace TEXT NOT NULL,
       name TEXT NOT NULL,
       uid TEXT NOT NULL,
       rv INTEGER NOT NULL,
       PRIMARY KEY (resource, namespace, name)
     ) WITHOUT ROWID`,
    `INSERT INTO objects_by_key (resource, namespace, name, uid, rv) SELECT resource, namespace, name, uid, rv FROM objects`,
    `DROP TABLE objects`,
    `ALTER TABLE objects_by_key RENAME TO objects`,
    `CREATE INDEX objects_uid ON objects(uid) WHERE resource <> 'events'`,
    `CREATE VIEW object_bodies AS SELECT o.resource, o.namespace, o.name, o.uid, o.rv, c.body FROM objects o JOIN changes c ON c.rv = o.rv`,
  ],
];

export function migrate(sql: SqlStorage): void {
  sql.exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
  const row = sql.exec("SELECT value FROM meta WHERE key = 'schema_version'").toArray()[0];
  const current = row ? Number(row.value) : 0;
  for (let v = current; v < STEPS.length; v++) {
    for (const stmt of STEPS[v]) sql.exec(stmt);
    sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)", String(v + 1));
  }
}
