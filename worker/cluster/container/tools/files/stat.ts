// stat: the default report of each flavour, -c/--format and --printf with the common % codes,
// -L, -t (terse).
import type { Stat, Tool, ToolContext } from "../../types";
import { blocksK, complain, errText, fullTime, groupName, missingOperand, modeString, parseOpts, q, userName } from "./common";

/** %F's words for a file's type (rm -i asks with them too). */
export function fileType(st: Stat): string {
  switch (st.type) {
    case "file":
      return st.size === 0 ? "regular empty file" : "regular file";
    case "dir":
      return "directory";
    case "symlink":
      return "symbolic link";
    case "chardev":
      return "character special file";
    case "fifo":
      return "fifo";
    case "socket":
      return "socket";
  }
}

const TYPE_BITS: Record<Stat["type"], number> = { file: 0o100000, dir: 0o40000, symlink: 0o120000, chardev: 0o20000, fifo: 0o10000, socket: 0o140000 };

function escapes(s: string): string {
  return s.replace(/\\(?:([0-7]{1,3})|x([0-9a-fA-F]{1,2})|(.))/g, (_m, o?: string, x?: string, c?: string) => {
    if (o) return String.fromCharCode(parseInt(o, 8));
    if (x) return String.fromCharCode(parseInt(x, 16));
    return { n: "\n", t: "\t", r: "\r", a: "\x07", b: "\b", f: "\f", v: "\v", "\\": "\\", '"': '"', e: "\x1b" }[c!] ?? `\\${c}`;
  });
}

export const stat: Tool = {
  names: ["stat"],
  run(ctx: ToolContext): number {
    const gnu = ctx.flavour === "gnu";
    const USAGE = "[-ltf] [-c FMT] FILE...";
    const p = parseOpts(ctx, { flags: "Lltf", withArg: "c", usage: USAGE, long: { dereference: { key: "L" }, format: { key: "c", arg: "required" }, printf: { arg: "required" }, terse: { key: "t" }, "file-system": { key: "f" } } });
    if (typeof p === "number") return p;
    if (p.args.length === 0) return missingOperand(ctx, USAGE);
    let status = 0;
    for (const name of p.args) {
      const path = ctx.resolve(name);
      let st: Stat | null;
      try {
        st = p.has("L") ? ctx.fs.stat(path) : ctx.fs.lstat(path);
      } catch (e) {
        complain(ctx, gnu ? `cannot stat ${q(name)}: ${errText(e)}` : `can't stat '${name}': ${errText(e)}`);
        status = 1;
        continue;
      }
      if (!st) {
        complain(ctx, gnu ? `cannot stat ${q(name)}: No such file or directory` : `can't stat '${name}': No such file or directory`);
        status = 1;
        continue;
      }
      const s = st;
      let target = "";
      if (s.type === "symlink") {
        try {
          target = ctx.fs.readlink(path);
        } catch {
          target = "";
        }
      }
      const mount = () => {
        const ms = ctx.fs.mounts().filter((m) => path === m.target || path.startsWith(m.target === "/" ? "/" : m.target + "/"));
        return ms.sort((a, b) => b.target.length - a.target.length)[0]?.target ?? "/";
      };
      const chr = s.type === "chardev";
      const field = (c: string): string => {
        switch (c) {
          case "n":
            return name;
          case "N":
            if (gnu) return s.type === "symlink" ? `${q(name)} -> ${q(target)}` : /[\s'"$`\\]/.test(name) ? q(name) : name;
            return s.type === "symlink" ? `'${name}' -> '${target}'` : `'${name}'`;
          case "s":
            return String(s.size);
          case "b":
            return String(blocksK(s) * 2);
          case "B":
            return "512";
          case "o":
            return "4096";
          case "F":
            return fileType(s);
          case "f":
            return (TYPE_BITS[s.type] | s.mode).toString(16);
          case "a":
            return (s.mode & 0o7777).toString(8);
          case "A":
            return modeString(s);
          case "u":
            return String(s.uid);
          case "U":
            return userName(ctx.fs, s.uid) ?? "UNKNOWN";
          case "g":
            return String(s.gid);
          case "G":
            return groupName(ctx.fs, s.gid) ?? "UNKNOWN";
          case "i":
            return String(s.ino);
          case "h":
            return String(s.nlink);
          case "d":
            return String(s.dev);
          case "D":
            return s.dev.toString(16);
          case "H":
            return "0";
          case "L":
            return String(s.dev);
          case "t":
            return chr ? "1" : "0";
          case "T":
            return chr ? "3" : "0";
          case "r":
            return chr ? "1" : "0";
          case "m":
            return mount();
          case "x":
          case "y":
          case "z":
            return fullTime(s.mtime);
          case "X":
          case "Y":
          case "Z":
            return String(Math.floor(s.mtime / 1000));
          case "w":
            return "-";
          case "W":
            return "0";
          case "%":
            return "%";
          default:
            return `?`;
        }
      };
      const render = (fmt: string) =>
        fmt.replace(/%([-#0 +']*)(\d*)(?:\.(\d+))?([a-zA-Z%])/g, (_m, flags: string, w: string, prec: string | undefined, c: string) => {
          if (c === "%") return "%";
          let v = field(c);
          if (prec !== undefined) v = v.slice(0, Number(prec));
          const width = Number(w || 0);
          if (flags.includes("-")) return v.padEnd(width);
          if (flags.includes("0") && /^\d+$/.test(v)) return v.padStart(width, "0");
          return v.padStart(width);
        });
      const fmt = p.get("c");
      const printf = p.get("printf");
      if (printf !== undefined) ctx.stdout.write(render(escapes(printf)));
      else if (fmt !== undefined) ctx.stdout.write(render(fmt) + "\n");
      else if (p.has("t")) ctx.stdout.write(render("%n %s %b %f %u %g %D %i %h %t %T %X %Y %Z %W %o") + "\n");
      else if (gnu) {
        ctx.stdout.write(
          render(
            "  File: %N\n  Size: %-10s\tBlocks: %-10b IO Block: %-6o %F\n" +
              (chr ? "Device: %Hd,%Ld\tInode: %-10i  Links: %-5h Device type: %Hr,%Lr\n" : "Device: %Hd,%Ld\tInode: %-10i  Links: %h\n") +
              "Access: (%04a/%10.10A)  Uid: (%5u/%8U)   Gid: (%5g/%8G)\nAccess: %x\nModify: %y\nChange: %z\n Birth: %w\n",
          ),
        );
      } else {
        ctx.stdout.write(
          render(
            "  File: %N\n  Size: %-10s\tBlocks: %-10b IO Block: %-6o %F\n" +
              (chr ? "Device: %Dh/%dd\tInode: %-10i  Links: %-5h Device type: %t,%T\n" : "Device: %Dh/%dd\tInode: %-10i  Links: %h\n") +
              "Access: (%04a/%10.10A)  Uid: (%5u/%8U)   Gid: (%5g/%8G)\nAccess: %x\nModify: %y\nChange: %z\n",
          ),
        );
      }
    }
    return status;
  },
};
