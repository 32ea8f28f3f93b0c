// chmod-style modes: octal ("755") or symbolic ("u+x,go-w", "a=rX", "g=u"), applied to a mode.

/** The new mode, or null when the text is not a mode. umask is 022 in containers. */
export function applyMode(text: string, mode: number, isDir: boolean, umask = 0o022): number | null {
  if (/^[0-7]+$/.test(text)) {
    const v = parseInt(text, 8);
    if (v > 0o7777) return null;
    // GNU keeps a directory's set-id bits when fewer than 5 octal digits are given.
    return isDir && text.length < 5 ? v | (mode & 0o6000) : v;
  }
  let m = mode & 0o7777;
  for (const clause of text.split(",")) {
    const r = /^([ugoa]*)((?:[-+=](?:[rwxXst]*|[ugo]))+)$/.exec(clause);
    if (!r) return null;
    let who = 0;
    for (const c of r[1]!) who |= c === "u" ? 0o4700 : c === "g" ? 0o2070 : c === "o" ? 0o1007 : 0o7777;
    const implicit = who === 0;
    if (implicit) who = 0o7777;
    for (const op of r[2]!.match(/[-+=][^-+=]*/g) ?? []) {
      const perms = op.slice(1);
      let bits = 0;
      if (/^[ugo]$/.test(perms)) {
        const src = perms === "u" ? (m >> 6) & 7 : perms === "g" ? (m >> 3) & 7 : m & 7;
        bits = (src << 6) | (src << 3) | src;
      } else {
        for (const c of perms) {
          if (c === "r") bits |= 0o444;
          else if (c === "w") bits |= 0o222;
          else if (c === "x") bits |= 0o111;
          else if (c === "X") bits |= isDir || m & 0o111 ? 0o111 : 0;
          else if (c === "s") bits |= 0o6000;
          else if (c === "t") bits |= 0o1000;
        }
      }
      bits &= who;
      // Without u/g/o/a, the umask limits what + and = give (chmod(1)).
      if (implicit && op[0] !== "-") bits &= ~umask;
      if (op[0] === "+") m |= bits;
      else if (op[0] === "-") m &= ~bits;
      else m = (m & ~who) | bits;
    }
  }
  return m;
}
