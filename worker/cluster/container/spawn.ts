// Running a program by argv, as execvp would in the container: exec sessions, the shell's
// simple commands and tools that run others (env, xargs, timeout) all come through here.
import { normalize } from "./fs/memory";
import { shell, type Dialect } from "./shell/index";
import { toolNamed } from "./tools/index";
import type { ContainerWorld, Effect, FileSystem, Flavour, Input, Output, Stat, Tool, ToolContext } from "./types";

export interface SpawnIO {
  stdin: Input;
  stdout: Output;
  stderr: Output;
}

export interface SpawnContext {
  env: Record<string, string>;
  cwd: string;
  fs: FileSystem;
  now(): number;
  flavour: Flavour;
  world: ContainerWorld;
  io: SpawnIO;
  /** The shell asking, if a shell is: a text file without "#!" then runs as a script of that shell (ENOEXEC's fallback). */
  dialect?: Dialect;
  /** Tools found before the registry's (tests' stubs). */
  tools?: (name: string) => Tool | undefined;
}

export type SpawnError = { error: "notFound" | "permission" | "isDir"; message: string };

const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
const SHELLS = new Set(["sh", "ash", "bash", "dash", "hush"]);

function resolveIn(cwd: string, p: string): string {
  return normalize(p.startsWith("/") ? p : `${cwd}/${p}`);
}

function statOf(fs: FileSystem, p: string): Stat | null {
  try {
    return fs.stat(p);
  } catch {
    return null;
  }
}

/** Where execvp finds `name` on PATH: the first executable regular file, or null. */
export function lookPath(name: string, path: string | undefined, cwd: string, fs: FileSystem): string | null {
  if (name.includes("/")) {
    const p = resolveIn(cwd, name);
    const st = statOf(fs, p);
    return st && st.type === "file" ? p : null;
  }
  for (const dir of (path ?? DEFAULT_PATH).split(":")) {
    const p = resolveIn(cwd, `${dir || "."}/${name}`);
    const st = statOf(fs, p);
    if (st && st.type === "file" && (st.mode & 0o111) !== 0) return p;
  }
  return null;
}

/** Basenames along a path's symlink chain, the path's own first, the final file's last. */
function chain(fs: FileSystem, path: string): string[] {
  const names: string[] = [];
  let p = path;
  for (let i = 0; i < 40; i++) {
    names.push(p.split("/").pop() ?? p);
    let st: Stat | null = null;
    try {
      st = fs.lstat(p);
    } catch {
      return names;
    }
    if (!st || st.type !== "symlink") return names;
    const target = fs.readlink(p);
    p = target.startsWith("/") ? normalize(target) : normalize(`${p.split("/").slice(0, -1).join("/")}/${target}`);
  }
  return names;
}

function dialectOf(names: string[], invoked: string, flavour: Flavour): Dialect | null {
  const final = names[names.length - 1];
  if (final === "busybox") return SHELLS.has(invoked) ? "ash" : null;
  if (final === "dash") return "dash";
  if (final === "bash") return "bash";
  if (final === "ash" || final === "hush") return "ash";
  if (final === "sh") return flavour === "busybox" ? "ash" : "dash";
  return null;
}

function* once(n: number): Generator<Effect, number, void> {
  return n;
}

export function spawn(argv: string[], ctx: SpawnContext, depth = 0): Generator<Effect, number, void> | SpawnError {
  const name = argv[0] ?? "";
  const path = name.includes("/") ? resolveIn(ctx.cwd, name) : lookPath(name, ctx.env.PATH, ctx.cwd, ctx.fs);
  if (!path) return { error: "notFound", message: `exec: "${name}": executable file not found in $PATH` };
  const st = statOf(ctx.fs, path);
  if (!st) return { error: "notFound", message: `exec: "${name}": stat ${name}: no such file or directory` };
  if (st.type === "dir") return { error: "isDir", message: `exec: "${name}": permission denied` };
  if ((st.mode & 0o111) === 0) return { error: "permission", message: `exec: "${name}": permission denied` };

  const names = chain(ctx.fs, path);
  let invoked = name.split("/").pop() ?? name;
  let args = argv;
  // busybox as a multi-call binary: `busybox ls -l`
  if (names[names.length - 1] === "busybox" && invoked === "busybox") {
    if (argv.length < 2) return once(0);
    args = argv.slice(1);
    invoked = args[0].split("/").pop() ?? args[0];
  }
  const dialect = dialectOf(names, invoked, ctx.flavour);
  if (dialect) {
    return shell({
      dialect,
      args: args.slice(1),
      name: args[0],
      env: ctx.env,
      cwd: ctx.cwd,
      stdin: ctx.io.stdin,
      stdout: ctx.io.stdout,
      stderr: ctx.io.stderr,
      fs: ctx.fs,
      now: ctx.now,
      flavour: ctx.flavour,
      world: ctx.world,
      tools: ctx.tools,
    });
  }
  const find = (n: string) => ctx.tools?.(n) ?? toolNamed(n);
  const tool = find(invoked) ?? find(names[names.length - 1]);
  if (tool) {
    const tctx: ToolContext = {
      argv: args,
      env: ctx.env,
      cwd: ctx.cwd,
      resolve: (p) => resolveIn(ctx.cwd, p),
      stdin: ctx.io.stdin,
      stdout: ctx.io.stdout,
      stderr: ctx.io.stderr,
      fs: ctx.fs,
      now: ctx.now,
      flavour: ctx.flavour,
      world: ctx.world,
      exec: (sub, io) => {
        const r = spawn(sub, { ...ctx, env: io?.env ?? ctx.env, io: { stdin: io?.stdin ?? ctx.io.stdin, stdout: io?.stdout ?? ctx.io.stdout, stderr: io?.stderr ?? ctx.io.stderr } }, depth + 1);
        // Not runnable: 127/126, as the tool's own words say why (env: 'x': No such file or directory).
        return "error" in r ? once(r.error === "notFound" ? 127 : 126) : r;
      },
    };
    const run = tool.run(tctx);
    return typeof run === "number" ? once(run) : run;
  }
  // a script: "#!interpreter [arg]", or (asked by a shell) a text file the shell runs itself
  let head = "";
  try {
    head = new TextDecoder().decode(ctx.fs.read(path).slice(0, 256));
  } catch {
    return once(0);
  }
  if (head.startsWith("#!") && depth < 4) {
    const line = head.slice(2).split("\n")[0].trim();
    const m = /^(\S+)(?:\s+(.*))?$/.exec(line);
    if (m) {
      const interp = [m[1], ...(m[2] ? [m[2].trim()] : [])];
      const r = spawn([...interp, path, ...args.slice(1)], ctx, depth + 1);
      if ("error" in r) return { error: r.error, message: r.message };
      return r;
    }
  }
  if (ctx.dialect && !head.startsWith("\x7fELF") && !head.includes("\0")) {
    return shell({ dialect: ctx.dialect, args: [name, ...args.slice(1)], name: ctx.dialect === "bash" ? "bash" : "sh", env: ctx.env, cwd: ctx.cwd, stdin: ctx.io.stdin, stdout: ctx.io.stdout, stderr: ctx.io.stderr, fs: ctx.fs, now: ctx.now, flavour: ctx.flavour, world: ctx.world, tools: ctx.tools });
  }
  // A program we do not simulate: the image's own daemon, most likely (a stress worker, an agent):
  // it runs until it is stopped, quietly.
  return runsUntilStopped();
}

function* runsUntilStopped(): Generator<Effect, number, void> {
  for (;;) yield { sleep: Infinity };
}
