// awk's grammar (POSIX, with the common gawk/busybox extensions): items, statements and
// expressions by precedence, into a small tree the interpreter walks.
import { AwkSyntaxError, type Tok, lex } from "./lexer";

export type Expr =
  | { k: "num"; v: number }
  | { k: "str"; v: string }
  | { k: "re"; v: string }
  | { k: "var"; name: string }
  | { k: "idx"; name: string; subs: Expr[] }
  | { k: "field"; e: Expr }
  | { k: "assign"; op: string; target: Expr; e: Expr }
  | { k: "cond"; c: Expr; a: Expr; b: Expr }
  | { k: "or" | "and"; a: Expr; b: Expr }
  | { k: "in"; subs: Expr[]; name: string }
  | { k: "match"; neg: boolean; a: Expr; re: Expr }
  | { k: "bin"; op: string; a: Expr; b: Expr }
  | { k: "un"; op: string; e: Expr }
  | { k: "incdec"; op: string; prefix: boolean; target: Expr }
  | { k: "call"; name: string; args: Expr[] }
  | { k: "builtin"; name: string; args: Expr[] }
  | { k: "getline"; target?: Expr; file?: Expr; cmd?: Expr }
  | { k: "group"; list: Expr[] };

export type Stmt =
  | { k: "print"; printf: boolean; args: Expr[]; redir?: { op: string; e: Expr } }
  | { k: "if"; c: Expr; a: Stmt; b?: Stmt }
  | { k: "while"; c: Expr; body: Stmt }
  | { k: "do"; body: Stmt; c: Expr }
  | { k: "for"; init?: Stmt; c?: Expr; step?: Stmt; body: Stmt }
  | { k: "forin"; v: Expr; arr: string; body: Stmt }
  | { k: "block"; body: Stmt[] }
  | { k: "expr"; e: Expr }
  | { k: "next" | "nextfile" | "break" | "continue" }
  | { k: "exit" | "return"; e?: Expr }
  | { k: "delete"; name: string; subs?: Expr[] };

export interface Item {
  kind: "begin" | "end" | "main";
  pattern?: Expr;
  range?: Expr;
  body?: Stmt[];
}

export interface Program {
  items: Item[];
  funcs: Map<string, { params: string[]; body: Stmt[] }>;
  usesGetline: boolean;
}

