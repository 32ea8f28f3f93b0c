// Shell arithmetic ($((..)), let, ((..)), for ((;;))): C's integer operators on 64-bit signed
// integers, variables by name (their values evaluated as expressions in turn, as bash does).

export interface ArithVars {
  get(name: string): string | undefined;
  set(name: string, value: string): void;
}

/** An arithmetic failure; the shell words it per dialect (messages.ts). */
export class ArithError extends Error {
  constructor(
    readonly kind: "divzero" | "syntax" | "operand" | "base" | "recursion" | "ternary" | "exponent",
    /** The whole expression. */
    readonly expr: string,
    /** Where it failed: the rest of the expression from the bad token (bash's "error token"). */
    readonly token: string,
  ) {
    super(kind);
  }
}

type Tok = { k: "num"; v: bigint } | { k: "name"; v: string } | { k: "op"; v: string } | { k: "end" };

const OPS = ["<<=", ">>=", "**", "++", "--", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||", "*=", "/=", "%=", "+=", "-=", "&=", "^=", "|=", "+", "-", "*", "/", "%", "<", ">", "=", "!", "~", "&", "^", "|", "?", ":", "(", ")", ","];

const wrap = (v: bigint) => BigInt.asIntN(64, v);

/** dash has neither ** nor the comma operator; bash shows the expression without leading blanks. */
export function evalArith(expr: string, vars: ArithVars, dialect: "ash" | "bash" | "dash" = "bash", depth = 0): bigint {
  if (depth > 64) throw new ArithError("recursion", expr, expr);
  return new Arith(expr, vars, depth, dialect).run();
}

class Arith {
  private pos = 0;
  private tok: Tok = { k: "end" };
  private tokStart = 0;

  constructor(
    private readonly src: string,
    private readonly vars: ArithVars,
    private readonly depth: number,
    private readonly dialect: "ash" | "bash" | "dash",
  ) {}

  private prevTokStart = 0;

  run(): bigint {
    this.next();
    if (this.tok.k === "end") return 0n;
    const v = this.comma(true);
    if (this.peekTok().k !== "end") throw this.err("syntax");
    return v;
  }

  private shown(): string {
    return this.dialect === "bash" ? this.src.trimStart() : this.dialect === "dash" ? this.src : this.src.trim();
  }

  private err(kind: ArithError["kind"]): ArithError {
    // at the end of the expression bash names the last token read
    const at = this.tok.k === "end" && kind === "operand" ? this.prevTokStart : this.tokStart;
    return new ArithError(kind, this.shown(), this.src.slice(at));
  }

  private next(): void {
    const s = this.src;
    while (this.pos < s.length && /\s/.test(s[this.pos])) this.pos++;
    this.prevTokStart = this.tokStart;
    this.tokStart = this.pos;
    if (this.pos >= s.length) {
      this.tok = { k: "end" };
      return;
    }
    const rest = s.slice(this.pos);
    let m = (this.dialect === "dash" ? /^[0-9][0-9A-Za-z_]*/ : /^[0-9][0-9A-Za-z_@#]*/).exec(rest);
    if (m) {
      this.pos += m[0].length;
      this.tok = { k: "num", v: this.number(m[0]) };
      return;
    }
    m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest);
    if (m) {
      this.pos += m[0].length;
      this.tok = { k: "name", v: m[0] };
      return;
    }
    for (const op of OPS) {
      if (this.dialect === "dash" && (op === "**" || op === "," || op === "++" || op === "--")) continue;
      if (rest.startsWith(op)) {
        this.pos += op.length;
        this.tok = { k: "op", v: op };
        return;
      }
    }
    throw this.err("syntax");
  }

  private number(text: string): bigint {
    let base = 10;
    let digits = text;
    const hash = text.indexOf("#");
    if (hash > 0) {
      base = Number(text.slice(0, hash));
      digits = text.slice(hash + 1);
      if (!(base >= 2 && base <= 64)) throw this.err("base");
    } else if (/^0[xX]/.test(text)) {
      base = 16;
      digits = text.slice(2);
      if (!digits && this.dialect === "bash") return 0n;
    } else if (/^0[0-7]+$/.test(text)) {
      base = 8;
      digits = text.slice(1);
    } else if (text.startsWith("0") && text.length > 1) throw this.err("base");
    if (!digits) throw this.err("base");
    let v = 0n;
    for (const ch of digits) {
      let d: number;
      if (ch >= "0" && ch <= "9") d = ch.charCodeAt(0) - 48;
      else if (ch >= "a" && ch <= "z") d = ch.charCodeAt(0) - 97 + 10;
      else if (ch >= "A" && ch <= "Z") d = ch.charCodeAt(0) - 65 + (base <= 36 ? 10 : 36);
      else if (ch === "@") d = 62;
      else if (ch === "_") d = 63;
      else throw this.err("base");
      if (d >= base) throw this.err("base");
      v = wrap(v * BigInt(base) + BigInt(d));
    }
    return v;
  }

  /** The current token, read through a call so TypeScript does not keep a stale narrowing. */
  private peekTok(): Tok {
    return this.tok;
  }

  private isOp(v: string): boolean {
    return this.tok.k === "op" && this.tok.v === v;
  }

  private varValue(name: string): bigint {
    const raw = this.vars.get(name);
    if (raw === undefined || raw.trim() === "") return 0n;
    if (/^\s*-?[0-9]+\s*$/.test(raw)) return wrap(BigInt(raw.trim()));
    return evalArith(raw, this.vars, this.dialect, this.depth + 1);
  }

  // Each level takes `live`: false inside the untaken side of && || ?: (no assignments, no errors for /0).
  private comma(live: boolean): bigint {
    let v = this.assign(live);
    while (this.isOp(",")) {
      this.next();
      v = this.assign(live);
    }
    return v;
  }

  private assign(live: boolean): bigint {
    if (this.tok.k === "name") {
      const save = { pos: this.pos, tok: this.tok, start: this.tokStart };
      const name = this.tok.v;
      this.next();
      const t = this.peekTok();
      if (t.k === "op" && ["=", "*=", "/=", "%=", "+=", "-=", "<<=", ">>=", "&=", "^=", "|="].includes(t.v)) {
        this.next();
        const rhs = this.assign(live);
        if (!live) return rhs;
        let v = rhs;
        if (t.v !== "=") v = this.binary(t.v.slice(0, -1), this.varValue(name), rhs, live);
        this.vars.set(name, v.toString());
        return v;
      }
      this.pos = save.pos;
      this.tok = save.tok;
      this.tokStart = save.start;
    }
    return this.ternary(live);
  }

  private ternary(live: boolean): bigint {
    const c = this.binaryLevel(0, live);
    if (!this.isOp("?")) return c;
    this.next();
    const a = this.comma(live && c !== 0n);
    if (!this.isOp(":")) throw this.err("ternary");
    this.next();
    const b = this.assign(live && c === 0n);
    return c !== 0n ? a : b;
  }

  private static readonly LEVELS: string[][] = [["||"], ["&&"], ["|"], ["^"], ["&"], ["==", "!="], ["<", "<=", ">", ">="], ["<<", ">>"], ["+", "-"], ["*", "/", "%"]];

  private binaryLevel(level: number, live: boolean): bigint {
    if (level >= Arith.LEVELS.length) return this.power(live);
    const ops = Arith.LEVELS[level];
    let l = this.binaryLevel(level + 1, live);
    for (;;) {
      const t = this.tok;
      if (t.k !== "op" || !ops.includes(t.v)) return l;
      this.next();
      if (t.v === "||") {
        const r = this.binaryLevel(level + 1, live && l === 0n);
        l = l !== 0n || r !== 0n ? 1n : 0n;
      } else if (t.v === "&&") {
        const r = this.binaryLevel(level + 1, live && l !== 0n);
        l = l !== 0n && r !== 0n ? 1n : 0n;
      } else {
        const r = this.binaryLevel(level + 1, live);
        l = this.binary(t.v, l, r, live);
      }
    }
  }

  private binary(op: string, l: bigint, r: bigint, live: boolean): bigint {
    switch (op) {
      case "+": return wrap(l + r);
      case "-": return wrap(l - r);
      case "*": return wrap(l * r);
      case "/":
      case "%":
        if (r === 0n) {
          if (!live) return 0n;
          throw this.errAt("divzero");
        }
        return wrap(op === "/" ? l / r : l % r);
      case "<<": return wrap(l << (r & 63n));
      case ">>": return wrap(l >> (r & 63n));
      case "<": return l < r ? 1n : 0n;
      case "<=": return l <= r ? 1n : 0n;
      case ">": return l > r ? 1n : 0n;
      case ">=": return l >= r ? 1n : 0n;
      case "==": return l === r ? 1n : 0n;
      case "!=": return l !== r ? 1n : 0n;
      case "&": return l & r;
      case "^": return l ^ r;
      case "|": return l | r;
      case "**":
        if (r < 0n) throw this.errAt("exponent");
        return wrap(l ** r);
    }
    throw this.err("syntax");
  }

  private lastOperandStart = 0;

  private errAt(kind: ArithError["kind"]): ArithError {
    return new ArithError(kind, this.shown(), this.src.slice(this.lastOperandStart));
  }

  private power(live: boolean): bigint {
    const base = this.unary(live);
    if (this.isOp("**")) {
      this.next();
      const exp = this.power(live);
      return this.binary("**", base, exp, live);
    }
    return base;
  }

  private unary(live: boolean): bigint {
    const t = this.tok;
    if (t.k === "op") {
      if (t.v === "+" || t.v === "-" || t.v === "!" || t.v === "~") {
        this.next();
        const v = this.unary(live);
        return t.v === "+" ? v : t.v === "-" ? wrap(-v) : t.v === "!" ? (v === 0n ? 1n : 0n) : ~v;
      }
      if (t.v === "++" || t.v === "--") {
        this.next();
        if (this.tok.k !== "name") throw this.err("syntax");
        const name = this.tok.v;
        this.next();
        const v = wrap(this.varValue(name) + (t.v === "++" ? 1n : -1n));
        if (live) this.vars.set(name, v.toString());
        return v;
      }
    }
    return this.postfix(live);
  }

  private postfix(live: boolean): bigint {
    const t = this.tok;
    this.lastOperandStart = this.tokStart;
    if (t.k === "num") {
      this.next();
      return t.v;
    }
    if (t.k === "name") {
      this.next();
      if (this.isOp("++") || this.isOp("--")) {
        const inc = this.isOp("++") ? 1n : -1n;
        this.next();
        const v = this.varValue(t.v);
        if (live) this.vars.set(t.v, wrap(v + inc).toString());
        return v;
      }
      return this.varValue(t.v);
    }
    if (this.isOp("(")) {
      this.next();
      const v = this.comma(live);
      if (!this.isOp(")")) throw this.err("syntax");
      this.next();
      return v;
    }
    throw this.err("operand");
  }
}
