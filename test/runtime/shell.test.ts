// The shell language (worker/cluster/container/shell/) driven outside any cluster: an in-memory
// file system with a busybox or debian skeleton, a fake clock that moves on {sleep}, stdin fed
// at once or in chunks over time, and stub sleep/date/cat tools.
import { describe, expect, it } from "vitest";
import { MemoryFs, populate, type PopulateEntry } from "../../worker/cluster/container/fs/memory";
import { shell, type Dialect } from "../../worker/cluster/container/shell/index";
import { spawn } from "../../worker/cluster/container/spawn";
import { Collect, Pipe } from "../../worker/cluster/container/streams";
import type { Effect, Tool } from "../../worker/cluster/container/types";
import { text } from "../../worker/cluster/container/types";
import { fakeWorld, T0 } from "./toolHarness";

const ELF = { data: "\x7fELF", mode: 0o755 };

const STUBS: Tool[] = [
  {
    names: ["sleep"],
    *run(ctx) {
      yield { sleep: Number(ctx.argv[1] ?? "0") * 1000 };
      return 0;
    },
  },
  {
    names: ["date"],
    run(ctx) {
      const d = new Date(ctx.now());
      const days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
      const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
      const p = (n: number) => String(n).padStart(2, "0");
      ctx.stdout.write(`${days[d.getUTCDay()]} ${months[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2)} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} UTC ${d.getUTCFullYear()}\n`);
      return 0;
    },
  },
  {
    names: ["cat"],
    *run(ctx) {
      if (ctx.argv.length > 1) {
        for (const f of ctx.argv.slice(1)) ctx.stdout.write(ctx.fs.read(ctx.resolve(f)));
        return 0;
      }
      for (;;) {
        const d = ctx.stdin.read();
        if (d === undefined) {
          yield { wait: "stdin" };
          continue;
        }
        if (d === null) return 0;
        ctx.stdout.write(d);
      }
    },
  },
  { names: ["yes"], *run(ctx) { for (;;) { ctx.stdout.write("y\n"); yield { sleep: 0 }; } } },
];
const stubs = (name: string) => STUBS.find((t) => t.names.includes(name));

function skeleton(image: "busybox" | "debian"): Record<string, PopulateEntry> {
  if (image === "busybox") {
    const files: Record<string, PopulateEntry> = { "/bin/busybox": ELF, "/root": { dir: true }, "/tmp": { dir: true, mode: 0o1777 }, "/etc/passwd": "root:x:0:0:root:/root:/bin/sh\n" };
    for (const a of ["sh", "ash", "sleep", "date", "cat", "echo", "ls", "yes"]) files[`/bin/${a}`] = { symlink: "busybox" };
    return files;
  }
  const files: Record<string, PopulateEntry> = { "/bin/bash": ELF, "/bin/dash": ELF, "/bin/sh": { symlink: "dash" }, "/root": { dir: true }, "/tmp": { dir: true, mode: 0o1777 }, "/etc/passwd": "root:x:0:0:root:/root:/bin/bash\n" };
  for (const a of ["sleep", "date", "cat", "echo", "ls", "yes"]) files[`/bin/${a}`] = ELF;
  return files;
}

interface RunOpts {
  dialect?: Dialect;
  args?: string[];
  name?: string;
  stdin?: string;
  chunks?: { at: number; data: string }[];
  tty?: boolean;
  files?: Record<string, PopulateEntry>;
  until?: number;
  env?: Record<string, string>;
  cwd?: string;
}

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout as it stood at each effect, with the clock then. */
  frames: { at: number; effect: Effect; stdout: string }[];
  fs: MemoryFs;
}

