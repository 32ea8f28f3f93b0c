// The machines behind the nodes: powered on or off, and since when (cluster time). Stopping a
// machine is how a learner loses a node: its kubelet stops heartbeating and syncing pods.
//
// Every kubelet sync asks whether its machine runs, has its image and a pod network, so the
// answers are kept in memory once read; they change only through this class, and a transaction
// that rolls back makes it forget them all.
import type { Store } from "../store/store";

export interface Machine {
  name: string;
  running: boolean;
  since: number;
}

export class Machines {
  private readonly sql: SqlStorage;
  private readonly machines = new Map<string, Machine | null>();
  private readonly cnis = new Map<string, string | null>();
  private readonly images = new Map<string, Set<string>>();

  constructor(store: Store) {
    this.sql = store.sqlStorage;
    store.onRollback(() => this.forget());
  }

  private forget(): void {
    this.machines.clear();
    this.cnis.clear();
    this.images.clear();
  }

  get(name: string): Machine | undefined {
    let m = this.machines.get(name);
    if (m === undefined) {
      const row = this.sql.exec<{ name: string; running: number; since: number }>("SELECT name, running, since FROM machines WHERE name = ?", name).toArray()[0];
      m = row ? { name: row.name, running: row.running === 1, since: row.since } : null;
      this.machines.set(name, m);
    }
    return m ? { ...m } : undefined;
  }

  /** When the machine stopped (cluster time), or null while it runs (or is unknown). */
  stoppedAt(name: string): number | null {
    const m = this.get(name);
    return m && !m.running ? m.since : null;
  }

  isRunning(name: string): boolean {
    return this.get(name)?.running ?? true;
  }

  set(name: string, running: boolean, since: number): void {
    this.sql.exec("INSERT INTO machines (name, running, since) VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET running = excluded.running, since = excluded.since", name, running ? 1 : 0, since);
    this.machines.set(name, { name, running, since });
  }

  remove(name: string): void {
    this.sql.exec("DELETE FROM machines WHERE name = ?", name);
    this.sql.exec("DELETE FROM node_images WHERE node = ?", name);
    this.sql.exec("DELETE FROM node_cni WHERE node = ?", name);
    this.machines.set(name, null);
    this.cnis.set(name, null);
    this.images.set(name, new Set());
  }

  /** The CNI plugin whose config the node has (its pod network is ready), or null. */
  cniOf(node: string): string | null {
    let plugin = this.cnis.get(node);
    if (plugin === undefined) {
      plugin = this.sql.exec<{ plugin: string }>("SELECT plugin FROM node_cni WHERE node = ?", node).toArray()[0]?.plugin ?? null;
      this.cnis.set(node, plugin);
    }
    return plugin;
  }

  /** Records that a CNI agent wrote its config on the node; false when one already had. */
  setCni(node: string, plugin: string, since: number): boolean {
    if (this.cniOf(node) !== null) return false;
    this.sql.exec("INSERT INTO node_cni (node, plugin, since) VALUES (?, ?, ?)", node, plugin, since);
    this.cnis.set(node, plugin);
    return true;
  }

  private imagesOf(node: string): Set<string> {
    let images = this.images.get(node);
    if (!images) {
      images = new Set(this.sql.exec<{ image: string }>("SELECT image FROM node_images WHERE node = ?", node).toArray().map((r) => r.image));
      this.images.set(node, images);
    }
    return images;
  }

  hasImage(node: string, image: string): boolean {
    return this.imagesOf(node).has(image);
  }

  addImage(node: string, image: string): void {
    // Every start of a container whose image is present says so: only a new image is a write.
    const images = this.imagesOf(node);
    if (images.has(image)) return;
    this.sql.exec("INSERT OR IGNORE INTO node_images (node, image) VALUES (?, ?)", node, image);
    images.add(image);
  }
}
