// A POSIX sh parser with the bash extensions people type, straight from the source text to
// ast.ts. Hand-written because sh's lexing depends on where it is (a word's quoting, here-docs
// read after the line, keywords only in command position); see POSIX XCU 2.3 and 2.10.
import type { Assign, CaseItem, Command, CondNode, List, Pipeline, Redir, Word, WordPart } from "./ast";

export type Dialect = "ash" | "bash" | "dash";

/** A syntax error. `eof`: the input ended inside a construct (more input may complete it). */
export class ParseError extends Error {
  constructor(
    readonly kind: "unexpected" | "eof" | "bad",
    /** The token found ("fi", "newline", ")"...) or, for "bad", the whole message. */
    readonly token: string,
    readonly line: number,
    /** The keyword expected (ash/dash print it), when one is. */
    readonly expecting?: string,
    /** For bash, the construct still open at end of file ("if"), and its line. */
    readonly open?: { word: string; line: number },
  ) {
    super(kind === "eof" ? "unexpected end of file" : `unexpected ${token}`);
  }
}

type Token =
  | { t: "word"; w: Word; raw: string; line: number }
  | { t: "op"; v: string; fd: number | null; line: number }
  | { t: "nl"; line: number }
  | { t: "eof"; line: number };

const OPERATORS = [";;&", "<<<", "<<-", "&>>", "&&", "||", ";;", ";&", "<<", ">>", "<&", ">&", "<>", ">|", "&>", "|&", ";", "&", "|", "(", ")", "<", ">"];
const REDIR_OPS = new Set(["<", ">", ">>", "<<", "<<-", "<<<", "<&", ">&", "<>", ">|", "&>", "&>>"]);
const KEYWORDS = new Set(["if", "then", "else", "elif", "fi", "do", "done", "case", "esac", "while", "until", "for", "in", "{", "}", "!", "[[", "]]", "function", "select", "time"]);
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function isName(s: string): boolean {
  return NAME.test(s);
}

/** The plain text of a word made only of unquoted literal text, else null (keywords, names). */
export function literalOf(w: Word): string | null {
  let s = "";
  for (const p of w.parts) {
    if (p.t !== "lit") return null;
    s += p.v;
  }
  return s;
}

interface PendingHeredoc {
  redir: Redir;
  delim: string;
  strip: boolean;
  quoted: boolean;
}

export class Parser {
  pos = 0;
  line: number;
  private heredocs: PendingHeredoc[] = [];
  private peeked: { pos: number; line: number; tok: Token; end: number; endLine: number } | null = null;
  /** Set while reading the inside of $( ): ")" ends it. */
  private depth = 0;

  constructor(
    readonly src: string,
    readonly dialect: Dialect,
    startLine = 1,
  ) {
    this.line = startLine;
  }

  get bash(): boolean {
    return this.dialect === "bash";
  }

  // -------------------------------------------------------------------------------------------
  // Top level

  /** The next complete command (a list up to a newline), or null at end of input. */
  parseOne(): List | null {
    this.skipNewlines();
    const t = this.peek();
    if (t.t === "eof") return null;
    const list = this.parseList(false);
    const end = this.peek();
    if (end.t === "nl") this.take();
    else if (end.t !== "eof") throw this.unexpected(end);
    return list;
  }