function run(script: string | null, o: RunOpts = {}): RunResult {
  const dialect = o.dialect ?? "ash";
  let clock = T0;
  const fs = new MemoryFs({ now: () => clock });
  populate(fs, { ...skeleton(dialect === "ash" ? "busybox" : "debian"), ...(o.files ?? {}) });
  const stdin = new Pipe(!!o.tty);
  const chunks = [...(o.chunks ?? [])];
  if (o.stdin !== undefined) stdin.push(o.stdin);
  if (!chunks.length) stdin.end();
  const feed = () => {
    while (chunks.length && chunks[0].at <= clock - T0) {
      stdin.push(chunks.shift()!.data);
      if (!chunks.length) stdin.end();
    }
  };
  const stdout = new Collect(!!o.tty);
  const stderr = new Collect(!!o.tty);
  const gen = shell({
    dialect,
    args: o.args ?? (script === null ? [] : ["-c", script]),
    name: o.name ?? (dialect === "bash" ? "bash" : "sh"),
    env: o.env ?? { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", HOME: "/root", HOSTNAME: "web" },
    cwd: o.cwd ?? "/",
    stdin,
    stdout,
    stderr,
    fs,
    now: () => clock,
    flavour: dialect === "ash" ? "busybox" : "gnu",
    world: fakeWorld(),
    tools: stubs,
  });
  const frames: RunResult["frames"] = [];
  let code: number | null = null;
  const limit = o.until ?? 86_400_000;
  for (let steps = 0; steps < 1_000_000; steps++) {
    feed();
    const r = gen.next();
    if (r.done) {
      code = r.value;
      break;
    }
    frames.push({ at: clock - T0, effect: r.value, stdout: stdout.text() });
    if ("sleep" in r.value) clock += r.value.sleep;
    else {
      if (!chunks.length) throw new Error("waits for stdin that will never come");
      clock = Math.max(clock, T0 + chunks[0].at);
    }
    if (clock - T0 > limit) break;
  }
  return { code, stdout: stdout.text(), stderr: stderr.text(), frames, fs };
}

const out = (script: string, dialect: Dialect = "ash") => run(script, { dialect }).stdout;

describe("the Kubernetes docs counter", () => {
  it("prints a line a second with the cluster clock's date, streaming as it goes", () => {
    const r = run(`i=0; while true; do echo "$i: $(date)"; i=$((i+1)); sleep 1; done`, { until: 3500 });
    expect(r.code).toBeNull();
    expect(r.stdout.split("\n").slice(0, 4)).toEqual(["0: Thu Dec  3 14:45:01 UTC 2026", "1: Thu Dec  3 14:45:02 UTC 2026", "2: Thu Dec  3 14:45:03 UTC 2026", "3: Thu Dec  3 14:45:04 UTC 2026"]);
    // each line is out before the sleep that follows it
    expect(r.frames[0]).toEqual({ at: 0, effect: { sleep: 1000 }, stdout: "0: Thu Dec  3 14:45:01 UTC 2026\n" });
    expect(r.frames[1].stdout.split("\n").length).toBe(3);
  });

  it("runs the same under bash and dash", () => {
    for (const dialect of ["bash", "dash"] as const) {
      const r = run(`i=0; while true; do echo "$i: $(date)"; i=$((i+1)); sleep 1; done`, { dialect, until: 1500 });
      expect(r.stdout).toBe("0: Thu Dec  3 14:45:01 UTC 2026\n1: Thu Dec  3 14:45:02 UTC 2026\n");
    }
  });

  it("an until loop yields its sleeps and ends when the condition holds", () => {
    const r = run(`n=0; until [ $n -ge 3 ]; do echo waiting; n=$((n+1)); sleep 2; done; echo done`);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("waiting\nwaiting\nwaiting\ndone\n");
    expect(r.frames.map((f) => f.effect)).toEqual([{ sleep: 2000 }, { sleep: 2000 }, { sleep: 2000 }]);
  });

  it("a loop that never sleeps still yields a millisecond every 10,000 commands", () => {
    const r = run(`while :; do :; done`, { until: 3 });
    expect(r.code).toBeNull();
    expect(r.frames.slice(0, 3).map((f) => f.effect)).toEqual([{ sleep: 1 }, { sleep: 1 }, { sleep: 1 }]);
  });
});

describe("arithmetic", () => {
  it.each([
    ["1+2*3", "7"],
    ["2**10", "1024"],
    ["7/2", "3"],
    ["-7%3", "-1"],
    ["1<2 && 3>2", "1"],
    ["(1+2)*3", "9"],
    ["16#ff", "255"],
    ["0x10 + 010", "24"],
    ["2#101", "5"],
    ["5 > 3 ? 10 : 20", "10"],
    ["~0", "-1"],
    ["1 << 4 | 1", "17"],
    ["!0 + !5", "1"],
    ["9223372036854775807 + 1", "-9223372036854775808"],
  ])("$((%s)) is %s", (expr, want) => {
    expect(out(`echo $((${expr}))`)).toBe(want + "\n");
  });

  it("assigns, increments and reads variables by name", () => {
    expect(out(`x=5; echo $((x*=2)) $x; i=1; echo $((i++)) $i $((++i)) $((i--)) $i; y=x+1; echo $((y*2))`)).toBe("10 10\n1 2 3 3 2\n22\n");
  });

  it("let and (( )) in bash set the status", () => {
    expect(out(`let a=3+4 b=a*2; echo $a $b; (( b > 10 )) && echo big; (( 0 )) || echo zero; for ((i=0; i<3; i++)); do printf '%s ' $i; done; echo`, "bash")).toBe("7 14\nbig\nzero\n0 1 2 \n");
  });

  it("division by zero in each dialect's words", () => {
    expect(run(`echo $((1/0))`, { dialect: "bash" }).stderr).toBe(`bash: line 1: 1/0: division by 0 (error token is "0")\n`);
    expect(run(`echo $((1/0))`, { dialect: "dash" }).stderr).toBe(`sh: 1: arithmetic expression: division by zero: "1/0"\n`);
    expect(run(`echo $((1/0))`, { dialect: "ash" }).stderr).toBe(`sh: divide by zero\n`);
  });
});

describe("quoting and expansion", () => {
  const cases: [string, string, Dialect?][] = [
    [`echo 'a  b' "c  d" e\\ \\ f`, "a  b c  d e  f"],
    [`x='1 2'; printf '<%s>' $x "$x"; echo`, "<1><2><1 2>"],
    [`x=; printf '<%s>' $x "$x" ''; echo`, "<><>"],
    [`set -- a 'b c' d; printf '<%s>' "$@"; echo; printf '<%s>' "$*"; echo; echo $#`, "<a><b c><d>\n<a b c d>\n3"],
    [`set --; printf '<%s>' "$@" x; echo`, "<x>"],
    [`echo \${u:-def} \${u-x}; u=; echo "[\${u:-def}]" "[\${u-x}]"; echo \${u:=set} $u`, "def x\n[def] []\nset set"],
    [`v=hello; echo \${v:+yes} \${#v} \${v#h} \${v%l*} \${v%%l*} \${v##*l}`, "yes 5 ello hel he o"],
    [`p=/usr/local/bin/tool.tar.gz; echo \${p##*/} \${p%/*} \${p#*.} \${p%%.*}`, "tool.tar.gz /usr/local/bin tar.gz /usr/local/bin/tool"],
    [`v=hello; echo \${v/l/L} \${v//l/L} \${v:1:3} \${v: -2} \${v^^} \${v^}`, "heLlo heLLo ell lo HELLO Hello", "bash"],
    [`echo $'tab:\\there' "$(echo sub)" \`echo back\``, "tab:\there sub back", "bash"],
    [`echo {a,b,c}-{1..3}`, "a-1 a-2 a-3 b-1 b-2 b-3 c-1 c-2 c-3", "bash"],
    [`echo {a,b}`, "{a,b}", "dash"],
    [`echo {5..1..2} x{,y}z`, "5 3 1 xz xyz", "bash"],
    [`echo ~ ~/x ~root`, "/root /root/x /root"],
    [`IFS=:; x=a:b::c; set -- $x; echo $#; IFS=' '; echo "$1|$2|$3|$4"`, "4\na|b||c"],
    [`echo "a\\$b \\"q\\" \\\\"`, `a$b "q" \\`],
    [`a=1; f() { echo "$1-$2-$#"; }; f x "y z"`, "x-y z-2"],
    [`echo $(echo $(echo nested))`, "nested"],
    [`x=$(printf 'a\\n\\n\\n'); echo "[$x]"`, "[a]"],
    [`echo \${10:-ten} $0`, "ten sh"],
  ];
  it.each(cases)("%s", (script, want, dialect) => {
    const r = run(script, { dialect: dialect ?? "ash" });
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe(want + "\n");
  });

  it("globs against the container's files, sorted, hidden files only by a leading dot", () => {
    const files = { "/data/b.txt": "", "/data/a.txt": "", "/data/c.log": "", "/data/.hidden": "", "/data/sub/x.txt": "" };
    expect(run(`cd /data && echo *.txt; echo /data/*.log; echo */*.txt; echo ?.t*; echo .h*; echo [ab].txt; echo *.none; echo "*.txt"`, { files }).stdout).toBe(
      "a.txt b.txt\n/data/c.log\nsub/x.txt\na.txt b.txt\n.hidden\na.txt b.txt\n*.none\n*.txt\n",
    );
  });

  it("$RANDOM is the same for the same shell, $SECONDS follows the cluster clock", () => {
    const a = run(`echo $RANDOM $RANDOM`, { dialect: "bash" }).stdout;
    expect(a).toBe(run(`echo $RANDOM $RANDOM`, { dialect: "bash" }).stdout);
    expect(a).toMatch(/^[0-9]+ [0-9]+\n$/);
    expect(run(`sleep 5; echo $SECONDS`, { dialect: "bash" }).stdout).toBe("5\n");
  });
});

describe("commands", () => {
  it("pipelines run side by side, with the last status (or pipefail's)", () => {
    expect(out(`echo hello | cat`)).toBe("hello\n");
    expect(out(`printf 'a\\nb\\n' | while read l; do echo "<$l>"; done`)).toBe("<a>\n<b>\n");
    expect(out(`false | true; echo $?; true | false; echo $?; ! true; echo $?`)).toBe("0\n1\n1\n");
    expect(out(`set -o pipefail; false | true; echo $?`, "bash")).toBe("1\n");
    expect(out(`false | true; echo \${PIPESTATUS[@]}`, "bash")).toBe("1 0\n");
    // the reader ends first: the writer dies of SIGPIPE instead of running forever
    expect(out(`yes | { read a; echo got $a; }`)).toBe("got y\n");
  });

  it("a pipeline streams: a sleeping writer's lines reach the reader as they are written", () => {
    const r = run(`for i in 1 2 3; do echo $i; sleep 1; done | cat`);
    expect(r.stdout).toBe("1\n2\n3\n");
    expect(r.frames[0].stdout).toBe("1\n");
  });

  it("redirections: files, append, fds, /dev/null, here-strings", () => {
    const r = run(`echo one > /tmp/f; echo two >> /tmp/f; cat /tmp/f; echo err 1>&2; ls /nope 2>/dev/null; { echo a; echo b >&2; } 2>&1 | cat; cat < /tmp/f; exec 3>/tmp/g; echo three >&3; cat /tmp/g`);
    expect(r.stdout).toBe("one\ntwo\na\nb\none\ntwo\nthree\n");
    expect(r.stderr).toBe("err\n");
    expect(out(`cat <<< "here $((1+1))"; echo x &>/dev/null; echo y`, "bash")).toBe("here 2\ny\n");
  });

  it("redirection failures in each dialect's words", () => {
    expect(run(`echo x > /nope/f`, { dialect: "ash" }).stderr).toBe("sh: can't create /nope/f: nonexistent directory\n");
    expect(run(`echo x > /nope/f`, { dialect: "dash" }).stderr).toBe("sh: 1: cannot create /nope/f: Directory nonexistent\n");
    expect(run(`echo x > /nope/f`, { dialect: "bash" }).stderr).toBe("bash: line 1: /nope/f: No such file or directory\n");
    expect(run(`cat < /nope`, { dialect: "ash" }).stderr).toBe("sh: can't open /nope: no such file\n");
    expect(run(`cat < /nope`, { dialect: "dash" }).stderr).toBe("sh: 1: cannot open /nope: No such file\n");
  });

  it("here-documents with and without expansion, and <<- tab stripping", () => {
    const script = "x=world\ncat <<EOF\nhello $x $((1+1))\n\\$x\nEOF\ncat <<'EOF'\nhello $x\nEOF\ncat <<-END\n\t\tindented\n\tEND\necho after";
    expect(out(script)).toBe("hello world 2\n$x\nhello $x\nindented\nafter\n");
  });

  it("case with patterns and alternatives", () => {
    const script = `for w in apple Banana cherry 42 x.tar.gz; do case $w in a*) echo "$w: a";; [Bb]*|c*) echo "$w: b or c";; [0-9]*) echo "$w: number";; *.tar.*) echo "$w: tarball";; esac; done`;
    expect(out(script)).toBe("apple: a\nBanana: b or c\ncherry: b or c\n42: number\nx.tar.gz: tarball\n");
    expect(out(`case x in (x) echo paren;; esac; case "*" in "*") echo star;; esac`)).toBe("paren\nstar\n");
  });

  it("functions, local, return and recursion", () => {
    const script = `x=global; f() { local x=inner; echo "in f: $x $1"; return 3; }; f arg; echo "status $? x=$x"; fact() { if [ $1 -le 1 ]; then echo 1; else echo $(( $1 * $(fact $(( $1 - 1 ))) )); fi; }; fact 5`;
    expect(out(script)).toBe("in f: inner arg\nstatus 3 x=global\n120\n");
    expect(out(`function g { echo "g $*"; }; g 1 2`, "bash")).toBe("g 1 2\n");
  });

  it("loops with break and continue n", () => {
    expect(out(`for i in 1 2 3; do for j in a b c; do [ $j = b ] && continue 2; [ $i = 3 ] && break 2; echo $i$j; done; done; echo end`)).toBe("1a\n2a\nend\n");
    expect(out(`i=0; while [ $i -lt 5 ]; do i=$((i+1)); [ $i -eq 2 ] && continue; [ $i -eq 4 ] && break; echo $i; done`)).toBe("1\n3\n");
  });

  it("set -e stops at the first failing command, but not in conditions", () => {
    const r = run(`set -e; if false; then :; fi; false || echo recovered; ! true; echo before; false; echo after`);
    expect(r.stdout).toBe("recovered\nbefore\n");
    expect(r.code).toBe(1);
    expect(run(`sh -ec 'echo a; false; echo b'`).stdout).toBe("a\n");
  });

  it("set -u, set -x and ${x:?}", () => {
    expect(run(`set -u; echo $nope; echo after`, { dialect: "bash" }).stderr).toBe("bash: line 1: nope: unbound variable\n");
    expect(run(`set -u; echo $nope`, { dialect: "dash" }).stderr).toBe("sh: 1: nope: parameter not set\n");
    expect(run(`set -x; echo "a b"`, { dialect: "bash" }).stderr).toBe("+ echo 'a b'\n");
    const r = run(`echo \${nope:?must be set}; echo after`, { dialect: "ash" });
    expect(r.stderr).toBe("sh: nope: must be set\n");
    expect(r.code).toBe(2);
  });

  it("subshells copy the state, $(..) too", () => {
    expect(out(`x=1; (x=2; cd /tmp; echo $x $PWD); echo $x $PWD; y=$(x=3; echo $x); echo $y $x`)).toBe("2 /tmp\n1 /\n3 1\n");
  });

  it("[[ ]] in bash: patterns, regexes with BASH_REMATCH, && ||", () => {
    expect(out(`s=v1.27.3; [[ $s =~ ^v([0-9]+)\\.([0-9]+) ]] && echo "\${BASH_REMATCH[1]} \${BASH_REMATCH[2]}"; [[ $s == v1.* && -n $s ]] && echo glob; [[ -d /tmp || -f /nope ]] && echo dir; [[ ! -e /nope ]] && echo none; [[ 10 -gt 9 ]] && echo num`, "bash")).toBe("1 27\nglob\ndir\nnone\nnum\n");
  });

  it("background jobs run while the foreground sleeps; wait waits; $! is set", () => {
    const r = run(`(sleep 2; echo bg done) & echo "started $!"; sleep 1; echo fg; wait; echo all done`);
    expect(r.stdout).toBe("started 8\nfg\nbg done\nall done\n");
  });

  it("eval, exec, . and trap EXIT", () => {
    const files = { "/tmp/lib.sh": "greet() { echo \"hi $1\"; }\nLIBVAR=loaded\n" };
    expect(run(`cmd='echo evaluated'; eval "$cmd"; . /tmp/lib.sh; greet you; echo $LIBVAR; trap 'echo bye' EXIT; echo last`, { files }).stdout).toBe("evaluated\nhi you\nloaded\nlast\nbye\n");
    const r = run(`exec echo replaced; echo never`);
    expect(r.stdout).toBe("replaced\n");
  });

  it("exit statuses: exit n, not found 127, sh -c nesting", () => {
    expect(run(`exit 3`).code).toBe(3);
    expect(run(`nope`).code).toBe(127);
    expect(run(`sh -c 'exit 4'; echo $?`).stdout).toBe("4\n");
    expect(run(`bash -c 'echo $0 $1' zero one`, { dialect: "bash" }).stdout).toBe("zero one\n");
  });
});

describe("builtins", () => {
  it("echo per dialect", () => {
    expect(out(`echo -n a; echo -e 'b\\tc'; echo 'd\\ne'`, "ash")).toBe("ab\tc\nd\\ne\n");
    expect(out(`echo -n a; echo 'b\\tc'; echo -e x`, "dash")).toBe("ab\tc\n-e x\n");
    expect(out(`echo -e 'a\\nb'; echo -E 'c\\nd'; echo 'e\\nf'`, "bash")).toBe("a\nb\nc\\nd\ne\\nf\n");
  });

  it.each([
    [`printf '%s-%s\\n' a b c d`, "a-b\nc-d\n"],
    [`printf '%5s|%-5s|%.2s\\n' ab cd efgh`, "   ab|cd   |ef\n"],
    [`printf '%d %i %x %X %o %05d %+d\\n' 42 -7 255 255 8 42 5`, "42 -7 ff FF 10 00042 +5\n"],
    [`printf '%.2f %e %c %%\\n' 3.14159 1234.5 xyz`, "3.14 1.234500e+03 x %\n"],
    [`printf '%b\\n' 'a\\tb'`, "a\tb\n"],
    [`printf '%s\\n'`, "\n"],
    [`printf "%d\\n" "'A"`, "65\n"],
  ])("%s", (script, want) => {
    expect(out(script)).toBe(want);
  });

  it("printf %q in bash, and a bad number", () => {
    expect(out(`printf '%q\\n' "a b" "it's"`, "bash")).toBe("a\\ b\nit\\'s\n");
    const r = run(`printf '%d\\n' abc`, { dialect: "bash" });
    expect(r.stdout).toBe("0\n");
    expect(r.stderr).toBe("bash: line 1: printf: abc: invalid number\n");
  });

  it("test and [ with files, strings, integers and logic", () => {
    const files = { "/tmp/f": "x", "/tmp/empty": "" };
    const script = `t() { if "$@"; then echo y; else echo n; fi; }; t [ -f /tmp/f ]; t [ -d /tmp/f ]; t [ -s /tmp/empty ]; t [ -e /nope ]; t [ abc = abc ]; t [ 3 -lt 10 ]; t [ -z "" -a -n x ]; t [ ! -f /nope -o 1 = 2 ]; t test \\( 1 -eq 1 \\); t [ "" ]`;
    expect(run(script, { files }).stdout).toBe("y\nn\nn\nn\ny\ny\ny\ny\ny\nn\n");
  });

  it("test errors per dialect", () => {
    expect(run(`[ 1 -eq a ]`, { dialect: "bash" }).stderr).toBe("bash: line 1: [: a: integer expression expected\n");
    expect(run(`[ 1 -eq a ]`, { dialect: "dash" }).stderr).toBe("sh: 1: [: Illegal number: a\n");
    expect(run(`[ 1 -eq 1`, { dialect: "bash" }).stderr).toBe("bash: line 1: [: missing `]'\n");
    expect(run(`[ 1 -eq 1`, { dialect: "ash" }).stderr).toBe("sh: missing ]\n");
  });

  it("read: IFS splitting, -r, the rest in the last name, 1 at end of input", () => {
    const r = run(`read a b; echo "[$a] [$b]"; read -r line; echo "$line"; read x; echo "status $? [$x]"`, { stdin: "  one two three  \nback\\slash\n" });
    expect(r.stdout).toBe("[one] [two three]\nback\\slash\nstatus 1 []\n");
    expect(run(`IFS=: read u p rest; echo $u $rest`, { stdin: "root:x:0:0:root\n" }).stdout).toBe("root 0:0:root\n");
    expect(run(`read -a arr; echo \${arr[1]} \${#arr[@]}`, { dialect: "bash", stdin: "a b c\n" }).stdout).toBe("b 3\n");
  });

  it("read waits for input arriving in chunks over time", () => {
    const r = run(`while read line; do echo "got $line"; done; echo eof`, { chunks: [{ at: 1000, data: "first\nsec" }, { at: 3000, data: "ond\n" }, { at: 5000, data: "third\n" }] });
    expect(r.stdout).toBe("got first\ngot second\ngot third\neof\n");
    expect(r.frames.filter((f) => "wait" in f.effect).length).toBeGreaterThanOrEqual(3);
    const during = r.frames.find((f) => f.at === 1000 && "wait" in f.effect);
    expect(during?.stdout).toBe("got first\n");
  });

  it("cd, pwd, cd - and the error wordings", () => {
    expect(out(`cd /tmp; pwd; cd /; cd -; echo $OLDPWD`)).toBe("/tmp\n/tmp\n/\n");
    expect(run(`cd /nope`, { dialect: "ash" }).stderr).toBe("sh: cd: line 0: can't cd to /nope: No such file or directory\n");
    // busybox counts a -c string's lines from 0, a script's from 1
    expect(run(null, { dialect: "ash", args: ["/tmp/s.sh"], files: { "/tmp/s.sh": "echo a\ncd /nope\n" } }).stderr).toBe("/tmp/s.sh: cd: line 2: can't cd to /nope: No such file or directory\n");
    expect(run(`cd /nope`, { dialect: "bash" }).stderr).toBe("bash: line 1: cd: /nope: No such file or directory\n");
    expect(run(`cd /nope`, { dialect: "dash" }).stderr).toBe("sh: 1: cd: can't cd to /nope\n");
  });

  it("export, unset, readonly, set and shift", () => {
    expect(out(`export A=1; sh -c 'echo $A'; B=2 sh -c 'echo $B'; echo "[$B]"; set -- a b c; shift; echo "$@"; unset A; echo "[$A]"`)).toBe("1\n2\n[]\nb c\n[]\n");
    expect(run(`readonly R=1; R=2`, { dialect: "bash" }).stderr).toBe("bash: line 1: R: readonly variable\n");
    expect(out(`export X="it's"; export -p`)).toContain(`export X='it'\\''s'\n`);
    expect(out(`export X=1; export -p`, "bash")).toContain(`declare -x X="1"\n`);
  });

  it("type and command -v per dialect", () => {
    const script = `f() { :; }; type echo; type f; type if; type sleep; command -v sleep; command -v echo`;
    expect(out(script, "ash")).toBe("echo is a shell builtin\nf is a function\nif is a shell keyword\nsleep is /bin/sleep\n/bin/sleep\necho\n");
    expect(out(script, "dash")).toBe("echo is a shell builtin\nf is a shell function\nif is a shell keyword\nsleep is /bin/sleep\n/bin/sleep\necho\n");
    expect(out(`type nope; echo $?`, "dash")).toBe("nope: not found\n127\n");
  });

  it("getopts", () => {
    expect(out(`set -- -a -b val -c file; while getopts ab:c o; do echo "$o \${OPTARG:-}"; done; shift $((OPTIND-1)); echo "rest $@"`)).toBe("a \nb val\nc \nrest file\n");
  });

  it("kill -l and kill of a missing pid", () => {
    expect(out(`kill -l 9`)).toBe("KILL\n");
    expect(run(`kill 999`, { dialect: "bash" }).stderr).toBe("bash: line 1: kill: (999) - No such process\n");
  });
});

describe("errors per dialect", () => {
  it("command not found", () => {
    expect(run(`nope`, { dialect: "ash" }).stderr).toBe("sh: nope: not found\n");
    expect(run(`nope`, { dialect: "dash" }).stderr).toBe("sh: 1: nope: not found\n");
    expect(run(`nope`, { dialect: "bash" }).stderr).toBe("bash: line 1: nope: command not found\n");
    expect(run(`echo a\n/x/nope`, { dialect: "bash" }).stderr).toBe("bash: line 2: /x/nope: No such file or directory\n");
    expect(run(`/tmp`, { dialect: "bash" }).stderr).toBe("bash: line 1: /tmp: Is a directory\n");
  });

  it("syntax errors", () => {
    const a = run(`echo a; fi`, { dialect: "ash" });
    expect(a.stderr).toBe(`sh: syntax error: unexpected "fi"\n`);
    expect(a.code).toBe(2);
    expect(a.stdout).toBe("");
    expect(run(`if true; then echo x`, { dialect: "ash" }).stderr).toBe(`sh: syntax error: unexpected end of file (expecting "fi")\n`);
    expect(run(`echo a; fi`, { dialect: "dash" }).stderr).toBe(`sh: 1: Syntax error: "fi" unexpected\n`);
    expect(run(`echo a; fi`, { dialect: "bash" }).stderr).toBe("bash: -c: line 1: syntax error near unexpected token `fi'\nbash: -c: line 1: `echo a; fi'\n");
    expect(run(`echo 'open`, { dialect: "bash" }).stderr).toBe("bash: -c: line 1: unexpected EOF while looking for matching `''\n");
    expect(run(`if true; then echo x`, { dialect: "bash" }).stderr).toBe("bash: -c: line 2: syntax error: unexpected end of file\n");
    expect(run(`cat <<< x`, { dialect: "dash" }).stderr).toBe("sh: 1: Syntax error: redirection unexpected\n");
    expect(run(`for ((i=0;i<3;i++)); do :; done`, { dialect: "dash" }).stderr).toBe("sh: 1: Syntax error: Bad for loop variable\n");
    // commands before the bad line run
    expect(run(`echo first\nfi`, { dialect: "dash" }).stdout).toBe("first\n");
  });

  it("a missing script", () => {
    expect(run(null, { dialect: "bash", args: ["nope.sh"] }).stderr).toBe("bash: nope.sh: No such file or directory\n");
    expect(run(null, { dialect: "ash", args: ["nope.sh"] }).stderr).toBe("sh: can't open 'nope.sh': No such file or directory\n");
    const r = run(null, { dialect: "bash", args: ["/tmp/s.sh", "x"], files: { "/tmp/s.sh": "echo arg $1\nnope\n" } });
    expect(r.stdout).toBe("arg x\n");
    expect(r.stderr).toBe("/tmp/s.sh: line 2: nope: command not found\n");
  });
});

describe("checked against real bash 5.2 and dash 0.5.12", () => {
  it("bash ends the command line at an expansion error and goes on with the next; set -u exits 127", () => {
    const r = run(`echo $((1/0)); echo same line\necho next $?`, { dialect: "bash" });
    expect(r.stdout).toBe("next 1\n");
    expect(run(`readonly R=1; R=2; echo same\necho next`, { dialect: "bash" }).stdout).toBe("next\n");
    expect(run(`set -u; echo $nope\necho next`, { dialect: "bash" }).code).toBe(127);
    const p = run(`((1/0)); echo after $?`, { dialect: "bash" });
    expect(p.stderr).toBe(`bash: line 1: ((: 1/0: division by 0 (error token is "0")\n`);
    expect(p.stdout).toBe("after 1\n");
  });

  it("ash and dash end the shell at such errors", () => {
    const d = run(`readonly R=1; R=2\necho next`, { dialect: "dash" });
    expect(d.stderr).toBe("sh: 1: R: is read only\n");
    expect(d.code).toBe(2);
    expect(run(`echo \${nope:?}`, { dialect: "dash" }).stderr).toBe("sh: 1: nope: parameter not set or null\n");
    expect(run(`x=1; echo \${x!}`, { dialect: "dash" }).stderr).toBe("sh: 1: Bad substitution\n");
  });

  it("arithmetic error tokens and dash's smaller language", () => {
    expect(run(`echo $(( 5 / 0 ))`, { dialect: "bash" }).stderr).toBe(`bash: line 1: 5 / 0 : division by 0 (error token is "0 ")\n`);
    expect(run(`echo $((1 +))`, { dialect: "bash" }).stderr).toBe(`bash: line 1: 1 +: syntax error: operand expected (error token is "+")\n`);
    expect(run(`x=5; echo $(( x += 2, x * 2 ))`, { dialect: "dash" }).stderr).toBe(`sh: 1: arithmetic expression: expecting EOF: " x += 2, x * 2 "\n`);
    expect(run(`echo $((2 ** -1))`, { dialect: "dash" }).stderr).toBe(`sh: 1: arithmetic expression: expecting primary: "2 ** -1"\n`);
  });

  it("busybox ash has some of bash's extensions and not others", () => {
    expect(out(`v=hello; echo \${v:1:3} \${v/l/L} $'A\\x42' {a,b}; echo x &>/dev/null; [[ $v == h* ]] && echo glob`, "ash")).toBe("ell heLlo AB {a,b}\nglob\n");
    expect(run(`v=hello; echo \${v^^}`, { dialect: "ash" }).stderr).toBe("sh: syntax error: bad substitution\n");
    expect(run(`kill 99999`, { dialect: "ash" }).stderr).toBe("sh: can't kill pid 99999: No such process\n");
  });

  it("field splitting with whitespace around a non-whitespace IFS character", () => {
    expect(out(`p() { printf '[%s]' "$@"; echo; }; IFS=' ,'; x=' a , b  ,c '; p $x; IFS=,; x='a,b,,c,'; p $x`)).toBe("[a][b][c]\n[a][b][][c]\n");
  });

  it("read -n takes characters and leaves the rest for the next read", () => {
    expect(out(`echo abc | while read -n 1 c; do echo "[$c]"; done`, "bash")).toBe("[a]\n[b]\n[c]\n[]\n");
  });

  it("usage messages and builtin wordings", () => {
    expect(run(`printf`, { dialect: "bash" }).stderr).toBe("printf: usage: printf [-v var] format [arguments]\n");
    expect(run(`printf`, { dialect: "dash" }).stderr).toBe("sh: 1: printf: usage: printf format [arg ...]\n");
    expect(run(`. /nope.sh`, { dialect: "bash" }).stderr).toBe("bash: line 1: /nope.sh: No such file or directory\n");
    expect(run(`. /nope.sh`, { dialect: "dash" }).stderr).toBe("sh: 1: .: cannot open /nope.sh: No such file\n");
    expect(run(`trap 'echo hi' INT; trap`, { dialect: "bash" }).stdout).toBe("trap -- 'echo hi' SIGINT\n");
    expect(run(`echo $-`, { dialect: "bash" }).stdout).toBe("hBc\n");
    expect(run(`echo \${!HO*}`, { dialect: "bash", env: { HOME: "/root", HOSTNAME: "web" } }).stdout).toBe("HOME HOSTNAME HOSTTYPE\n");
  });
});

describe("reading commands from stdin", () => {
  it("non-interactive: runs commands as they arrive", () => {
    const r = run(null, { chunks: [{ at: 0, data: "echo one\nfor i in 1 2\n" }, { at: 2000, data: "do echo $i; done\nexit 5\necho never\n" }] });
    expect(r.stdout).toBe("one\n1\n2\n");
    expect(r.code).toBe(5);
    expect(r.frames.find((f) => f.at === 0 && "wait" in f.effect)?.stdout).toBe("one\n");
  });

  it("a line ending in a backslash goes on; a script read by bash lets `read` take its next line, dash's does not", () => {
    expect(run(null, { dialect: "dash", stdin: "echo long \\\n  continued\n" }).stdout).toBe("long continued\n");
    expect(run(null, { dialect: "bash", stdin: "read x\nhello\necho got $x\n" }).stdout).toBe("got hello\n");
    const d = run(null, { dialect: "dash", stdin: "read x\nhello\necho got $x\n" });
    expect(d.stdout).toBe("got\n");
    expect(d.stderr).toBe("sh: 2: hello: not found\n");
    expect(run(null, { dialect: "dash", stdin: "if true; then\necho unterminated\n" }).stderr).toBe(`sh: 2: Syntax error: end of file unexpected (expecting "fi")\n`);
  });

  it("$? after a command substitution: at once in bash, after the command in dash", () => {
    expect(out(`echo $(exit 3) $?`, "bash")).toBe("3\n");
    expect(out(`echo $(exit 3) $?`, "dash")).toBe("0\n");
  });

  it("interactive ash prints '/ # ' and PS2, and a newline at end of input", () => {
    const r = run(null, { tty: true, chunks: [{ at: 0, data: "cd /tmp\n" }, { at: 1000, data: "if true\n" }, { at: 2000, data: "then echo yes; fi\n" }] });
    expect(r.stderr).toBe("/ # /tmp # > /tmp # \n");
    expect(r.stdout).toBe("yes\n");
  });

  it("interactive bash prints user@host:cwd# and 'exit' at end; dash prints '# '", () => {
    const b = run(null, { dialect: "bash", tty: true, stdin: "cd /tmp\nnope\n" });
    expect(b.stderr).toBe("root@web:/# root@web:/tmp# bash: nope: command not found\nroot@web:/tmp# exit\n");
    const d = run(null, { dialect: "dash", tty: true, stdin: "nope\necho hi\n" });
    expect(d.stderr).toBe("# sh: 1: nope: not found\n# # \n");
    expect(d.stdout).toBe("hi\n");
  });

  it("interactive: a syntax error does not end the shell; ash's messages have no line", () => {
    const r = run(null, { tty: true, stdin: "fi\ncd /nope\necho ok\n" });
    expect(r.stdout).toBe("ok\n");
    expect(r.stderr).toBe(`/ # sh: syntax error: unexpected "fi"\n/ # sh: cd: can't cd to /nope: No such file or directory\n/ # / # \n`);
  });
});

describe("spawn", () => {
  const world = fakeWorld();
  const ctx = (fs: MemoryFs, o: { stdin?: string } = {}) => {
    const stdout = new Collect(false);
    const stderr = new Collect(false);
    const stdin = new Pipe(false);
    if (o.stdin) stdin.push(o.stdin);
    stdin.end();
    return { stdout, stderr, c: { env: { PATH: "/usr/bin:/bin" }, cwd: "/", fs, now: () => T0, flavour: "busybox" as const, world, io: { stdin, stdout, stderr }, tools: stubs } };
  };
  const drive = (g: Generator<Effect, number, void>) => {
    for (;;) {
      const r = g.next();
      if (r.done) return r.value;
    }
  };

  it("finds programs on PATH; a missing one gets the runtime's words", () => {
    const fs = new MemoryFs({ now: () => T0 });
    populate(fs, skeleton("busybox"));
    const { c } = ctx(fs);
    expect(spawn(["nope"], c)).toEqual({ error: "notFound", message: `exec: "nope": executable file not found in $PATH` });
    const { c: c2 } = ctx(fs);
    populate(fs, { "/etc/data": "x" });
    expect(spawn(["/etc/data"], c2)).toMatchObject({ error: "permission" });
  });

  it("picks the shell by the file a name leads to: busybox → ash, dash, bash", () => {
    const fs = new MemoryFs({ now: () => T0 });
    populate(fs, skeleton("busybox"));
    const a = ctx(fs);
    const g = spawn(["sh", "-c", "nope"], a.c);
    expect("error" in g).toBe(false);
    expect(drive(g as Generator<Effect, number, void>)).toBe(127);
    expect(text(a.stderr.bytes())).toBe("sh: nope: not found\n");

    const deb = new MemoryFs({ now: () => T0 });
    populate(deb, skeleton("debian"));
    const d = ctx(deb);
    drive(spawn(["sh", "-c", "nope"], { ...d.c, flavour: "gnu" }) as Generator<Effect, number, void>);
    expect(d.stderr.text()).toBe("sh: 1: nope: not found\n");
    const b = ctx(deb);
    drive(spawn(["bash", "-c", "nope"], { ...b.c, flavour: "gnu" }) as Generator<Effect, number, void>);
    expect(b.stderr.text()).toBe("bash: line 1: nope: command not found\n");
  });

  it("runs #! scripts through their interpreter", () => {
    const fs = new MemoryFs({ now: () => T0 });
    populate(fs, { ...skeleton("busybox"), "/usr/bin/hello": { data: "#!/bin/sh\necho hello $1 from $0\n", mode: 0o755 } });
    const a = ctx(fs);
    expect(drive(spawn(["hello", "world"], a.c) as Generator<Effect, number, void>)).toBe(0);
    expect(a.stdout.text()).toBe("hello world from /usr/bin/hello\n");
  });
});
