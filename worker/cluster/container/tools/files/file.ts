// file: a few magic numbers and text kinds, enough to tell what a file in a container is.
import type { Tool, ToolContext } from "../../types";
import { parseOpts } from "./common";

function describe(data: Uint8Array): string {
  if (data.length === 0) return "empty";
  const head = new TextDecoder().decode(data.subarray(0, 512));
  if (data[0] === 0x7f && head.startsWith("\x7fELF")) return "ELF 64-bit LSB pie executable, x86-64, version 1 (SYSV), dynamically linked, stripped";
  if (data[0] === 0x1f && data[1] === 0x8b) return "gzip compressed data, from Unix";
  if (data.length >= 262 && new TextDecoder().decode(data.subarray(257, 262)) === "ustar") return "POSIX tar archive";
  if (data[0] === 0x89 && head.slice(1, 4) === "PNG") return "PNG image data";
  if (data[0] === 0x50 && data[1] === 0x4b) return "Zip archive data";
  const isText = !data.some((b) => b === 0 || (b < 32 && b !== 9 && b !== 10 && b !== 13 && b !== 27 && b !== 12));
  if (!isText) return "data";
  let ascii = true;
  for (const b of data) if (b >= 128) ascii = false;
  // Valid UTF-8 decodes without U+FFFD (workers-types' TextDecoder takes no `fatal` option).
  const utf8 = !new TextDecoder().decode(data).includes("\ufffd");
  const kind = ascii ? "ASCII text" : utf8 ? "Unicode text, UTF-8 text" : "ISO-8859 text";
  const shebang = /^#!\s*(\S+)(?:\s+(\S+))?/.exec(head);
  if (shebang) {
    const prog = shebang[1]!.endsWith("/env") ? shebang[2] ?? "" : shebang[1]!.split("/").pop()!;
    const what = prog === "sh" || prog === "dash" || prog === "ash" ? "POSIX shell script" : prog === "bash" ? "Bourne-Again shell script" : /^python/.test(prog) ? "Python script" : `a ${prog} script`;
    return `${what}, ${kind} executable`;
  }
  if (/^\s*[{[]/.test(head) && /[}\]]\s*$/.test(new TextDecoder().decode(data))) {
    try {
      JSON.parse(new TextDecoder().decode(data));
      return "JSON text data";
    } catch {
      // Not JSON after all.
    }
  }
  if (/^<\?xml/.test(head)) return "XML 1.0 document, " + kind;
  if (/^\s*<!DOCTYPE html|^\s*<html/i.test(head)) return "HTML document, " + kind;
  return kind + (/\r\n/.test(head) ? ", with CRLF line terminators" : "");
}

export const file: Tool = {
  names: ["file"],
  run(ctx: ToolContext): number {
    const p = parseOpts(ctx, { flags: "bLhiz", usage: "[-bLh] FILE...", long: { brief: { key: "b" }, dereference: { key: "L" }, "no-dereference": { key: "h" }, mime: { key: "i" } } });
    if (typeof p === "number") return p;
    if (p.args.length === 0) {
      ctx.stderr.write("Usage: file [-bcCdEhikLlNnprsSvzZ0] [--apple] [--extension] [--mime-encoding]\n            [--mime-type] [-e <testname>] [-F <separator>]  [-f <namefile>]\n            [-m <magicfiles>] [-P <parameter=value>] [--exclude-quiet]\n            <file> ...\n       file -C [-m <magicfiles>]\n       file [--help]\n");
      return 1;
    }
    for (const name of p.args) {
      const path = ctx.resolve(name);
      let desc: string;
      const lst = ctx.fs.lstat(path);
      if (!lst) desc = `cannot open \`${name}' (No such file or directory)`;
      else if (lst.type === "symlink" && !p.has("L")) desc = `symbolic link to ${ctx.fs.readlink(path)}`;
      else {
        const st = ctx.fs.stat(path) ?? lst;
        if (st.type === "dir") desc = "directory";
        else if (st.type === "chardev") desc = "character special";
        else if (st.type === "fifo") desc = "fifo (named pipe)";
        else if (st.type === "socket") desc = "socket";
        else if (st.type === "symlink") desc = `broken symbolic link to ${ctx.fs.readlink(path)}`;
        else desc = describe(ctx.fs.read(path));
      }
      ctx.stdout.write(p.has("b") ? `${desc}\n` : `${name}: ${desc}\n`);
    }
    return 0;
  },
};
