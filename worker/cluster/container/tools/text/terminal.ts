// The terminal and the system's figures: clear, tput (cols, lines, clear, colors, sgr0, bold,
// setaf), stty (size, -a, and the settings people pass, accepted), getconf (nproc is system/'s), and the
// pagers less and more, which copy their input through when no terminal is reading.
import type { Tool, ToolContext } from "../../types";
import { type Gen, eachChunk, eachInput, fsMessage, say } from "./common";

const size = (ctx: ToolContext) => ({ rows: Number(ctx.env.LINES) || 24, cols: Number(ctx.env.COLUMNS) || 80 });

export const clear: Tool = {
  names: ["clear"],
  run(ctx: ToolContext): number {
    ctx.stdout.write(ctx.flavour === "gnu" ? "\x1b[H\x1b[2J\x1b[3J" : "\x1b[H\x1b[J");
    return 0;
  },
};

export const tput: Tool = {
  names: ["tput"],
  run(ctx: ToolContext): number {
    const [cap, ...rest] = ctx.argv.slice(1).filter((a) => !a.startsWith("-T"));
    if (!ctx.env.TERM && cap !== "cols" && cap !== "lines") {
      ctx.stderr.write("tput: No value for $TERM and no -T specified\n");
      return 2;
    }
    const { rows, cols } = size(ctx);
    const caps: Record<string, string> = {
      cols: `${cols}\n`, lines: `${rows}\n`, colors: "8\n", clear: "\x1b[H\x1b[2J", sgr0: "\x1b(B\x1b[m", bold: "\x1b[1m", smul: "\x1b[4m", rmul: "\x1b[24m", rev: "\x1b[7m",
      civis: "\x1b[?25l", cnorm: "\x1b[?12l\x1b[?25h", el: "\x1b[K", ed: "\x1b[J", home: "\x1b[H", init: "", reset: "\x1bc",
    };
    if (cap === undefined) {
      ctx.stderr.write("usage: tput [-V] [-S] [-T term] capname\n");
      return 2;
    }
    if (cap === "setaf" || cap === "setab") {
      ctx.stdout.write(`\x1b[${cap === "setaf" ? 3 : 4}${Number(rest[0] ?? 0)}m`);
      return 0;
    }
    if (cap === "cup") {
      ctx.stdout.write(`\x1b[${Number(rest[0] ?? 0) + 1};${Number(rest[1] ?? 0) + 1}H`);
      return 0;
    }
    const v = caps[cap];
    if (v === undefined) {
      ctx.stderr.write(`tput: unknown terminfo capability '${cap}'\n`);
      return 4;
    }
    ctx.stdout.write(v);
    return 0;
  },
};

export const stty: Tool = {
  names: ["stty"],
  run(ctx: ToolContext): number {
    const args = ctx.argv.slice(1);
    if (!ctx.stdin.tty && !args.includes("-F")) {
      say(ctx, ctx.flavour === "gnu" ? "'standard input': Inappropriate ioctl for device" : "standard input: Not a tty");
      return 1;
    }
    const { rows, cols } = size(ctx);
    if (args[0] === "size") {
      ctx.stdout.write(`${rows} ${cols}\n`);
      return 0;
    }
    if (args.length === 0) {
      ctx.stdout.write("speed 38400 baud; line = 0;\n-brkint -imaxbel\n");
      return 0;
    }
    if (args[0] === "-a") {
      ctx.stdout.write(`speed 38400 baud; rows ${rows}; columns ${cols}; line = 0;\nintr = ^C; quit = ^\\; erase = ^?; kill = ^U; eof = ^D; eol = <undef>; eol2 = <undef>; swtch = <undef>; start = ^Q; stop = ^S; susp = ^Z; rprnt = ^R; werase = ^W; lnext = ^V; discard = ^O; min = 1; time = 0;\n-parenb -parodd -cmspar cs8 -hupcl -cstopb cread -clocal -crtscts\n-ignbrk -brkint -ignpar -parmrk -inpck -istrip -inlcr -igncr icrnl ixon -ixoff -iuclc -ixany -imaxbel -iutf8\nopost -olcuc -ocrnl onlcr -onocr -onlret -ofill -ofdel nl0 cr0 tab0 bs0 vt0 ff0\nisig icanon iexten echo echoe echok -echonl -noflsh -xcase -tostop -echoprt echoctl echoke -flusho -extproc\n`);
      return 0;
    }
    // Settings (-echo, raw, sane, rows N, cols N) are accepted: the terminal is kubectl's.
    return 0;
  },
};

const CONF: Record<string, (ctx: ToolContext) => string> = {
  _NPROCESSORS_ONLN: (ctx) => String(ctx.world.system.cpus),
  _NPROCESSORS_CONF: (ctx) => String(ctx.world.system.cpus),
  PAGESIZE: () => "4096",
  PAGE_SIZE: () => "4096",
  CLK_TCK: () => "100",
  LONG_BIT: () => "64",
  ARG_MAX: () => "2097152",
  OPEN_MAX: () => "1048576",
  PATH_MAX: () => "4096",
  NAME_MAX: () => "255",
  HOST_NAME_MAX: () => "64",
  _PHYS_PAGES: (ctx) => String(Math.floor(ctx.world.system.memoryKb / 4)),
  CHILD_MAX: () => "unlimited",
  UINT_MAX: () => "4294967295",
  INT_MAX: () => "2147483647",
};

export const getconf: Tool = {
  names: ["getconf"],
  run(ctx: ToolContext): number {
    const args = ctx.argv.slice(1);
    if (args[0] === "-a") {
      ctx.stdout.write(Object.entries(CONF).map(([k, f]) => `${k.padEnd(35)}${f(ctx)}\n`).join(""));
      return 0;
    }
    const name = args[0];
    if (name === undefined) {
      ctx.stderr.write("Usage: getconf [-v specification] variable_name [pathname]\n       getconf -a [pathname]\n");
      return 1;
    }
    const f = CONF[name.replace(/^_SC_/, "_")] ?? CONF[name];
    if (!f) {
      ctx.stderr.write(`getconf: Unrecognized variable '${name}'\n`);
      return 1;
    }
    ctx.stdout.write(`${f(ctx)}\n`);
    return 0;
  },
};

export const pager: Tool = {
  names: ["less", "more"],
  *run(ctx: ToolContext): Gen<number> {
    const files = ctx.argv.slice(1).filter((a) => !a.startsWith("-") && !a.startsWith("+"));
    let status = 0;
    // Without a terminal both pagers copy their input (more puts a header above each of several files).
    const headers = files.length > 1 && ctx.argv[0].endsWith("more");
    yield* eachInput(ctx, files, (op, e) => {
      status = 1;
      say(ctx, e.code === "EISDIR" ? `${op} is a directory` : `${op}: ${fsMessage(e)}`);
    }, function* (input, op) {
      if (headers) ctx.stdout.write(`::::::::::::::\n${op}\n::::::::::::::\n`);
      yield* eachChunk(input, (c) => void ctx.stdout.write(c));
    });
    return status;
  },
};
