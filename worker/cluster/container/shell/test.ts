// test, [ and the unary/binary tests of [[: POSIX's argument-count rules, then a recursive
// descent over ! -a -o ( ) for longer expressions (what each test means: predicates.ts, shared with
// the test program). 0 true, 1 false, 2 error (printed).
import type { Shell } from "./interp";
import { BINARY, binaryTest, safe, unaryTest, UNARY_OPS, type TestHost } from "./predicates";

const UNARY = new Set([...UNARY_OPS, "-a"]);

class TestError extends Error {}

export function evalTest(sh: Shell, args: string[], name: string): number {
  const t = new Test(sh, args, name);
  try {
    return t.run() ? 0 : 1;
  } catch (e) {
    if (e instanceof TestError) {
      t.report(e.message);
      return 2;
    }
    throw e;
  }
}

class Test {
  private i = 0;
  private readonly host: TestHost;
  constructor(
    private readonly sh: Shell,
    private readonly args: string[],
    private readonly name: string,
  ) {
    this.host = {
      stat: (arg, link) => (link ? sh.fs.lstat(sh.resolve(arg)) : sh.fs.stat(sh.resolve(arg))),
      tty: (arg) => {
        const fd = sh.fds.get(Number(arg));
        return !!fd && fd.tty;
      },
      int: (s) => this.int(s),
      access: (op, st, arg) => (op === "-r" ? st.uid === 0 || (st.mode & 0o444) !== 0 : (st.mode & 0o222) !== 0 && !this.readOnly(sh.resolve(arg))),
      emptyIsMissing: true,
    };
  }

  report(msg: string): void {
    const sh = this.sh;
    if (sh.dialect === "ash") {
      const base = sh.arg0.split("/").pop();
      sh.write(2, `${base}: ${msg}\n`);
    } else sh.error(msg, this.name === "[[" ? null : this.name);
  }

  private fail(kind: "int" | "unary" | "binary" | "many" | "missing" | "arg", tok = ""): never {
    const d = this.sh.dialect;
    if (kind === "int") throw new TestError(d === "bash" ? `${tok}: integer expression expected` : d === "dash" ? `Illegal number: ${tok}` : `${tok}: bad number`);
    if (d === "bash") {
      if (kind === "unary") throw new TestError(`${tok}: unary operator expected`);
      if (kind === "binary") throw new TestError(`${tok}: binary operator expected`);
      if (kind === "many") throw new TestError("too many arguments");
      if (kind === "missing") throw new TestError(`missing \`]'`);
      throw new TestError(`argument expected`);
    }
    if (d === "dash") {
      if (kind === "missing") throw new TestError("missing ]");
      if (kind === "arg") throw new TestError(`${tok}: argument expected`);
      throw new TestError(`${tok}: unexpected operator`);
    }
    if (kind === "missing") throw new TestError("missing ]");
    if (kind === "arg") throw new TestError(tok ? `${tok}: argument expected` : "argument expected");
    throw new TestError(`${tok}: unknown operand`);
  }

  run(): boolean {
    const a = this.args;
    switch (a.length) {
      case 0:
        return false;
      case 1:
        return a[0] !== "";
      case 2:
        if (a[0] === "!") return a[1] === "";
        if (UNARY.has(a[0])) return this.unary(a[0], a[1]);
        if (this.sh.dialect !== "bash" && BINARY.has(a[1])) this.fail("arg", a[1]);
        this.fail("unary", this.sh.dialect === "ash" ? a[1] : a[0]);
        break;
      case 3:
        if (BINARY.has(a[1]) || a[1] === "-a" || a[1] === "-o") {
          if (a[1] === "-a") return a[0] !== "" && a[2] !== "";
          if (a[1] === "-o") return a[0] !== "" || a[2] !== "";
          return this.binary(a[0], a[1], a[2]);
        }
        if (a[0] === "!") return !new Test(this.sh, a.slice(1), this.name).run();
        if (a[0] === "(" && a[2] === ")") return a[1] !== "";
        this.fail("binary", a[1]);
        break;
      case 4:
        if (a[0] === "!") return !new Test(this.sh, a.slice(1), this.name).run();
        if (a[0] === "(" && a[3] === ")") return new Test(this.sh, a.slice(1, 3), this.name).run();
    }
    const v = this.or();
    if (this.i < a.length) this.fail(this.sh.dialect === "bash" ? "many" : "binary", a[this.i]);
    return v;
  }

  private or(): boolean {
    let v = this.and();
    while (this.args[this.i] === "-o") {
      this.i++;
      const r = this.and();
      v = v || r;
    }
    return v;
  }

  private and(): boolean {
    let v = this.not();
    while (this.args[this.i] === "-a") {
      this.i++;
      const r = this.not();
      v = v && r;
    }
    return v;
  }

  private not(): boolean {
    if (this.args[this.i] === "!") {
      this.i++;
      return !this.not();
    }
    return this.primary();
  }

  private primary(): boolean {
    const a = this.args;
    const t = a[this.i];
    if (t === undefined) this.fail("arg", a[this.i - 1]);
    if (t === "(") {
      this.i++;
      const v = this.or();
      if (a[this.i] !== ")") this.fail("arg", ")");
      this.i++;
      return v;
    }
    if (UNARY.has(t) && this.i + 1 < a.length && !BINARY.has(a[this.i + 1] ?? "")) {
      this.i += 2;
      return this.unary(t, a[this.i - 1]);
    }
    if (BINARY.has(a[this.i + 1] ?? "") && this.i + 2 < a.length) {
      this.i += 3;
      return this.binary(t, a[this.i - 2], a[this.i - 1]);
    }
    this.i++;
    return t !== "";
  }

  private int(s: string): bigint {
    const t = s.trim();
    if (!/^[+-]?[0-9]+$/.test(t)) this.fail("int", s);
    return BigInt(t);
  }

  private binary(l: string, op: string, r: string): boolean {
    return binaryTest(this.host, l, op, r);
  }

  private unary(op: string, arg: string): boolean {
    return unaryTest(this.host, op, arg);
  }

  private readOnly(p: string): boolean {
    let best: { target: string; readOnly: boolean } | null = null;
    for (const m of safe(() => this.sh.fs.mounts()) ?? []) {
      if ((p === m.target || p.startsWith(m.target.endsWith("/") ? m.target : m.target + "/")) && (!best || m.target.length > best.target.length)) best = m;
    }
    return !!best?.readOnly;
  }
}
