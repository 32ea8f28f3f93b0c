// awk's tokens. A "/" starts a regex unless it follows an operand; newlines are tokens (they end
// statements) except after tokens that continue a line.

export type Tok =
  | { t: "num"; v: number }
  | { t: "str"; v: string }
  | { t: "ere"; v: string }
  | { t: "name"; v: string }
  | { t: "func"; v: string }
  | { t: "builtin"; v: string }
  | { t: "kw"; v: string }
  | { t: "op"; v: string }
  | { t: "nl" }
  | { t: "eof" };

const KEYWORDS = new Set(["BEGIN", "END", "function", "func", "if", "else", "while", "for", "do", "break", "continue", "next", "nextfile", "exit", "return", "delete", "in", "getline", "print", "printf"]);
const BUILTINS = new Set(["length", "substr", "index", "split", "sub", "gsub", "match", "sprintf", "toupper", "tolower", "int", "sqrt", "exp", "log", "sin", "cos", "atan2", "rand", "srand", "system", "close", "fflush", "systime", "strftime"]);
const OPS = ["+=", "-=", "*=", "/=", "%=", "^=", "**=", "==", "<=", ">=", "!=", "++", "--", "&&", "||", ">>", "!~", "**", "{", "}", "(", ")", "[", "]", ";", ",", "+", "-", "*", "/", "%", "^", "!", ">", "<", "|", "?", ":", "~", "$", "="];

export class AwkSyntaxError extends Error {}

export function lex(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  const prevIsOperand = () => {
    const p = out[out.length - 1];
    if (!p) return false;
    return p.t === "num" || p.t === "str" || p.t === "name" || p.t === "builtin" || p.t === "ere" || (p.t === "op" && (p.v === ")" || p.v === "]" || p.v === "$" || p.v === "++" || p.v === "--"));
  };
  while (i < src.length) {
    const c = src[i];
    if (c === " " || c === "\t" || c === "\r") {
      i++;
      continue;
    }
    if (c === "\\" && src[i + 1] === "\n") {
      i += 2;
      continue;
    }
    if (c === "#") {
      while (i < src.length && src[i] !== "\n") i++;
      continue;
    }
    if (c === "\n") {
      out.push({ t: "nl" });
      i++;
      continue;
    }
    if (/[0-9]/.test(c) || (c === "." && /[0-9]/.test(src[i + 1] ?? ""))) {
      const m = /^(0[xX][0-9a-fA-F]+|\d*\.?\d*(?:[eE][+-]?\d+)?)/.exec(src.slice(i))!;
      out.push({ t: "num", v: Number(m[0]) });
      i += m[0].length;
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i))!;
      const w = m[0];
      i += w.length;
      if (KEYWORDS.has(w)) out.push({ t: "kw", v: w === "func" ? "function" : w });
      else if (BUILTINS.has(w)) out.push({ t: "builtin", v: w });
      else if (src[i] === "(") out.push({ t: "func", v: w });
      else out.push({ t: "name", v: w });
      continue;
    }
    if (c === '"') {
      let s = "";
      i++;
      while (i < src.length && src[i] !== '"') {
        if (src[i] === "\\" && i + 1 < src.length) {
          const n = src[i + 1];
          const map: Record<string, string> = { n: "\n", t: "\t", r: "\r", "\\": "\\", '"': '"', "/": "/", a: "\x07", b: "\b", f: "\f", v: "\v" };
          if (map[n] !== undefined) {
            s += map[n];
            i += 2;
          } else if (/[0-7]/.test(n)) {
            const m = /^[0-7]{1,3}/.exec(src.slice(i + 1))!;
            s += String.fromCharCode(Number.parseInt(m[0], 8));
            i += 1 + m[0].length;
          } else {
            s += `\\${n}`;
            i += 2;
          }
          continue;
        }
        if (src[i] === "\n") throw new AwkSyntaxError("unterminated string");
        s += src[i++];
      }
      if (i >= src.length) throw new AwkSyntaxError("unterminated string");
      i++;
      out.push({ t: "str", v: s });
      continue;
    }
    if (c === "/" && !prevIsOperand()) {
      let s = "";
      i++;
      let inBracket = false;
      while (i < src.length && (src[i] !== "/" || inBracket)) {
        if (src[i] === "\n") throw new AwkSyntaxError("unterminated regexp");
        if (src[i] === "\\" && i + 1 < src.length) {
          s += src[i + 1] === "/" ? "/" : src.slice(i, i + 2);
          i += 2;
          continue;
        }
        if (src[i] === "[") inBracket = true;
        else if (src[i] === "]") inBracket = false;
        s += src[i++];
      }
      if (i >= src.length) throw new AwkSyntaxError("unterminated regexp");
      i++;
      out.push({ t: "ere", v: s });
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (!op) throw new AwkSyntaxError(`invalid char '${c}' in expression`);
    out.push({ t: "op", v: op === "**" ? "^" : op === "**=" ? "^=" : op });
    i += op.length;
  }
  out.push({ t: "eof" });
  return out;
}
