// awk (a small but real interpreter, awk/): -F, -v, -f, program text, var=value operands,
// files or stdin streamed record by record (a program that calls plain getline reads its input
// first), print/printf redirected to files, `| cmd` pipes run when the program ends.
import type { Tool, ToolContext } from "../../types";
import { FsError } from "../../types";
import { type Gen, bytesInput, fsMessage, getopt, name, readAll, readPath, say, text } from "./common";
import { strftime } from "./date";
import { LineReader } from "./lines";
import { AwkSyntaxError } from "./awk/lexer";
import { AwkError, Exit, Interp, StrNum, type Host } from "./awk/interp";
import { parse, type Program } from "./awk/parser";

const USAGE = { busybox: "awk [OPTIONS] [AWK_PROGRAM] [FILE]...", gnu: "awk [-W option] [-F value] [-v var=value] [--] 'program text' [file ...]" };

/** What -F and -v take: awk's escapes in a command-line string. */
function cliString(s: string): string {
  return s.replace(/\\(.)/g, (_m, c: string) => ({ n: "\n", t: "\t", "\\": "\\", r: "\r" })[c] ?? `\\${c}`);
}

export const awk: Tool = {
  names: ["awk", "mawk"],
  *run(ctx: ToolContext): Gen<number> {
    const gnu = ctx.flavour === "gnu";
    // Debian's and Ubuntu's awk is mawk, which names itself as invoked ("awk: line 1: …"); busybox says "awk: cmd. line:1: …".
    const me = gnu ? name(ctx) : "awk";
    const o = getopt(ctx, { flags: "", args: "Fvf", usage: USAGE, permute: false, long: { "field-separator=": "F", "assign=": "v", "file=": "f" } });
    if (!o) return 2;
    let src: string;
    let operands = o.rest;
    const files = o.all("f");
    if (files.length) {
      const parts: string[] = [];
      for (const f of files) {
        const data = readPath(ctx, f);
        if (data instanceof FsError) {
          ctx.stderr.write(gnu ? `${me}: couldn't open file ${f}\n` : `awk: can't open '${f}': ${fsMessage(data)}\n`);
          return 2;
        }
        parts.push(text(data));
      }
      src = parts.join("\n");
    } else {
      if (operands.length === 0) {
        if (gnu) ctx.stderr.write(`usage: ${USAGE.gnu}\n`);
        else ctx.stderr.write(`BusyBox v1.36.1 (2023-07-27 17:12:24 UTC) multi-call binary.\n\nUsage: ${USAGE.busybox}\n`);
        return 2;
      }
      src = operands[0];
      operands = operands.slice(1);
    }
    let prog: Program;
    try {
      prog = parse(src);
    } catch (e) {
      if (e instanceof AwkSyntaxError) {
        ctx.stderr.write(gnu ? `${me}: line 1: ${e.message.replace(/ at source line 1: unexpected (.*)$/, " at or near $1")}\n` : `awk: cmd. line:1: ${e.message.replace(/^syntax error at source line 1: unexpected (.*)$/, "Unexpected token")}\n`);
        return 2;
      }
      throw e;
    }
    const outputs = new Map<string, { op: string; data: string }>();
    let owed = 0;
    const host: Host = {
      write: (s) => ctx.stdout.write(s),
      redirect(op, target, s) {
        const cur = outputs.get(target);
        if (op === "|") {
          outputs.set(target, { op, data: (cur?.data ?? "") + s });
          return;
        }
        const path = target === "/dev/stdout" || target === "-" ? null : target === "/dev/stderr" ? "stderr" : ctx.resolve(target);
        if (path === null) return ctx.stdout.write(s);
        if (path === "stderr") return ctx.stderr.write(s);
        try {
          ctx.fs.write(path, s, { append: cur !== undefined || op === ">>" });
          outputs.set(target, { op, data: "" });
        } catch (e) {
          host.fatal(`can't redirect to ${target} (${fsMessage(e)})`);
        }
      },
      close(target) {
        return outputs.delete(target) ? 0 : -1;
      },
      readFile(path) {
        const data = path === "-" || path === "/dev/stdin" ? null : readPath(ctx, path);
        if (data === null || data instanceof FsError) return null;
        const t = text(data);
        return (t.endsWith("\n") ? t.slice(0, -1) : t).split("\n").filter((_, i, a) => !(t === "" && a.length === 1));
      },
      run(cmd, capture) {
        // Run to its end here, inside an action: time it sleeps is owed and passed after the action.
        let out = "";
        const sink = capture ? { tty: false, write: (d: string | Uint8Array) => void (out += typeof d === "string" ? d : text(d)) } : ctx.stdout;
        const g = ctx.exec(["sh", "-c", cmd], { stdin: bytesInput(new Uint8Array(0)), stdout: sink });
        for (let steps = 0; ; steps++) {
          const s = g.next();
          if (s.done) return { code: s.value, out };
          if ("sleep" in s.value) owed += s.value.sleep;
          if (steps > 100_000) {
            g.return(0);
            return { code: 1, out };
          }
        }
      },
      nextRecord: () => null,
      now: () => ctx.now(),
      strftime: (fmt, ms) => strftime(fmt, ms),
      env: ctx.env,
      fatal(msg): never {
        throw new AwkError(msg);
      },
    };
    const it = new Interp(prog, host);
    const assign = (spec: string): boolean => {
      const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(spec);
      if (!m) return false;
      it.setVar(m[1], new StrNum(cliString(m[2])));
      return true;
    };
    const fs = o.get("F");
    if (fs !== undefined) it.setVar("FS", fs === "t" ? "\t" : cliString(fs));
    for (const v of o.all("v")) {
      if (!assign(v)) {
        ctx.stderr.write(gnu ? `${me}: improper assignment: -v ${v}\n` : `awk: unexpected token\n`);
        return 2;
      }
    }
    const argv = new Map<string, StrNum | string>([["0", "awk"]]);
    operands.forEach((a, i) => argv.set(String(i + 1), new StrNum(a)));
    it.globals.set("ARGV", argv);
    it.globals.set("ARGC", operands.length + 1);

    let status = 0;
    let inEnd = false;
    const finish = function* (code: number): Gen<number> {
      if (owed) yield { sleep: owed };
      owed = 0;
      for (const [cmd, out] of outputs) {
        if (out.op !== "|") continue;
        const input = bytesInput(new TextEncoder().encode(out.data));
        yield* ctx.exec(["sh", "-c", cmd], { stdin: input });
      }
      return code;
    };
    try {
      try {
        it.runSpecial("begin");
        if (owed) {
          yield { sleep: owed };
          owed = 0;
        }
        if (it.hasMain()) {
          const fileOps = operands.filter((a) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(a));
          // var=value operands take effect before the files are read (POSIX has them between files; tutorials put them first).
          for (const a of operands) if (!fileOps.includes(a)) assign(a);
          const onError = (op: string, e: FsError) => {
            status = 2;
            ctx.stderr.write(gnu ? `${me}: cannot open ${op} (${fsMessage(e)})\n` : `awk: cannot open ${op} (${fsMessage(e)})\n`);
          };
          const rs = it.str(it.getVar("RS"));
          if (prog.usesGetline || rs !== "\n") {
            // Whole input first: records split by RS ("" is paragraph mode), plain getline pulls from them.
            const records: Array<{ line: string; file: string; first: boolean }> = [];
            for (const op of fileOps.length ? fileOps : ["-"]) {
              let data: Uint8Array;
              if (op === "-") data = yield* readAll(ctx.stdin);
              else {
                const d = readPath(ctx, op);
                if (d instanceof FsError) {
                  onError(op, d);
                  continue;
                }
                data = d;
              }
              let t = text(data);
              let parts: string[];
              if (rs === "") parts = t.replace(/^\n+/, "").split(/\n\n+/).map((p) => p.replace(/\n+$/, ""));
              else {
                const sep = rs.length === 1 ? rs : new RegExp(it.regex(rs).source);
                if (t.endsWith(rs.length === 1 ? rs : "\n")) t = t.slice(0, -1);
                parts = t === "" ? [] : t.split(sep);
              }
              parts.filter((p, i) => !(rs === "" && p === "" && i === parts.length - 1)).forEach((line, i) => records.push({ line, file: op, first: i === 0 }));
            }
            let at = 0;
            host.nextRecord = () => (at < records.length ? records[at++].line : null);
            while (at < records.length) {
              const r = records[at++];
              if (r.first) it.globals.set("FNR", 0);
              it.globals.set("FILENAME", r.file === "-" ? "" : r.file);
              it.runRecord(r.line);
            }
          } else {
            const reader = LineReader.of(ctx, fileOps, onError);
            let skipFile: string | null = null;
            for (;;) {
              const line = yield* reader.next();
              if (line === null) break;
              if (reader.fileLine === 1) {
                it.globals.set("FNR", 0);
                skipFile = null;
              }
              if (skipFile !== null) continue;
              it.globals.set("FILENAME", reader.name === "-" ? "" : reader.name);
              if (it.runRecord(line) === "nextfile") skipFile = reader.name;
              if (owed) {
                yield { sleep: owed };
                owed = 0;
              }
            }
          }
          inEnd = true;
          it.runSpecial("end");
        }
      } catch (x) {
        if (!(x instanceof Exit)) throw x;
        if (inEnd) return yield* finish(x.code);
        // exit in BEGIN or a record still runs END (an exit there ends it).
        try {
          it.runSpecial("end");
        } catch (y) {
          if (!(y instanceof Exit)) throw y;
          return yield* finish(y.code);
        }
        return yield* finish(x.code);
      }
    } catch (e) {
      if (e instanceof AwkError) {
        ctx.stderr.write(gnu ? `${me}: run time error: ${e.message}\n` : `awk: cmd. line:1: ${e.message[0].toUpperCase()}${e.message.slice(1)}\n`);
        return 2;
      }
      if (e instanceof RangeError) {
        say(ctx, "program too deep");
        return 2;
      }
      throw e;
    }
    return yield* finish(status);
  },
};