export function parse(src: string): Program {
  const toks = lex(src);
  let p = 0;
  const prog: Program = { items: [], funcs: new Map(), usesGetline: false };
  const peek = (o = 0): Tok => toks[Math.min(p + o, toks.length - 1)];
  const isOp = (v: string, t = peek()) => t.t === "op" && t.v === v;
  const isKw = (v: string, t = peek()) => t.t === "kw" && t.v === v;
  const fail = (): never => {
    const t = peek();
    const what = t.t === "eof" ? "end of file" : t.t === "nl" ? "newline" : String((t as { v: unknown }).v);
    throw new AwkSyntaxError(`syntax error at source line 1: unexpected ${what}`);
  };
  const expectOp = (v: string) => {
    if (!isOp(v)) fail();
    p++;
  };
  const nls = () => {
    while (peek().t === "nl") p++;
  };
  const optNls = nls;
  const terms = () => {
    while (peek().t === "nl" || isOp(";")) p++;
  };

  const isLvalue = (e: Expr) => e.k === "var" || e.k === "idx" || e.k === "field";

  function primary(noIn: boolean): Expr {
    const t = peek();
    if (t.t === "num") {
      p++;
      return { k: "num", v: t.v };
    }
    if (t.t === "str") {
      p++;
      return { k: "str", v: t.v };
    }
    if (t.t === "ere") {
      p++;
      return { k: "re", v: t.v };
    }
    if (isOp("$")) {
      p++;
      // $ binds tighter than ++/-- and ^: $i++ is ($i)++, $NF-1 is ($NF)-1.
      let e: Expr;
      if (isOp("++") || isOp("--")) {
        const op = (peek() as { v: string }).v;
        p++;
        e = { k: "incdec", op, prefix: true, target: primary(noIn) };
      } else if (isOp("-") || isOp("+") || isOp("!")) {
        const op = (peek() as { v: string }).v;
        p++;
        e = { k: "un", op, e: primary(noIn) };
      } else e = primary(noIn);
      return { k: "field", e };
    }
    if (isOp("(")) {
      p++;
      const list = [expr(false)];
      while (isOp(",")) {
        p++;
        optNls();
        list.push(expr(false));
      }
      expectOp(")");
      if (list.length > 1) {
        if (isKw("in")) {
          p++;
          const n = peek();
          if (n.t !== "name") fail();
          p++;
          return { k: "in", subs: list, name: (n as { v: string }).v };
        }
        return { k: "group", list };
      }
      return { k: "group", list };
    }
    if (isOp("-") || isOp("+") || isOp("!")) {
      const op = (t as { v: string }).v;
      p++;
      return { k: "un", op, e: unaryOperand(noIn) };
    }
    if (isOp("++") || isOp("--")) {
      const op = (t as { v: string }).v;
      p++;
      const target = primary(noIn);
      if (!isLvalue(target)) fail();
      return { k: "incdec", op, prefix: true, target };
    }
    if (t.t === "name") {
      p++;
      if (isOp("[")) {
        p++;
        const subs = [expr(false)];
        while (isOp(",")) {
          p++;
          subs.push(expr(false));
        }
        expectOp("]");
        return { k: "idx", name: t.v, subs };
      }
      return { k: "var", name: t.v };
    }
    if (t.t === "func") {
      p++;
      expectOp("(");
      const args: Expr[] = [];
      if (!isOp(")")) {
        args.push(expr(false));
        while (isOp(",")) {
          p++;
          optNls();
          args.push(expr(false));
        }
      }
      expectOp(")");
      return { k: "call", name: t.v, args };
    }
    if (t.t === "builtin") {
      p++;
      const args: Expr[] = [];
      if (isOp("(")) {
        p++;
        if (!isOp(")")) {
          args.push(expr(false));
          while (isOp(",")) {
            p++;
            optNls();
            args.push(expr(false));
          }
        }
        expectOp(")");
      } else if (t.v !== "length") fail();
      return { k: "builtin", name: t.v, args };
    }
    if (isKw("getline")) {
      p++;
      prog.usesGetline = true;
      const g: Expr & { k: "getline" } = { k: "getline" };
      if (peek().t === "name" || isOp("$")) g.target = primary(noIn);
      if (isOp("<")) {
        p++;
        g.file = primary(noIn);
      }
      return g;
    }
    return fail();
  }

  function postfix(noIn: boolean): Expr {
    const e = primary(noIn);
    if ((isOp("++") || isOp("--")) && isLvalue(e)) {
      const op = (peek() as { v: string }).v;
      p++;
      return { k: "incdec", op, prefix: false, target: e };
    }
    return e;
  }

  function power(noIn: boolean): Expr {
    const base = postfix(noIn);
    if (isOp("^")) {
      p++;
      // Right-associative, and -x on its right: 2^-1.
      const exp = isOp("-") || isOp("+") || isOp("!") ? primary(noIn) : power(noIn);
      return { k: "bin", op: "^", a: base, b: exp };
    }
    return base;
  }

  function unaryOperand(noIn: boolean): Expr {
    return power(noIn);
  }

  function unary(noIn: boolean): Expr {
    if (isOp("-") || isOp("+") || isOp("!")) {
      const op = (peek() as { v: string }).v;
      p++;
      return { k: "un", op, e: unary(noIn) };
    }
    return power(noIn);
  }

  function multiplicative(noIn: boolean): Expr {
    let a = unary(noIn);
    while (isOp("*") || isOp("/") || isOp("%")) {
      const op = (peek() as { v: string }).v;
      p++;
      a = { k: "bin", op, a, b: unary(noIn) };
    }
    return a;
  }

  function additive(noIn: boolean): Expr {
    let a = multiplicative(noIn);
    while (isOp("+") || isOp("-")) {
      const op = (peek() as { v: string }).v;
      p++;
      a = { k: "bin", op, a, b: multiplicative(noIn) };
    }
    return a;
  }

  const startsOperand = (t: Tok) =>
    t.t === "num" || t.t === "str" || t.t === "ere" || t.t === "name" || t.t === "func" || t.t === "builtin" || (t.t === "op" && ["$", "!", "(", "-", "+", "++", "--"].includes(t.v)) || (t.t === "kw" && t.v === "getline");

  function concat(noIn: boolean, noGt: boolean): Expr {
    let a = additive(noIn);
    for (;;) {
      const t = peek();
      if (isOp("|") && isKw("getline", peek(1))) {
        p += 2;
        prog.usesGetline = true;
        const g: Expr & { k: "getline" } = { k: "getline", cmd: a };
        if (peek().t === "name" || isOp("$")) g.target = primary(noIn);
        a = g;
        continue;
      }
      // "a -1" is subtraction, handled above; a leading - or + here cannot start a concatenation.
      if (!startsOperand(t) || (t.t === "op" && (t.v === "-" || t.v === "+")) || (noIn && isKw("in"))) break;
      if (t.t === "kw" && t.v === "in") break;
      a = { k: "bin", op: " ", a, b: additive(noIn) };
    }
    void noGt;
    return a;
  }

  function comparison(noIn: boolean, noGt: boolean): Expr {
    const a = concat(noIn, noGt);
    const t = peek();
    if (t.t === "op" && ["<", "<=", "==", "!=", ">=", ">"].includes(t.v) && !(noGt && t.v === ">")) {
      p++;
      return { k: "bin", op: t.v, a, b: concat(noIn, noGt) };
    }
    return a;
  }

  function matching(noIn: boolean, noGt: boolean): Expr {
    let a = comparison(noIn, noGt);
    while (isOp("~") || isOp("!~")) {
      const neg = (peek() as { v: string }).v === "!~";
      p++;
      a = { k: "match", neg, a, re: comparison(noIn, noGt) };
    }
    return a;
  }

  function inExpr(noIn: boolean, noGt: boolean): Expr {
    let a = matching(noIn, noGt);
    while (!noIn && isKw("in")) {
      p++;
      const n = peek();
      if (n.t !== "name") fail();
      p++;
      a = { k: "in", subs: a.k === "group" ? a.list : [a], name: (n as { v: string }).v };
    }
    return a;
  }

  function and(noIn: boolean, noGt: boolean): Expr {
    let a = inExpr(noIn, noGt);
    while (isOp("&&")) {
      p++;
      nls();
      a = { k: "and", a, b: inExpr(noIn, noGt) };
    }
    return a;
  }

  function or(noIn: boolean, noGt: boolean): Expr {
    let a = and(noIn, noGt);
    while (isOp("||")) {
      p++;
      nls();
      a = { k: "or", a, b: and(noIn, noGt) };
    }
    return a;
  }

  function ternary(noIn: boolean, noGt: boolean): Expr {
    const c = or(noIn, noGt);
    if (isOp("?")) {
      p++;
      nls();
      const a = ternary(noIn, noGt);
      nls();
      expectOp(":");
      nls();
      return { k: "cond", c, a, b: ternary(noIn, noGt) };
    }
    return c;
  }

  function expr(noIn: boolean, noGt = false): Expr {
    const lhs = ternary(noIn, noGt);
    const t = peek();
    if (t.t === "op" && ["=", "+=", "-=", "*=", "/=", "%=", "^="].includes(t.v) && isLvalue(lhs)) {
      p++;
      nls();
      return { k: "assign", op: t.v, target: lhs, e: expr(noIn, noGt) };
    }
    return lhs;
  }

  function simpleStatement(): Stmt {
    const t = peek();
    if (isKw("print") || isKw("printf")) {
      p++;
      const s: Stmt & { k: "print" } = { k: "print", printf: (t as { v: string }).v === "printf", args: [] };
      const endsList = () => peek().t === "nl" || peek().t === "eof" || isOp(";") || isOp("}") || isOp(">") || isOp(">>") || isOp("|");
      if (!endsList()) {
        s.args.push(expr(false, true));
        while (isOp(",")) {
          p++;
          nls();
          s.args.push(expr(false, true));
        }
        if (s.args.length === 1 && s.args[0].k === "group") s.args = s.args[0].list;
      }
      if (isOp(">") || isOp(">>") || isOp("|")) {
        const op = (peek() as { v: string }).v;
        p++;
        s.redir = { op, e: concat(false, true) };
      }
      return s;
    }
    if (isKw("next") || isKw("nextfile") || isKw("break") || isKw("continue")) {
      p++;
      return { k: (t as { v: string }).v as "next" };
    }
    if (isKw("exit") || isKw("return")) {
      p++;
      const s: Stmt = { k: (t as { v: string }).v as "exit" };
      if (!(peek().t === "nl" || peek().t === "eof" || isOp(";") || isOp("}"))) s.e = expr(false);
      return s;
    }
    if (isKw("delete")) {
      p++;
      const n = peek();
      if (n.t !== "name") fail();
      p++;
      if (isOp("[")) {
        p++;
        const subs = [expr(false)];
        while (isOp(",")) {
          p++;
          subs.push(expr(false));
        }
        expectOp("]");
        return { k: "delete", name: (n as { v: string }).v, subs };
      }
      return { k: "delete", name: (n as { v: string }).v };
    }
    return { k: "expr", e: expr(false) };
  }

  function statement(): Stmt {
    nls();
    if (isOp("{")) {
      p++;
      const body = block();
      return { k: "block", body };
    }
    if (isKw("if")) {
      p++;
      expectOp("(");
      const c = expr(false);
      expectOp(")");
      const a = statement();
      const save = p;
      terms();
      if (isKw("else")) {
        p++;
        return { k: "if", c, a, b: statement() };
      }
      p = save;
      return { k: "if", c, a };
    }
    if (isKw("while")) {
      p++;
      expectOp("(");
      const c = expr(false);
      expectOp(")");
      if (isOp(";")) {
        p++;
        return { k: "while", c, body: { k: "block", body: [] } };
      }
      return { k: "while", c, body: statement() };
    }
    if (isKw("do")) {
      p++;
      const body = statement();
      terms();
      if (!isKw("while")) fail();
      p++;
      expectOp("(");
      const c = expr(false);
      expectOp(")");
      return { k: "do", body, c };
    }
    if (isKw("for")) {
      p++;
      expectOp("(");
      if (peek().t === "name" && isKw("in", peek(1)) && isOp(")", peek(3))) {
        const v: Expr = { k: "var", name: (peek() as { v: string }).v };
        const arr = (peek(2) as { v: string }).v;
        p += 4;
        return { k: "forin", v, arr, body: statement() };
      }
      if (isOp("(") && peek(1).t === "name" && isKw("in", peek(3))) {
        // for ((k) in a) is not awk; fall through to the C form.
      }
      const init = isOp(";") ? undefined : simpleStatement();
      expectOp(";");
      nls();
      const c = isOp(";") ? undefined : expr(false);
      expectOp(";");
      nls();
      const step = isOp(")") ? undefined : simpleStatement();
      expectOp(")");
      if (isOp(";")) {
        p++;
        return { k: "for", init, c, step, body: { k: "block", body: [] } };
      }
      return { k: "for", init, c, step, body: statement() };
    }
    if (isOp(";")) {
      p++;
      return { k: "block", body: [] };
    }
    const s = simpleStatement();
    if (!(peek().t === "nl" || peek().t === "eof" || isOp(";") || isOp("}"))) fail();
    if (isOp(";")) p++;
    return s;
  }

  function block(): Stmt[] {
    const body: Stmt[] = [];
    terms();
    while (!isOp("}")) {
      if (peek().t === "eof") fail();
      body.push(statement());
      terms();
    }
    p++;
    return body;
  }

  terms();
  while (peek().t !== "eof") {
    if (isKw("BEGIN") || isKw("END")) {
      const kind = (peek() as { v: string }).v === "BEGIN" ? "begin" : "end";
      p++;
      nls();
      if (!isOp("{")) fail();
      p++;
      prog.items.push({ kind, body: block() });
    } else if (isKw("function")) {
      p++;
      const n = peek();
      if (n.t !== "name" && n.t !== "func") fail();
      p++;
      expectOp("(");
      const params: string[] = [];
      while (!isOp(")")) {
        const a = peek();
        if (a.t !== "name") fail();
        params.push((a as { v: string }).v);
        p++;
        if (isOp(",")) {
          p++;
          nls();
        }
      }
      p++;
      nls();
      expectOp("{");
      prog.funcs.set((n as { v: string }).v, { params, body: block() });
    } else {
      const item: Item = { kind: "main" };
      if (!isOp("{")) {
        item.pattern = expr(false);
        if (isOp(",")) {
          p++;
          nls();
          item.range = expr(false);
        }
      }
      if (isOp("{")) {
        p++;
        item.body = block();
      }
      prog.items.push(item);
    }
    terms();
  }
  return prog;
}
