// A schema's `pattern` is a Go (RE2) regular expression; JavaScript's differs in a few spellings
// that real CRDs use: leading flag groups such as (?i), \A and \z anchors, and classes like
// \pL. They are translated here; anything else is tried as written.

import { Memo } from "../memo";

export type Compiled = { re: RegExp } | { error: string };

function translate(pattern: string): { source: string; flags: string } {
  let source = pattern;
  let flags = "";
  const lead = /^\(\?([imsU]+)\)/.exec(source);
  if (lead) {
    source = source.slice(lead[0].length);
    for (const f of lead[1]) if (f !== "U" && !flags.includes(f)) flags += f;
  }
  source = source
    .replace(/\\A/g, "^")
    .replace(/\\z/g, "$")
    .replace(/\\([pP])([A-Za-z])(?![{A-Za-z])/g, "\\$1{$2}");
  return { source, flags };
}

const compiled = new Memo((pattern: string): Compiled => {
  const { source, flags } = translate(pattern);
  try {
    return { re: new RegExp(source, flags + "u") };
  } catch {
    try {
      return { re: new RegExp(source, flags) };
    } catch (e) {
      return { error: (e as Error).message };
    }
  }
}, 501);

/** The pattern compiled, or why it cannot be (JavaScript's words: Go's are not known here). */
export function compilePattern(pattern: string): Compiled {
  return compiled.get(pattern);
}
