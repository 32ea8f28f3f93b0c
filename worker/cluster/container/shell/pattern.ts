// sh pattern matching (case, ${x#pat}, [[ == ]], pathname expansion): * ? [..] with quoted
// characters taken literally, as a JavaScript RegExp source.
import { CLASSES } from "../tools/text/regex";

/** A piece of a pattern: quoted text matches itself, unquoted text is a pattern. */
export interface PatSeg {
  text: string;
  quoted: boolean;
}

const escapeRe = (s: string) => s.replace(/[\\^$.*+?()[\]{}|\/-]/g, "\\$&");

/** Whether unquoted text has pattern characters (worth globbing). */
export function hasPattern(segs: PatSeg[]): boolean {
  // "[" is a pattern only with a "]" after it (`[ -f x ]`'s "[" is a plain word)
  return segs.some((s, i) => !s.quoted && (/[*?]/.test(s.text) || (/\[/.test(s.text) && segs.slice(i).some((t) => t.text.includes("]")))));
}

/** The RegExp source (unanchored) of a pattern. */
export function patternSource(segs: PatSeg[], opts: { pathname?: boolean } = {}): string {
  let out = "";
  const any = opts.pathname ? "[^/]" : "[\\s\\S]";
  for (const seg of segs) {
    if (seg.quoted) {
      out += escapeRe(seg.text);
      continue;
    }
    const t = seg.text;
    for (let i = 0; i < t.length; i++) {
      const c = t[i];
      if (c === "*") out += any + "*";
      else if (c === "?") out += any;
      else if (c === "\\" && i + 1 < t.length) out += escapeRe(t[++i]);
      else if (c === "[") {
        const cls = bracket(t, i);
        if (cls) {
          out += cls.re;
          i = cls.end;
        } else out += "\\[";
      } else out += escapeRe(c);
    }
  }
  return out;
}

function bracket(t: string, start: number): { re: string; end: number } | null {
  let i = start + 1;
  let neg = false;
  if (t[i] === "!" || t[i] === "^") {
    neg = true;
    i++;
  }
  let body = "";
  let first = true;
  while (i < t.length) {
    const c = t[i];
    if (c === "]" && !first) return { re: `[${neg ? "^" : ""}${body}]`, end: i };
    first = false;
    if (c === "[" && t[i + 1] === ":") {
      const close = t.indexOf(":]", i + 2);
      if (close > 0) {
        body += CLASSES[t.slice(i + 2, close)] ?? "";
        i = close + 2;
        continue;
      }
    }
    if (c === "\\" && i + 1 < t.length) {
      body += escapeRe(t[i + 1]);
      i += 2;
      continue;
    }
    if (c === "-" && body && t[i + 1] !== "]") {
      body += "-";
      i++;
      continue;
    }
    body += c === "]" || c === "^" || c === "\\" || c === "[" ? "\\" + c : c;
    i++;
  }
  return null;
}

export function matchPattern(segs: PatSeg[], s: string): boolean {
  return new RegExp(`^(?:${patternSource(segs)})$`).test(s);
}

/** ${x#p} ${x##p} ${x%p} ${x%%p}: the value with the shortest/longest matching prefix/suffix removed. */
export function removeAffix(value: string, segs: PatSeg[], op: string): string {
  const re = new RegExp(`^(?:${patternSource(segs)})$`);
  if (op === "#" || op === "##") {
    const lens = [...Array(value.length + 1).keys()];
    if (op === "##") lens.reverse();
    for (const n of lens) if (re.test(value.slice(0, n))) return value.slice(n);
    return value;
  }
  const starts = [...Array(value.length + 1).keys()];
  if (op === "%") starts.reverse();
  for (const n of starts) if (re.test(value.slice(n))) return value.slice(0, n);
  return value;
}

/** ${x/p/r} and its //, /#, /% forms: the longest match replaced. */
export function replacePattern(value: string, segs: PatSeg[], rep: string, op: string): string {
  const src = patternSource(segs);
  if (src === "") return value;
  if (op === "/#") {
    const re = new RegExp(`^(?:${src})`);
    return re.test(value) ? value.replace(longest(value, src, true), rep) : value;
  }
  if (op === "/%") {
    for (let n = 0; n <= value.length; n++) if (new RegExp(`^(?:${src})$`).test(value.slice(n))) return value.slice(0, n) + rep;
    return value;
  }
  // Greedy JS matching approximates sh's longest match for the common patterns.
  return value.replace(new RegExp(src, op === "//" ? "g" : ""), () => rep);
}

function longest(value: string, src: string, _prefix: boolean): string {
  const re = new RegExp(`^(?:${src})$`);
  for (let n = value.length; n >= 0; n--) if (re.test(value.slice(0, n))) return value.slice(0, n);
  return "";
}
