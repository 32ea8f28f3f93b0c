// POSIX regular expressions (basic and extended, with GNU's extensions: \+ \? \| in BRE, \< \>
// \b \B \w \W \s \S, back-references) translated to JavaScript RegExp source, for grep, sed,
// awk and expr.

export class RegexError extends Error {}

/** [:name:] classes as the inside of a JavaScript bracket (the C locale); shell patterns use them too. */
export const CLASSES: Record<string, string> = {
  alpha: "a-zA-Z",
  digit: "0-9",
  alnum: "0-9a-zA-Z",
  upper: "A-Z",
  lower: "a-z",
  space: " \\t\\n\\r\\f\\v",
  blank: " \\t",
  punct: "!-\\/:-@\\[-`{-~",
  xdigit: "0-9A-Fa-f",
  print: " -~",
  graph: "!-~",
  cntrl: "\\x00-\\x1f\\x7f",
  word: "0-9a-zA-Z_",
};

/** A bracket expression starting at s[i] === "[": its JS form and the index after it. */
function bracket(s: string, i: number): { src: string; end: number } {
  let j = i + 1;
  let out = "[";
  if (s[j] === "^") {
    out += "^";
    j++;
  }
  let first = true;
  for (;;) {
    if (j >= s.length) throw new RegexError("Unmatched [, [^, [:, [., or [=");
    const c = s[j];
    if (c === "]" && !first) return { src: `${out}]`, end: j + 1 };
    first = false;
    if (c === "[" && (s[j + 1] === ":" || s[j + 1] === "." || s[j + 1] === "=")) {
      const kind = s[j + 1];
      const close = s.indexOf(`${kind}]`, j + 2);
      if (close < 0) throw new RegexError("Unmatched [, [^, [:, [., or [=");
      const name = s.slice(j + 2, close);
      if (kind === ":") {
        const cls = CLASSES[name];
        if (cls === undefined) throw new RegexError("Invalid character class name");
        out += cls;
      } else out += name.replace(/[\\\]\[^-]/g, "\\$&");
      j = close + 2;
      continue;
    }
    out += c === "\\" || c === "[" || c === "]" || (c === "^" && out.endsWith("[")) ? `\\${c}` : c;
    j++;
  }
}

/**
 * The JavaScript source for a POSIX pattern. `extended` picks ERE over BRE. awk's dialect is ERE
 * with C escapes (\n \t \/) inside and out of brackets.
 */
export function translate(pattern: string, extended: boolean, opts: { awk?: boolean } = {}): string {
  let out = "";
  let groups = 0;
  let open = 0;
  /** Whether the previous item can take a repetition (BRE's leading * is literal). */
  let atStart = true;
  const s = pattern;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    const wasStart = atStart;
    atStart = false;
    if (c === "[") {
      if (opts.awk) {
        // awk allows C escapes inside brackets.
        const b = bracket(s.replace(/\\([nt\/\\])/g, (_m, e: string) => (e === "n" ? "\n" : e === "t" ? "\t" : e === "/" ? "/" : "\\\\")), i);
        out += b.src;
        i = b.end - 1;
        continue;
      }
      const b = bracket(s, i);
      out += b.src;
      i = b.end - 1;
      continue;
    }
    if (c === "\\") {
      const n = s[++i];
      if (n === undefined) throw new RegexError("Trailing backslash");
      if (!extended && (n === "(" || n === ")" || n === "{" || n === "}" || n === "|" || n === "+" || n === "?")) {
        // BRE's escaped operators are ERE's plain ones.
        if (n === "(") {
          groups++;
          open++;
          out += "(";
          atStart = true;
        } else if (n === ")") {
          if (open === 0) throw new RegexError("Unmatched ) or \\)");
          open--;
          out += ")";
        } else if (n === "{") {
          const m = /^(\d*)(,?)(\d*)\\\}/.exec(s.slice(i + 1));
          if (!m) throw new RegexError("Unmatched \\{");
          out += `{${m[1] || "0"}${m[2]}${m[3]}}`;
          i += m[0].length;
        } else if (n === "|") {
          out += "|";
          atStart = true;
        } else if (n === "}") out += "\\}";
        else out += wasStart ? `\\${n}` : n;
        continue;
      }
      if (n >= "1" && n <= "9") {
        if (Number(n) > groups) throw new RegexError("Invalid back reference");
        out += `\\${n}`;
        continue;
      }
      switch (n) {
        case "<": out += "\\b(?=\\w)"; break;
        case ">": out += "\\b(?<=\\w)"; break;
        case "b": case "B": case "w": case "W": case "s": case "S": out += `\\${n}`; break;
        case "`": out += "^"; break;
        case "'": out += "$"; break;
        case "n": out += "\\n"; break;
        case "t": out += opts.awk ? "\\t" : "t"; break;
        case "/": out += "\\/"; break;
        default: out += /[A-Za-z0-9]/.test(n) ? n : `\\${n}`;
      }
      continue;
    }
    if (extended) {
      if (c === "(") {
        groups++;
        open++;
        out += "(";
        atStart = true;
        continue;
      }
      if (c === ")") {
        if (open === 0) throw new RegexError("Unmatched ) or \\)");
        open--;
        out += ")";
        continue;
      }
      if (c === "|") {
        out += "|";
        atStart = true;
        continue;
      }
      if (c === "{") {
        const m = /^\{(\d*)(,?)(\d*)\}/.exec(s.slice(i));
        if (m && !wasStart && (m[1] !== "" || m[3] !== "")) {
          out += `{${m[1] || "0"}${m[2]}${m[3]}}`;
          i += m[0].length - 1;
        } else out += "\\{";
        continue;
      }
      if (c === "*" || c === "+" || c === "?") {
        // A repetition with nothing to repeat matches the character (GNU's leniency).
        out += wasStart ? `\\${c}` : c;
        continue;
      }
      if (c === "^") {
        out += "^";
        atStart = true;
        continue;
      }
      if (c === "$") {
        out += "$";
        continue;
      }
    } else {
      if (c === "*") {
        out += wasStart ? "\\*" : "*";
        continue;
      }
      if (c === "^") {
        // An anchor only at the start of the pattern or of a group.
        if (wasStart) {
          out += "^";
          atStart = true;
        } else out += "\\^";
        continue;
      }
      if (c === "$") {
        const atEnd = i === s.length - 1 || s.startsWith("\\)", i + 1) || s.startsWith("\\|", i + 1);
        out += atEnd ? "$" : "\\$";
        continue;
      }
      if ("+?(){}|".includes(c)) {
        out += `\\${c}`;
        continue;
      }
    }
    if (c === ".") out += ".";
    else if (/[\/\\^$.*+?()[\]{}|]/.test(c)) out += `\\${c}`;
    else out += c;
  }
  if (open > 0) throw new RegexError("Unmatched ( or \\(");
  return out;
}

/** A compiled POSIX pattern; flags as RegExp takes them. */
export function compile(pattern: string, extended: boolean, flags = "", opts: { awk?: boolean } = {}): RegExp {
  const src = translate(pattern, extended, opts);
  try {
    return new RegExp(src, flags);
  } catch {
    throw new RegexError("Invalid regular expression");
  }
}