  /** A whole program (for command substitution bodies parsed from a string). */
  parseAll(): List {
    const out: List = [];
    for (;;) {
      const l = this.parseOne();
      if (!l) return out;
      out.push(...l);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Grammar

  /** and_or lists separated by ; & and (when multiline) newlines. Stops at a keyword/closer. */
  private parseList(multiline: boolean): List {
    const list: List = [];
    for (;;) {
      if (multiline) this.skipNewlines();
      const t = this.peek();
      if (this.endsList(t)) break;
      const andor = this.parseAndOr();
      const sep = this.peek();
      if (sep.t === "op" && (sep.v === ";" || sep.v === "&")) {
        this.take();
        list.push({ andor, bg: sep.v === "&" });
        continue;
      }
      list.push({ andor, bg: false });
      if (sep.t === "nl" && multiline) continue;
      break;
    }
    return list;
  }

  private endsList(t: Token): boolean {
    if (t.t === "eof" || t.t === "nl") return true;
    if (t.t === "op") return t.v === ")" || t.v === ";;" || t.v === ";&" || t.v === ";;&";
    const k = this.keyword(t);
    return k !== null && ["then", "else", "elif", "fi", "do", "done", "esac", "}", "in"].includes(k) && k !== "in";
  }

  private parseAndOr() {
    const head = this.parsePipeline();
    const rest: { op: "&&" | "||"; pipe: Pipeline }[] = [];
    for (;;) {
      const t = this.peek();
      if (t.t === "op" && (t.v === "&&" || t.v === "||")) {
        this.take();
        this.skipNewlines();
        rest.push({ op: t.v, pipe: this.parsePipeline() });
      } else break;
    }
    return { head, rest };
  }

  private parsePipeline(): Pipeline {
    const line = this.peek().line;
    let neg = false;
    let time = false;
    if (this.bash && this.keyword(this.peek()) === "time") {
      this.take();
      time = true;
    }
    while (this.keyword(this.peek()) === "!") {
      this.take();
      neg = !neg;
    }
    const cmds: Command[] = [this.parseCommand()];
    for (;;) {
      const t = this.peek();
      if (t.t === "op" && (t.v === "|" || (t.v === "|&" && this.bash))) {
        this.take();
        if (t.v === "|&") cmds[cmds.length - 1].redirs.push({ fd: 2, op: ">&", target: { parts: [{ t: "lit", v: "1" }] } });
        this.skipNewlines();
        cmds.push(this.parseCommand());
      } else break;
    }
    return { neg, cmds, line, time };
  }

  private parseCommand(): Command {
    const t = this.peek();
    const line = t.line;
    const k = this.keyword(t);
    let cmd: Command | null = null;
    if (t.t === "op" && t.v === "(" && this.bash && this.src.startsWith("((", this.peekStart())) {
      const save = this.pos;
      const saveLine = this.line;
      this.peeked = null;
      this.pos = this.peekStart() + 2;
      try {
        const inner = this.readUntilDoubleParen();
        cmd = { t: "arith", expr: this.arithWord(inner), redirs: [], line };
      } catch (e) {
        if (!(e instanceof ParseError) || e.kind === "eof") throw e;
        this.pos = save;
        this.line = saveLine;
      }
    }
    if (cmd) {
      // (( expr ))
    } else if (t.t === "op" && t.v === "(") {
      this.take();
      const body = this.parseList(true);
      this.expectOp(")");
      cmd = { t: "subshell", body, redirs: [], line };
    } else if (k === "{") {
      this.take();
      const body = this.parseList(true);
      this.expectKeyword("}");
      cmd = { t: "group", body, redirs: [], line };
    } else if (k === "if") cmd = this.parseIf();
    else if (k === "while" || k === "until") {
      this.take();
      const cond = this.parseList(true);
      this.expectKeyword("do");
      const body = this.parseList(true);
      this.expectKeyword("done");
      cmd = { t: "loop", until: k === "until", cond, body, redirs: [], line };
    } else if (k === "for") cmd = this.parseFor();
    else if (k === "case") cmd = this.parseCase();
    else if (k === "[[" && this.dialect !== "dash") cmd = this.parseCond();
    else if (k === "function" && this.dialect !== "dash") {
      this.take();
      const nameTok = this.take();
      const name = nameTok.t === "word" ? nameTok.raw : "";
      if (!name) throw this.unexpected(nameTok);
      const n = this.peek();
      if (n.t === "op" && n.v === "(") {
        this.take();
        this.expectOp(")");
      }
      cmd = this.parseFunctionBody(name, line, t);
    } else if (k !== null && ["then", "else", "elif", "fi", "do", "done", "esac", "}", "in", "]]"].includes(k)) {
      throw this.unexpected(t);
    } else if (t.t === "op" && !REDIR_OPS.has(t.v)) {
      throw this.unexpected(t);
    } else if (t.t === "eof" || t.t === "nl") {
      throw this.unexpected(t);
    }
    if (cmd) {
      this.parseRedirs(cmd.redirs);
      return cmd;
    }
    return this.parseSimple();
  }

  private parseFunctionBody(name: string, line: number, start: Token): Command {
    this.skipNewlines();
    const startPos = this.peekStart();
    const body = this.parseCommand();
    void start;
    return { t: "func", name, body, src: this.src.slice(startPos, this.pos), line, redirs: [] };
  }

  private peekStart(): number {
    this.peek();
    let p = this.pos;
    while (p < this.src.length && (this.src[p] === " " || this.src[p] === "\t")) p++;
    return p;
  }

  private parseIf(): Command {
    const line = this.take().line;
    const clauses: { cond: List; body: List }[] = [];
    let cond = this.parseList(true);
    this.expectKeyword("then", "if", line);
    let body = this.parseList(true);
    clauses.push({ cond, body });
    let els: List | null = null;
    for (;;) {
      const k = this.keyword(this.peek());
      if (k === "elif") {
        this.take();
        cond = this.parseList(true);
        this.expectKeyword("then", "if", line);
        body = this.parseList(true);
        clauses.push({ cond, body });
      } else if (k === "else") {
        this.take();
        els = this.parseList(true);
        this.expectKeyword("fi", "if", line);
        break;
      } else {
        this.expectKeyword("fi", "if", line);
        break;
      }
    }
    return { t: "if", clauses, else: els, redirs: [], line };
  }

  private parseFor(): Command {
    const line = this.take().line;
    if (this.bash && this.src.startsWith("((", this.skipBlanksFrom(this.pos))) {
      this.peeked = null;
      this.pos = this.skipBlanksFrom(this.pos) + 2;
      const inner = this.readUntilDoubleParen();
      const [init, cond, step] = splitTop(inner, ";");
      this.skipSeparators();
      const body = this.parseDoGroup(line);
      return { t: "cfor", init: this.arithWord(init ?? ""), cond: this.arithWord(cond ?? ""), step: this.arithWord(step ?? ""), body, redirs: [], line };
    }
    const nameTok = this.take();
    if (nameTok.t !== "word" || !isName(nameTok.raw)) {
      if (this.dialect === "bash") throw new ParseError("bad", `\`${nameTok.t === "word" ? nameTok.raw : "("}': not a valid identifier`, nameTok.line);
      throw new ParseError("bad", this.dialect === "dash" ? "Bad for loop variable" : "bad for loop variable", nameTok.line);
    }
    let words: Word[] | null = null;
    // "for x; do", "for x do", "for x in a b; do", newlines allowed before in/do
    const save = () => this.peek();
    let t = save();
    if (t.t === "op" && t.v === ";") {
      this.take();
    }
    this.skipNewlines();
    t = this.peek();
    if (this.keyword(t) === "in") {
      this.take();
      words = [];
      for (;;) {
        const w = this.peek();
        if (w.t !== "word") break;
        this.take();
        words.push(w.w);
      }
      const sep = this.peek();
      if (sep.t === "op" && sep.v === ";") this.take();
      else if (sep.t !== "nl") throw this.unexpected(sep);
    }
    this.skipNewlines();
    const body = this.parseDoGroup(line);
    return { t: "for", name: nameTok.raw, words, body, redirs: [], line };
  }

  private skipSeparators(): void {
    const t = this.peek();
    if (t.t === "op" && t.v === ";") this.take();
    this.skipNewlines();
  }

  private parseDoGroup(line: number): List {
    const t = this.peek();
    if (this.keyword(t) === "{") {
      this.take();
      const body = this.parseList(true);
      this.expectKeyword("}");
      return body;
    }
    this.expectKeyword("do", "for", line);
    const body = this.parseList(true);
    this.expectKeyword("done", "for", line);
    return body;
  }

  private parseCase(): Command {
    const line = this.take().line;
    const wt = this.take();
    if (wt.t !== "word") throw this.unexpected(wt);
    this.skipNewlines();
    this.expectKeyword("in", "case", line);
    const items: CaseItem[] = [];
    for (;;) {
      this.skipNewlines();
      let t = this.peek();
      if (this.keyword(t) === "esac") {
        this.take();
        break;
      }
      if (t.t === "eof") throw new ParseError("eof", "end of file", t.line, "esac", { word: "case", line });
      if (t.t === "op" && t.v === "(") {
        this.take();
        t = this.peek();
      }
      const patterns: Word[] = [];
      for (;;) {
        const p = this.take();
        if (p.t !== "word") throw this.unexpected(p);
        patterns.push(p.w);
        const n = this.peek();
        if (n.t === "op" && n.v === "|") {
          this.take();
          continue;
        }
        if (n.t === "op" && n.v === ")") {
          this.take();
          break;
        }
        throw this.unexpected(n, ")");
      }
      const body = this.parseList(true);
      const end = this.peek();
      let term = ";;";
      if (end.t === "op" && (end.v === ";;" || end.v === ";&" || end.v === ";;&")) {
        this.take();
        term = end.v;
      } else if (this.keyword(end) !== "esac") {
        if (end.t === "eof") throw new ParseError("eof", "end of file", end.line, "esac", { word: "case", line });
        throw this.unexpected(end);
      }
      items.push({ patterns, body, term });
    }
    return { t: "case", word: wt.w, items, redirs: [], line };
  }

  private parseCond(): Command {
    const line = this.take().line;
    const expr = this.condOr();
    const t = this.peek();
    if (this.keyword(t) !== "]]" && !(t.t === "word" && t.raw === "]]")) throw this.unexpected(t);
    this.take();
    return { t: "cond", expr, redirs: [], line };
  }

  private condOr(): CondNode {
    let l = this.condAnd();
    for (;;) {
      const t = this.peek();
      if (t.t === "op" && t.v === "||") {
        this.take();
        this.skipNewlines();
        l = { t: "or", l, r: this.condAnd() };
      } else return l;
    }
  }

  private condAnd(): CondNode {
    let l = this.condNot();
    for (;;) {
      const t = this.peek();
      if (t.t === "op" && t.v === "&&") {
        this.take();
        this.skipNewlines();
        l = { t: "and", l, r: this.condNot() };
      } else return l;
    }
  }

  private condNot(): CondNode {
    const t = this.peek();
    if (t.t === "word" && t.raw === "!") {
      this.take();
      return { t: "not", e: this.condNot() };
    }
    if (t.t === "op" && t.v === "(") {
      this.take();
      const e = this.condOr();
      this.expectOp(")");
      return e;
    }
    const a = this.condWord();
    if (/^-[a-zA-Z]$/.test(a.raw) && a.plain) {
      const n = this.peek();
      if (n.t === "word" && n.raw !== "]]") {
        this.take();
        return { t: "unary", op: a.raw, arg: n.w };
      }
    }
    const n = this.peek();
    const op = n.t === "word" ? n.raw : n.t === "op" && (n.v === "<" || n.v === ">") ? n.v : null;
    if (op && ["=", "==", "!=", "=~", "<", ">", "-eq", "-ne", "-lt", "-le", "-gt", "-ge", "-nt", "-ot", "-ef"].includes(op)) {
      this.take();
      const r = op === "=~" ? this.readRegexWord() : this.condWord().w;
      return { t: "binary", op, l: a.w, r };
    }
    return { t: "word", w: a.w };
  }

  private condWord(): { w: Word; raw: string; plain: boolean } {
    const t = this.take();
    if (t.t !== "word") throw this.unexpected(t);
    return { w: t.w, raw: t.raw, plain: literalOf(t.w) !== null };
  }

  /** The right side of =~: a word in which ( ) | are ordinary, up to blank at depth 0. */
  private readRegexWord(): Word {
    this.peeked = null;
    this.pos = this.skipBlanksFrom(this.pos);
    const parts: WordPart[] = [];
    let depth = 0;
    let lit = "";
    const flush = () => {
      if (lit) parts.push({ t: "lit", v: lit });
      lit = "";
    };
    while (this.pos < this.src.length) {
      const c = this.src[this.pos];
      if (depth === 0 && (c === " " || c === "\t" || c === "\n")) break;
      if (c === "(") depth++;
      if (c === ")") {
        if (depth === 0) break;
        depth--;
      }
      if (c === "'" || c === '"' || c === "\\" || c === "$") {
        flush();
        parts.push(...this.readWordPart());
        continue;
      }
      lit += c;
      this.pos++;
    }
    flush();
    return { parts };
  }

  private parseSimple(): Command {
    const line = this.peek().line;
    const assigns: Assign[] = [];
    const words: Word[] = [];
    const redirs: Redir[] = [];
    for (;;) {
      const t = this.peek();
      if (t.t === "op" && REDIR_OPS.has(t.v)) {
        redirs.push(this.parseRedir());
        continue;
      }
      if (t.t !== "word") break;
      if (words.length === 0) {
        const a = this.asAssignment(t);
        if (a) {
          assigns.push(a);
          continue;
        }
      }
      this.take();
      // name() { ...; }: a function definition
      if (words.length === 0 && assigns.length === 0 && redirs.length === 0) {
        const n = this.peek();
        if (n.t === "op" && n.v === "(" && /^[ \t]*\([ \t]*\)/.test(this.src.slice(this.pos))) {
          const name = t.raw;
          this.take();
          this.expectOp(")");
          return this.parseFunctionBody(name, line, t);
        }
      }
      words.push(t.w);
    }
    if (words.length === 0 && assigns.length === 0 && redirs.length === 0) throw this.unexpected(this.peek());
    return { t: "simple", assigns, words, redirs, line };
  }

  private asAssignment(t: Token & { t: "word" }): Assign | null {
    const first = t.w.parts[0];
    if (!first || first.t !== "lit") return null;
    const m = /^([A-Za-z_][A-Za-z0-9_]*)(\[[^\]]*\])?(\+?)=/.exec(first.v);
    if (!m) return null;
    if (m[2] && !this.bash) return null;
    if (m[3] && !this.bash) return null;
    this.take();
    const rest = first.v.slice(m[0].length);
    const parts: WordPart[] = rest ? [{ t: "lit", v: rest }, ...t.w.parts.slice(1)] : t.w.parts.slice(1);
    const index = m[2] ? this.subWord(m[2].slice(1, -1)) : undefined;
    // a=(1 2 3): an array (bash); the lexer stopped the word at "("
    if (this.bash && parts.length === 0 && this.src[this.pos] === "(") {
      this.peeked = null;
      this.pos++;
      const array: Word[] = [];
      for (;;) {
        this.skipNewlines();
        const n = this.peek();
        if (n.t === "op" && n.v === ")") {
          this.take();
          break;
        }
        if (n.t !== "word") throw this.unexpected(n);
        this.take();
        array.push(n.w);
      }
      return { name: m[1], index, value: null, array, append: m[3] === "+" };
    }
    return { name: m[1], index, value: { parts: tildeAfterColons(parts) }, append: m[3] === "+" };
  }

  private parseRedirs(into: Redir[]): void {
    for (;;) {
      const t = this.peek();
      if (t.t === "op" && REDIR_OPS.has(t.v)) into.push(this.parseRedir());
      else return;
    }
  }

  private parseRedir(): Redir {
    const op = this.take() as Token & { t: "op" };
    if ((op.v === "&>" || op.v === "&>>" || op.v === "<<<") && !this.bash) {
      // ash and dash read `cmd &>f` as `cmd &` then `>f`; rare enough to just accept as bash does
    }
    const target = this.take();
    if (target.t !== "word") throw this.unexpected(target);
    const r: Redir = { fd: op.fd, op: op.v, target: target.w };
    if (op.v === "<<" || op.v === "<<-") {
      const quoted = target.w.parts.some((p) => p.t !== "lit");
      const delim = wordText(target.w);
      this.heredocs.push({ redir: r, delim, strip: op.v === "<<-", quoted });
    }
    return r;
  }

  // -------------------------------------------------------------------------------------------
  // Tokens

  private keyword(t: Token): string | null {
    if (t.t !== "word") return null;
    if (t.w.parts.length !== 1 || t.w.parts[0].t !== "lit") return null;
    return KEYWORDS.has(t.raw) ? t.raw : null;
  }

  private expectKeyword(k: string, open?: string, openLine?: number): void {
    const t = this.peek();
    if (this.keyword(t) === k) {
      this.take();
      return;
    }
    if (t.t === "eof") throw new ParseError("eof", "end of file", t.line, k, open ? { word: open, line: openLine ?? t.line } : undefined);
    throw this.unexpected(t, k);
  }

  private expectOp(v: string): void {
    const t = this.peek();
    if (t.t === "op" && t.v === v) {
      this.take();
      return;
    }
    if (t.t === "eof") throw new ParseError("eof", "end of file", t.line, v);
    throw this.unexpected(t, v);
  }

  private unexpected(t: Token, expecting?: string): ParseError {
    if (t.t === "eof") return new ParseError("eof", "end of file", t.line, expecting);
    const name = t.t === "nl" ? "newline" : t.t === "op" ? t.v : t.raw;
    return new ParseError("unexpected", name, t.line, expecting);
  }

  private skipNewlines(): void {
    while (this.peek().t === "nl") this.take();
  }

  peek(): Token {
    if (this.peeked && this.peeked.pos === this.pos) return this.peeked.tok;
    const pos = this.pos;
    const line = this.line;
    const tok = this.lex();
    this.peeked = { pos, line, tok, end: this.pos, endLine: this.line };
    this.pos = pos;
    this.line = line;
    return tok;
  }

  private take(): Token {
    const t = this.peek();
    const p = this.peeked!;
    this.pos = p.end;
    this.line = p.endLine;
    this.peeked = null;
    if (t.t === "nl") this.readHeredocs();
    return t;
  }

  private skipBlanksFrom(p: number): number {
    for (;;) {
      const c = this.src[p];
      if (c === " " || c === "\t") p++;
      else if (c === "\\" && this.src[p + 1] === "\n") p += 2;
      else return p;
    }
  }

  private lex(): Token {
    let p = this.skipBlanksFrom(this.pos);
    while (this.src.startsWith("\\\n", p)) p = this.skipBlanksFrom(p + 2);
    if (this.src[p] === "#") {
      while (p < this.src.length && this.src[p] !== "\n") p++;
    }
    this.countLines(this.pos, p);
    this.pos = p;
    const line = this.line;
    if (p >= this.src.length) return { t: "eof", line };
    const c = this.src[p];
    if (c === "\n") {
      this.pos++;
      this.line++;
      return { t: "nl", line };
    }
    for (const op of OPERATORS) {
      if (this.src.startsWith(op, p)) {
        if ((op === ";;&" || op === ";&" || op === "|&" || op === "<<<") && !this.bash) continue;
        if ((op === "&>" || op === "&>>") && this.dialect === "dash") continue;
        this.pos = p + op.length;
        return { t: "op", v: op, fd: null, line };
      }
    }
    // n>file: an IO number
    const m = /^([0-9]+)(?=[<>])/.exec(this.src.slice(p, p + 12));
    if (m) {
      const rest = this.src.slice(p + m[1].length);
      for (const op of OPERATORS) {
        if (REDIR_OPS.has(op) && rest.startsWith(op) && !(op.startsWith("&"))) {
          if (op === "<<<" && !this.bash) continue;
          this.pos = p + m[1].length + op.length;
          return { t: "op", v: op, fd: Number(m[1]), line };
        }
      }
    }
    const start = p;
    const w = this.readWord();
    return { t: "word", w, raw: this.src.slice(start, this.pos), line };
  }

  private countLines(from: number, to: number): void {
    for (let i = from; i < to; i++) if (this.src[i] === "\n") this.line++;
  }

  private readHeredocs(): void {
    const docs = this.heredocs;
    this.heredocs = [];
    for (const h of docs) {
      let body = "";
      let found = false;
      while (this.pos < this.src.length) {
        let end = this.src.indexOf("\n", this.pos);
        const last = end < 0;
        if (last) end = this.src.length;
        let lineText = this.src.slice(this.pos, end);
        this.pos = last ? end : end + 1;
        this.line++;
        if (h.strip) lineText = lineText.replace(/^\t+/, "");
        if (lineText === h.delim) {
          found = true;
          break;
        }
        body += lineText + "\n";
      }
      if (!found && this.pos >= this.src.length && this.depth === 0) {
        // The document is still arriving (interactive) or the file ended without its delimiter:
        // the caller decides which (bash and ash accept an unterminated here-doc at real EOF).
        this.unterminatedHeredoc = true;
      }
      h.redir.heredoc = h.quoted ? { parts: [{ t: "sq", v: body }] } : this.heredocWord(body);
    }
  }

  /** Set when a here-document ran to the end of the input without its delimiter line. */
  unterminatedHeredoc = false;

  private heredocWord(body: string): Word {
    const sub = new Parser(body, this.dialect, this.line);
    return { parts: sub.readDqContent(null, true) };
  }

  // -------------------------------------------------------------------------------------------
  // Words

  private readWord(): Word {
    const parts: WordPart[] = [];
    let lit = "";
    const flush = () => {
      if (lit) parts.push({ t: "lit", v: lit });
      lit = "";
    };
    const atStart = this.pos;
    while (this.pos < this.src.length) {
      const c = this.src[this.pos];
      if (c === " " || c === "\t" || c === "\n" || c === ";" || c === "&" || c === "|" || c === "<" || c === ">") break;
      if (c === "(" || c === ")") {
        // bash's extglob-free words still stop at parens
        break;
      }
      if (c === "~" && this.pos === atStart) {
        const m = /^~([A-Za-z0-9_.-]*)(?=$|[\/\s;&|<>:)])/.exec(this.src.slice(this.pos));
        if (m) {
          flush();
          parts.push({ t: "tilde", user: m[1] });
          this.pos += m[0].length;
          continue;
        }
      }
      if (c === "\\" || c === "'" || c === '"' || c === "$" || c === "`") {
        if (c === "\\" && this.src[this.pos + 1] === "\n") {
          this.pos += 2;
          this.line++;
          continue;
        }
        if (c === "$" && !(this.bash ? /[{(A-Za-z_0-9@*#?$!'"-]/ : this.dialect === "ash" ? /[{(A-Za-z_0-9@*#?$!'-]/ : /[{(A-Za-z_0-9@*#?$!-]/).test(this.src[this.pos + 1] ?? "")) {
          lit += c;
          this.pos++;
          continue;
        }
        flush();
        parts.push(...this.readWordPart());
        continue;
      }
      lit += c;
      this.pos++;
    }
    flush();
    return { parts };
  }

  /** One quoted or expanded piece at this.pos (\x, '..', "..", $.., `..`). */
  private readWordPart(): WordPart[] {
    const c = this.src[this.pos];
    if (c === "\\") {
      const n = this.src[this.pos + 1];
      this.pos += 2;
      if (n === undefined) return [{ t: "lit", v: "\\" }];
      if (n === "\n") {
        this.line++;
        return [];
      }
      return [{ t: "sq", v: n }];
    }
    if (c === "'") {
      const end = this.src.indexOf("'", this.pos + 1);
      if (end < 0) throw new ParseError("eof", "end of file", this.line, "'");
      const v = this.src.slice(this.pos + 1, end);
      this.countLines(this.pos, end);
      this.pos = end + 1;
      return [{ t: "sq", v }];
    }
    if (c === '"') {
      this.pos++;
      const startLine = this.line;
      const parts = this.readDqContent('"', false);
      if (this.src[this.pos] !== '"') throw new ParseError("eof", "end of file", startLine, '"');
      this.pos++;
      return [{ t: "dq", parts }];
    }
    if (c === "`") return [this.readBackquote()];
    if (c === "$") {
      if (this.src[this.pos + 1] === "'" && this.dialect !== "dash") {
        this.pos += 2;
        return [{ t: "sq", v: this.readAnsiC() }];
      }
      if (this.src[this.pos + 1] === '"' && this.bash) {
        this.pos++;
        return this.readWordPart();
      }
      return [this.readDollar()];
    }
    this.pos++;
    return [{ t: "lit", v: c }];
  }

  /** Text inside double quotes (or a here-doc body, or an arithmetic expression) up to `end`. */
  readDqContent(end: string | null, heredoc: boolean): WordPart[] {
    const parts: WordPart[] = [];
    let lit = "";
    const flush = () => {
      if (lit) parts.push({ t: "sq", v: lit });
      lit = "";
    };
    while (this.pos < this.src.length) {
      const c = this.src[this.pos];
      if (end !== null && c === end) break;
      if (c === "\\") {
        const n = this.src[this.pos + 1];
        if (n === "$" || n === "`" || n === "\\" || (n === '"' && !heredoc) || n === "\n") {
          if (n !== "\n") lit += n;
          else this.line++;
          this.pos += 2;
          continue;
        }
        lit += c;
        this.pos++;
        continue;
      }
      if (c === "$" && /[{(A-Za-z_0-9@*#?$!-]/.test(this.src[this.pos + 1] ?? "")) {
        flush();
        parts.push(this.readDollar());
        continue;
      }
      if (c === "`") {
        flush();
        parts.push(this.readBackquote());
        continue;
      }
      if (c === "\n") this.line++;
      lit += c;
      this.pos++;
    }
    flush();
    return parts;
  }

  private readAnsiC(): string {
    let out = "";
    while (this.pos < this.src.length && this.src[this.pos] !== "'") {
      const c = this.src[this.pos];
      if (c !== "\\") {
        out += c;
        this.pos++;
        continue;
      }
      const n = this.src[this.pos + 1];
      this.pos += 2;
      const simple: Record<string, string> = { n: "\n", t: "\t", r: "\r", a: "\x07", b: "\b", e: "\x1b", E: "\x1b", f: "\f", v: "\v", "\\": "\\", "'": "'", '"': '"', "?": "?" };
      if (n in simple) out += simple[n];
      else if (n === "x") {
        const m = /^[0-9a-fA-F]{1,2}/.exec(this.src.slice(this.pos));
        if (m) {
          out += String.fromCharCode(parseInt(m[0], 16));
          this.pos += m[0].length;
        } else out += "\\x";
      } else if (/[0-7]/.test(n)) {
        const m = /^[0-7]{0,2}/.exec(this.src.slice(this.pos))!;
        out += String.fromCharCode(parseInt(n + m[0], 8));
        this.pos += m[0].length;
      } else if (n === "u" || n === "U") {
        const m = new RegExp(`^[0-9a-fA-F]{1,${n === "u" ? 4 : 8}}`).exec(this.src.slice(this.pos));
        if (m) {
          out += String.fromCodePoint(parseInt(m[0], 16));
          this.pos += m[0].length;
        } else out += "\\" + n;
      } else out += "\\" + (n ?? "");
    }
    if (this.pos >= this.src.length) throw new ParseError("eof", "end of file", this.line, "'");
    this.pos++;
    return out;
  }

  private readBackquote(): WordPart {
    const startLine = this.line;
    this.pos++;
    let inner = "";
    while (this.pos < this.src.length && this.src[this.pos] !== "`") {
      const c = this.src[this.pos];
      if (c === "\\" && "$`\\".includes(this.src[this.pos + 1] ?? "")) {
        inner += this.src[this.pos + 1];
        this.pos += 2;
        continue;
      }
      if (c === "\n") this.line++;
      inner += c;
      this.pos++;
    }
    if (this.pos >= this.src.length) throw new ParseError("eof", "end of file", startLine, "`");
    this.pos++;
    const sub = new Parser(inner, this.dialect, startLine);
    sub.depth = 1;
    return { t: "cmd", body: sub.parseAll(), src: inner };
  }

  private readDollar(): WordPart {
    const s = this.src;
    const n = s[this.pos + 1];
    if (n === "(") {
      if (s[this.pos + 2] === "(") {
        const save = this.pos;
        const saveLine = this.line;
        this.pos += 3;
        try {
          const inner = this.readUntilDoubleParen();
          return { t: "arith", expr: this.arithWord(inner) };
        } catch (e) {
          if (!(e instanceof ParseError) || e.kind === "eof") throw e;
          this.pos = save;
          this.line = saveLine;
        }
      }
      this.pos += 2;
      const start = this.pos;
      this.depth++;
      this.peeked = null;
      const body: List = [];
      for (;;) {
        this.skipNewlines();
        const t = this.peek();
        if (t.t === "op" && t.v === ")") break;
        if (t.t === "eof") throw new ParseError("eof", "end of file", t.line, ")");
        body.push(...this.parseList(true));
        const e = this.peek();
        if (e.t === "op" && e.v === ")") break;
        if (e.t !== "nl") throw this.unexpected(e);
      }
      const src = s.slice(start, this.pos);
      this.take();
      this.depth--;
      return { t: "cmd", body, src };
    }
    if (n === "{") {
      const start = this.pos + 2;
      this.pos += 2;
      return this.readBraceParam(start);
    }
    if (n !== undefined && /[A-Za-z_]/.test(n)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(s.slice(this.pos + 1))!;
      this.pos += 1 + m[0].length;
      return { t: "param", name: m[0] };
    }
    if (n !== undefined && /[0-9@*#?$!-]/.test(n)) {
      this.pos += 2;
      return { t: "param", name: n };
    }
    this.pos++;
    return { t: "lit", v: "$" };
  }

  private readBraceParam(start: number): WordPart {
    const s = this.src;
    const p: WordPart & { t: "param" } = { t: "param", name: "" };
    const bad = (): never => {
      let e = s.indexOf("}", this.pos);
      if (e < 0) throw new ParseError("eof", "end of file", this.line, "}");
      this.pos = e + 1;
      throw new BadSubstitution("${" + s.slice(start, e) + "}");
    };
    if (s[this.pos] === "#" && /[A-Za-z_0-9@*#?$!]/.test(s[this.pos + 1] ?? "")) {
      p.length = true;
      this.pos++;
    } else if (s[this.pos] === "!" && this.bash && /[A-Za-z_]/.test(s[this.pos + 1] ?? "")) {
      p.indirect = true;
      this.pos++;
    }
    const m = /^([A-Za-z_][A-Za-z0-9_]*|[0-9]+|[@*#?$!0-])/.exec(s.slice(this.pos));
    if (!m) return bad();
    p.name = m[1];
    this.pos += m[1].length;
    if (p.indirect && /^[*@]\}/.test(s.slice(this.pos))) {
      // ${!prefix*}: the names of the variables that start with prefix
      p.op = "!" + s[this.pos];
      this.pos += 2;
      p.src = s.slice(start, this.pos - 1);
      return p;
    }
    if (s[this.pos] === "[" && this.bash) {
      const e = s.indexOf("]", this.pos);
      if (e < 0) return bad();
      p.index = this.subWord(s.slice(this.pos + 1, e));
      this.pos = e + 1;
    }
    if (s[this.pos] === "}") {
      this.pos++;
      p.src = s.slice(start, this.pos - 1);
      return p;
    }
    if (p.length) return bad();
    // busybox ash has bash's substrings and replacements, not its case changes
    const ops = this.bash
      ? [":-", ":=", ":+", ":?", "##", "%%", "//", "/#", "/%", "^^", ",,", "-", "=", "+", "?", "#", "%", "/", ":", "^", ","]
      : this.dialect === "ash"
        ? [":-", ":=", ":+", ":?", "##", "%%", "//", "/#", "/%", "-", "=", "+", "?", "#", "%", "/", ":"]
        : [":-", ":=", ":+", ":?", "##", "%%", "-", "=", "+", "?", "#", "%"];
    const op = ops.find((o) => s.startsWith(o, this.pos));
    if (!op) return bad();
    this.pos += op.length;
    p.op = op;
    if (op === ":") {
      const off = this.readRawUntil([":", "}"]);
      p.arg = this.arithWord(off);
      if (s[this.pos] === ":") {
        this.pos++;
        p.arg2 = this.arithWord(this.readRawUntil(["}"]));
      }
    } else if (op.startsWith("/")) {
      p.arg = { parts: this.readParamArg(["/", "}"]) };
      if (s[this.pos] === "/") {
        this.pos++;
        p.arg2 = { parts: this.readParamArg(["}"]) };
      }
    } else {
      p.arg = { parts: this.readParamArg(["}"]) };
    }
    if (s[this.pos] !== "}") throw new ParseError("eof", "end of file", this.line, "}");
    this.pos++;
    p.src = s.slice(start, this.pos - 1);
    return p;
  }

  /** A ${x-word} argument: quotes and expansions as in a word, blanks literal, up to a stop char. */
  private readParamArg(stops: string[]): WordPart[] {
    const parts: WordPart[] = [];
    let lit = "";
    const flush = () => {
      if (lit) parts.push({ t: "lit", v: lit });
      lit = "";
    };
    let depth = 0;
    while (this.pos < this.src.length) {
      const c = this.src[this.pos];
      if (depth === 0 && stops.includes(c)) break;
      if (c === "{") depth++;
      if (c === "}") depth--;
      if (c === "\\" || c === "'" || c === '"' || c === "$" || c === "`") {
        flush();
        parts.push(...this.readWordPart());
        continue;
      }
      if (c === "\n") this.line++;
      lit += c;
      this.pos++;
    }
    flush();
    return parts;
  }

  private readRawUntil(stops: string[]): string {
    let depth = 0;
    const start = this.pos;
    while (this.pos < this.src.length) {
      const c = this.src[this.pos];
      if (depth === 0 && stops.includes(c)) break;
      if (c === "(" || c === "{") depth++;
      if (c === ")" || c === "}") depth--;
      this.pos++;
    }
    return this.src.slice(start, this.pos);
  }

  /** After "((": the text up to the matching "))". */
  private readUntilDoubleParen(): string {
    let depth = 0;
    const start = this.pos;
    while (this.pos < this.src.length) {
      const c = this.src[this.pos];
      if (c === "(") depth++;
      else if (c === ")") {
        if (depth === 0) {
          if (this.src[this.pos + 1] === ")") {
            const inner = this.src.slice(start, this.pos);
            this.pos += 2;
            return inner;
          }
          throw new ParseError("unexpected", ")", this.line);
        }
        depth--;
      } else if (c === "\n") this.line++;
      this.pos++;
    }
    throw new ParseError("eof", "end of file", this.line, "))");
  }

  /** An arithmetic expression's text as a word: $x, $(..) and quotes expand, the rest is literal. */
  arithWord(text: string): Word {
    const sub = new Parser(text, this.dialect, this.line);
    const parts: WordPart[] = [];
    while (sub.pos < text.length) {
      const c = text[sub.pos];
      if (c === "$" || c === "`" || c === "'" || c === '"' || c === "\\") parts.push(...sub.readWordPart());
      else {
        const last = parts[parts.length - 1];
        if (last && last.t === "sq") last.v += c;
        else parts.push({ t: "sq", v: c });
        sub.pos++;
      }
    }
    return { parts };
  }

  /** A word parsed from a string in double-quote-like mode (array subscripts). */
  private subWord(text: string): Word {
    if (text === "@" || text === "*") return { parts: [{ t: "lit", v: text }] };
    return this.arithWord(text);
  }
}

/** ${x} errors found while parsing that the shell reports when it runs the command. */
export class BadSubstitution extends Error {
  constructor(readonly text: string) {
    super(`${text}: bad substitution`);
  }
}

/** In assignments, ~ after ":" expands too (PATH=~/bin:~/sbin). */
function tildeAfterColons(parts: WordPart[]): WordPart[] {
  const out: WordPart[] = [];
  parts.forEach((p, i) => {
    if (p.t !== "lit") {
      out.push(p);
      return;
    }
    const segs = p.v.split(":");
    segs.forEach((seg, j) => {
      if (j > 0) out.push({ t: "lit", v: ":" });
      const m = /^~([A-Za-z0-9_.-]*)(?=$|\/)/.exec(seg);
      const atWordStart = j > 0 || (i === 0 && j === 0);
      if (m && atWordStart && (j > 0 || i === 0)) {
        out.push({ t: "tilde", user: m[1] });
        if (seg.length > m[0].length) out.push({ t: "lit", v: seg.slice(m[0].length) });
      } else if (seg) out.push({ t: "lit", v: seg });
    });
  });
  return out;
}

/** The text of a word with its quotes removed (here-doc delimiters). */
export function wordText(w: Word): string {
  let s = "";
  for (const p of w.parts) {
    if (p.t === "lit" || p.t === "sq") s += p.v;
    else if (p.t === "dq") s += wordText({ parts: p.parts });
    else if (p.t === "tilde") s += "~" + p.user;
    else if (p.t === "param") s += "$" + (p.src !== undefined ? `{${p.src}}` : p.name);
  }
  return s;
}

function splitTop(s: string, sep: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = "";
  for (const c of s) {
    if (c === "(") depth++;
    if (c === ")") depth--;
    if (c === sep && depth === 0) {
      out.push(cur);
      cur = "";
    } else cur += c;
  }
  out.push(cur);
  return out;
}
