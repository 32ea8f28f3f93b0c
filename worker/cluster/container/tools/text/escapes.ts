// Backslash escapes as echo -e, printf's format and printf %b read them, for the tools and the
// shell's builtins alike.

export interface EscapeOptions {
  /** \xHH is read (dash's echo leaves it as it is). */
  hex?: boolean;
  /** In a printf format, the characters a backslash before leaves as themselves. */
  keep?: string;
}

/**
 * Expands escapes. `mode` picks the octal form: echo takes \0NNN, a printf format \NNN, printf's
 * %b (and dash's echo) either. \c stops all output (stop: true).
 */
export function escapes(s: string, mode: "echo" | "format" | "b", { hex = true, keep = `"'?` }: EscapeOptions = {}): { text: string; stop: boolean } {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c !== "\\" || i + 1 >= s.length) {
      out += c;
      continue;
    }
    const n = s[++i];
    switch (n) {
      case "a": out += "\x07"; break;
      case "b": out += "\b"; break;
      case "c": return { text: out, stop: true };
      case "e": out += "\x1b"; break;
      case "f": out += "\f"; break;
      case "n": out += "\n"; break;
      case "r": out += "\r"; break;
      case "t": out += "\t"; break;
      case "v": out += "\v"; break;
      case "\\": out += "\\"; break;
      case "x": {
        const m = hex ? /^[0-9a-fA-F]{1,2}/.exec(s.slice(i + 1)) : null;
        if (!m) {
          out += "\\x";
          break;
        }
        out += String.fromCharCode(Number.parseInt(m[0], 16));
        i += m[0].length;
        break;
      }
      default: {
        if (n >= "0" && n <= "7") {
          // echo: \0 then up to 3 digits; format: up to 3 digits; %b: either.
          let start = i;
          const max = 3;
          if (mode !== "format" && n === "0") {
            start = i + 1;
          } else if (mode === "echo") {
            out += `\\${n}`;
            break;
          }
          const m = new RegExp(`^[0-7]{0,${max}}`).exec(s.slice(start));
          const digits = m ? m[0] : "";
          out += String.fromCharCode(digits === "" ? 0 : Number.parseInt(digits, 8) & 0xff);
          i = start + digits.length - 1;
          break;
        }
        if (mode === "format" && keep.includes(n)) {
          out += n;
          break;
        }
        out += `\\${n}`;
      }
    }
  }
  return { text: out, stop: false };
}
