// A schema's `pattern` is a Go (RE2) regular expression; JavaScript's differs in a few spellings
// that real CRDs use: leading flag groups such as (?i), \A and \z anchors, and classes like
// \pL. They are translated here; anything else is tried as written.

export type Compiled = { re: RegExp } | { error: string };

const cache = new Map<string, Compiled>();

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

/** The pattern compiled, or why it cannot be (JavaScript's words: Go's are not known here). */
export function compilePattern(pattern: string): Compiled {
  let c = cache.get(pattern);
  if (!c) {
    const { source, flags } = translate(pattern);
    try {
      c = { re: new RegExp(source, flags + "u") };
    } catch {
      try {
        c = { re: new RegExp(source, flags) };
      } catch (e) {
        c = { error: (e as Error).message };
      }
    }
    if (cache.size > 500) cache.clear();
    cache.set(pattern, c);
  }
  return c;
}
