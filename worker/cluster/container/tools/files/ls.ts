// ls: GNU coreutils' and busybox's listings (columns on a terminal, one per line otherwise; -l's
// widths: GNU sizes each column to its widest cell, busybox prints fixed widths).
import type { Stat, Tool, ToolContext } from "../../types";
import { blocksK, complain, errText, fullTime, groupName, humanSize, joinPath, lsDate, modeString, parseOpts, q, userName } from "./common";

const USAGE = "[-1AaCxdLHRFplinshrSXvctu] [-w WIDTH] [FILE]...";

interface Entry {
  /** As printed: the operand or the name inside its directory. */
  name: string;
  /** Path to reach it. */
  path: string;
  st: Stat;
  target?: string;
}

/** Device numbers of the usual /dev nodes (ls -l prints "1, 3" where a size would be). */
const DEVICES: Record<string, string> = { null: "1, 3", zero: "1, 5", full: "1, 7", random: "1, 8", urandom: "1, 9", tty: "5, 0", console: "5, 1", ptmx: "5, 2" };

function cmpName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export const ls: Tool = {
  names: ["ls"],
  run(ctx: ToolContext): number {
    const gnu = ctx.flavour === "gnu";
    const p = parseOpts(ctx, {
      flags: "1aACxdLHRFplinshrStcugovXUf",
      withArg: "w",
      usage: USAGE,
      status: gnu ? 2 : 1,
      long: {
        all: { key: "a" },
        "almost-all": { key: "A" },
        directory: { key: "d" },
        "human-readable": { key: "h" },
        inode: { key: "i" },
        "numeric-uid-gid": { key: "n" },
        recursive: { key: "R" },
        reverse: { key: "r" },
        size: { key: "s" },
        classify: { key: "F" },
        dereference: { key: "L" },
        color: { arg: "optional" },
        colour: { key: "color", arg: "optional" },
        "full-time": {},
        "group-directories-first": {},
        width: { key: "w", arg: "required" },
        "time-style": { arg: "required" },
      },
    });
    if (typeof p === "number") return p;
    const has = (k: string) => p.has(k);
    const long = has("l") || has("n") || has("g") || has("o") || has("full-time");
    const oneCol = p.last("1", "C", "x", "l") === "1" || (!ctx.stdout.tty && !has("C") && !has("x"));
    const all = has("a") || has("f");
    const almost = has("A") && !all;
    const classify = has("F");
    const slash = has("p") || classify;
    const numeric = has("n");
    const human = has("h");
    const sortKey = has("U") || has("f") ? "none" : p.last("t", "S") ?? "name";
    const reverse = has("r");
    let status = 0;
    const fail = () => {
      status = gnu ? (status === 2 ? 2 : 1) : 1;
    };
    const now = ctx.now();
    const width = Number(p.get("w") ?? ctx.env.COLUMNS ?? 80) || 80;

    const statOf = (path: string, follow: boolean): Stat | null => (follow ? ctx.fs.stat(path) ?? ctx.fs.lstat(path) : ctx.fs.lstat(path));
    const entry = (name: string, path: string, follow: boolean): Entry | null => {
      let st: Stat | null;
      try {
        st = statOf(path, follow || has("L"));
      } catch (e) {
        complain(ctx, gnu ? `cannot access ${q(path)}: ${errText(e)}` : `${path}: ${errText(e)}`);
        status = gnu ? 2 : 1;
        return null;
      }
      if (!st) return null;
      const e: Entry = { name, path, st };
      if (st.type === "symlink") {
        try {
          e.target = ctx.fs.readlink(path);
        } catch {
          e.target = "";
        }
      }
      return e;
    };

    const sort = (list: Entry[]): Entry[] => {
      if (sortKey === "none") return list;
      const out = [...list].sort((a, b) => {
        if (sortKey === "t" && a.st.mtime !== b.st.mtime) return b.st.mtime - a.st.mtime;
        if (sortKey === "S" && a.st.size !== b.st.size) return b.st.size - a.st.size;
        return cmpName(a.name, b.name);
      });
      if (p.has("group-directories-first")) out.sort((a, b) => Number(b.st.type === "dir") - Number(a.st.type === "dir"));
      return reverse ? out.reverse() : out;
    };

    const indicator = (e: Entry): string => {
      if (!slash) return "";
      const t = e.st.type;
      if (t === "dir") return "/";
      if (!classify) return "";
      if (t === "symlink") return long ? "" : "@";
      if (t === "fifo") return "|";
      if (t === "socket") return "=";
      if (t === "file" && e.st.mode & 0o111) return "*";
      return "";
    };

    const displayName = (name: string): string => {
      // GNU quotes names a shell would split, on a terminal only (its default quoting style).
      if (gnu && ctx.stdout.tty && /[\s'"$`\\*?;&|<>()[\]{}!#~]/.test(name)) return q(name);
      return name;
    };

    const owner = (st: Stat) => (numeric ? String(st.uid) : userName(ctx.fs, st.uid) ?? String(st.uid));
    const group = (st: Stat) => (numeric ? String(st.gid) : groupName(ctx.fs, st.gid) ?? String(st.gid));
    const sizeCell = (e: Entry) => (e.st.type === "chardev" ? DEVICES[e.name.slice(e.name.lastIndexOf("/") + 1)] ?? "0, 0" : human ? humanSize(e.st.size) : String(e.st.size));

    const printLong = (list: Entry[]) => {
      const rows = list.map((e) => ({
        ino: String(e.st.ino),
        blocks: human ? humanSize(blocksK(e.st) * 1024) : String(blocksK(e.st)),
        mode: modeString(e.st),
        nlink: String(e.st.nlink),
        owner: owner(e.st),
        group: group(e.st),
        size: sizeCell(e),
        date: p.has("full-time") ? fullTime(e.st.mtime) : lsDate(e.st.mtime, now),
        name: displayName(e.name) + (e.target !== undefined ? ` -> ${displayName(e.target)}` : "") + indicator(e),
      }));
      const w = (k: keyof (typeof rows)[number]) => Math.max(0, ...rows.map((r) => r[k].length));
      const wi = w("ino"),
        wb = w("blocks"),
        wl = w("nlink"),
        wo = w("owner"),
        wg = w("group"),
        ws = w("size");
      for (const r of rows) {
        let line = "";
        if (gnu) {
          if (has("i")) line += r.ino.padStart(wi) + " ";
          if (has("s")) line += r.blocks.padStart(wb) + " ";
          line += `${r.mode} ${r.nlink.padStart(wl)} `;
          if (!has("g")) line += r.owner.padEnd(wo) + " ";
          if (!has("o")) line += r.group.padEnd(wg) + " ";
          line += `${r.size.padStart(ws)} ${r.date} ${r.name}`;
        } else {
          if (has("i")) line += r.ino.padStart(7) + " ";
          if (has("s")) line += r.blocks.padStart(6) + " ";
          line += `${r.mode.padEnd(10)} ${r.nlink.padStart(4)} `;
          if (!has("g")) line += r.owner.slice(0, 8).padEnd(8) + " ";
          if (!has("o")) line += r.group.slice(0, 8).padEnd(8) + " ";
          line += `${r.size.padStart(human ? 7 : 9)} ${r.date} ${r.name}`;
        }
        ctx.stdout.write(line + "\n");
      }
    };

    const printShort = (list: Entry[]) => {
      const cells = list.map((e) => {
        let pre = "";
        if (has("i")) pre += gnu ? String(e.st.ino) + " " : String(e.st.ino).padStart(7) + " ";
        if (has("s")) pre += gnu ? String(blocksK(e.st)) + " " : String(blocksK(e.st)).padStart(6) + " ";
        return pre + displayName(e.name) + indicator(e);
      });
      if (oneCol || cells.length === 0) {
        for (const c of cells) ctx.stdout.write(c + "\n");
        return;
      }
      const across = p.last("C", "x") === "x";
      let cols = 1;
      let colW: number[] = [Math.max(...cells.map((c) => c.length))];
      if (gnu) {
        // coreutils: the most columns whose widths (widest cell + 2, the last without) fit.
        for (let n = Math.min(cells.length, Math.floor(width / 3)); n > 1; n--) {
          const rows = Math.ceil(cells.length / n);
          const per = across ? n : Math.ceil(cells.length / rows);
          const widths = new Array<number>(per).fill(0);
          cells.forEach((c, i) => {
            const col = across ? i % n : Math.floor(i / rows);
            widths[col] = Math.max(widths[col]!, c.length + (col === per - 1 ? 0 : 2));
          });
          if (widths.reduce((a, b) => a + b, 0) < width) {
            cols = per;
            colW = widths;
            break;
          }
        }
      } else {
        const cw = Math.max(...cells.map((c) => c.length)) + 2;
        cols = Math.max(1, Math.floor(width / cw));
        colW = new Array<number>(cols).fill(cw);
      }
      const rows = Math.ceil(cells.length / cols);
      for (let r = 0; r < rows; r++) {
        let line = "";
        let col = 0;
        let next = 0;
        for (let c = 0; c < cols; c++) {
          const i = across ? r * cols + c : c * rows + r;
          if (i >= cells.length) continue;
          if (line.length > 0) line += " ".repeat(Math.max(0, next - line.length));
          col = line.length;
          next = col + colW[c]!;
          line += cells[i];
        }
        ctx.stdout.write(line + "\n");
      }
    };

    const print = (list: Entry[]) => (long ? printLong(list) : printShort(list));

    const listDir = (dir: Entry, header: boolean, first: boolean) => {
      let names: string[];
      try {
        names = ctx.fs.readdir(dir.path);
      } catch (e) {
        complain(ctx, gnu ? `cannot open directory ${q(dir.path)}: ${errText(e)}` : `${dir.path}: ${errText(e)}`);
        fail();
        return;
      }
      if (header) ctx.stdout.write(`${first ? "" : "\n"}${dir.name}:\n`);
      const entries: Entry[] = [];
      if (all) {
        for (const dot of [".", ".."]) {
          const st = ctx.fs.stat(joinPath(dir.path, dot));
          if (st) entries.push({ name: dot, path: joinPath(dir.path, dot), st });
        }
      }
      for (const n of names) {
        if (n.startsWith(".") && !all && !almost) continue;
        const e = entry(n, joinPath(dir.path, n), false);
        if (e) entries.push(e);
      }
      const sorted = sort(entries);
      if (long || has("s")) {
        const total = sorted.reduce((a, e) => a + blocksK(e.st), 0);
        ctx.stdout.write(`total ${human ? humanSize(total * 1024) : total}\n`);
      }
      print(sorted);
      if (has("R")) {
        for (const e of sorted) {
          if (e.st.type !== "dir" || e.name === "." || e.name === "..") continue;
          listDir({ ...e, name: joinPath(dir.name, e.name) }, true, false);
        }
      }
    };

    const operands = p.args.length ? p.args : ["."];
    const files: Entry[] = [];
    const dirs: Entry[] = [];
    for (const a of operands) {
      const path = ctx.resolve(a);
      let st: Stat | null;
      try {
        st = ctx.fs.lstat(path);
      } catch (e) {
        complain(ctx, gnu ? `cannot access ${q(a)}: ${errText(e)}` : `${a}: ${errText(e)}`);
        status = gnu ? 2 : 1;
        continue;
      }
      if (!st) {
        complain(ctx, gnu ? `cannot access ${q(a)}: No such file or directory` : `${a}: No such file or directory`);
        status = gnu ? 2 : 1;
        continue;
      }
      // A symlink named on the command line is followed unless -l, -d or -F says to show it.
      const follow = has("L") || has("H") || (st.type === "symlink" && !long && !has("d") && !classify);
      const e = entry(a, path, follow);
      if (!e) continue;
      if (e.st.type === "dir" && !has("d")) dirs.push(e);
      else files.push(e);
    }
    const sortedFiles = sort(files);
    if (sortedFiles.length) print(sortedFiles);
    const header = operands.length > 1 || has("R");
    sort(dirs).forEach((d, i) => listDir(d, header, i === 0 && sortedFiles.length === 0));
    return status;
  },
};
