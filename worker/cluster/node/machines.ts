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
  }

  hasImage(node: string, image: string): boolean {
    return this.sql.exec("SELECT 1 FROM node_images WHERE node = ? AND image = ?", node, image).toArray().length > 0;
  }

  addImage(node: string, image: string): void {
    this.sql.exec("INSERT OR IGNORE INTO node_images (node, image) VALUES (?, ?)", node, image);
  }
}
