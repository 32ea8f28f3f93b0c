// The machines behind the nodes: powered on or off, and since when (cluster time). Stopping a
// machine is how a learner loses a node: its kubelet stops heartbeating and syncing pods.
export interface Machine {
  name: string;
  running: boolean;
  since: number;
}

export class Machines {
  constructor(private readonly sql: SqlStorage) {}

  get(name: string): Machine | undefined {
    const row = this.sql.exec<{ name: string; running: number; since: number }>("SELECT name, running, since FROM machines WHERE name = ?", name).toArray()[0];
    return row ? { name: row.name, running: row.running === 1, since: row.since } : undefined;
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
  }

  remove(name: string): void {
    this.sql.exec("DELETE FROM machines WHERE name = ?", name);
    this.sql.exec("DELETE FROM node_images WHERE node = ?", name);
    this.sql.exec("DELETE FROM node_cni WHERE node = ?", name);
  }

  /** The CNI plugin whose config the node has (its pod network is ready), or null. */
  cniOf(node: string): string | null {
    return this.sql.exec<{ plugin: string }>("SELECT plugin FROM node_cni WHERE node = ?", node).toArray()[0]?.plugin ?? null;
  }

  /** Records that a CNI agent wrote its config on the node; false when one already had. */
  setCni(node: string, plugin: string, since: number): boolean {
    if (this.cniOf(node) !== null) return false;
    this.sql.exec("INSERT INTO node_cni (node, plugin, since) VALUES (?, ?, ?)", node, plugin, since);
    return true;
  }

  hasImage(node: string, image: string): boolean {
    return this.sql.exec("SELECT 1 FROM node_images WHERE node = ? AND image = ?", node, image).toArray().length > 0;
  }

  addImage(node: string, image: string): void {
    this.sql.exec("INSERT OR IGNORE INTO node_images (node, image) VALUES (?, ?)", node, image);
  }
}
