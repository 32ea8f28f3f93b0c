// The access-log lines containers write for the requests they answer. A container's other log
// lines are computed from its program when read (node/logs.ts); these depend on traffic, so they
// are kept, per container run (its containerID), in the object's SQLite and merged in when the
// log is read. Bounded as the kubelet rotates logs: the newest lines of a run are kept.
import { MAX_LOG_LINES, type LogLine } from "../node/logs";

/** Lines kept over all runs: past it, the oldest go (runs of deleted pods among them). */
const MAX_TOTAL_LINES = 200_000;

const ready = new WeakSet<SqlStorage>();

function table(sql: SqlStorage): SqlStorage {
  if (!ready.has(sql)) {
    sql.exec("CREATE TABLE IF NOT EXISTS access_log (id INTEGER PRIMARY KEY AUTOINCREMENT, run TEXT NOT NULL, at INTEGER NOT NULL, line TEXT NOT NULL)");
    sql.exec("CREATE INDEX IF NOT EXISTS access_log_run ON access_log(run, id)");
    ready.add(sql);
  }
  return sql;
}

/** Appends a line to a container run's log at cluster time `at`. */
export function recordAccess(sql: SqlStorage, run: string, at: number, line: string): void {
  const id = table(sql).exec<{ id: number }>("INSERT INTO access_log (run, at, line) VALUES (?, ?, ?) RETURNING id", run, at, line).one().id;
  // Trimming is rare: only every 1,000th line looks.
  if (id % 1000 === 0) {
    sql.exec("DELETE FROM access_log WHERE id <= ?", id - MAX_TOTAL_LINES);
    sql.exec("DELETE FROM access_log WHERE run = ? AND id <= (SELECT id FROM access_log WHERE run = ? ORDER BY id DESC LIMIT 1 OFFSET ?)", run, run, MAX_LOG_LINES);
  }
}

/** A run's access lines up to `until`, oldest first. */
export function accessLines(sql: SqlStorage, run: string, until: number): LogLine[] {
  return table(sql)
    .exec<{ at: number; line: string }>("SELECT at, line FROM (SELECT id, at, line FROM access_log WHERE run = ? AND at <= ? ORDER BY id DESC LIMIT ?) ORDER BY id", run, until, MAX_LOG_LINES)
    .toArray()
    .map((r) => ({ at: r.at, text: r.line }));
}

/** Program lines and access lines in time order (program lines first at the same time), bounded as a log is. */
export function mergeLines(program: LogLine[], access: LogLine[]): LogLine[] {
  if (!access.length) return program;
  const out: LogLine[] = [];
  let i = 0;
  let j = 0;
  while (i < program.length || j < access.length) {
    if (j >= access.length || (i < program.length && program[i].at <= access[j].at)) out.push(program[i++]);
    else out.push(access[j++]);
  }
  return out.length > MAX_LOG_LINES ? out.slice(out.length - MAX_LOG_LINES) : out;
}
