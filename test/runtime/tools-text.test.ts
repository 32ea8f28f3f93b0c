// The text tools over MemoryFs and a fake clock: outputs and errors as busybox and GNU print them.
import { describe, expect, it } from "vitest";
import { MemoryFs, populate, type PopulateEntry } from "../../worker/cluster/container/fs/memory";
import { spawn } from "../../worker/cluster/container/spawn";
import { Collect, Pipe } from "../../worker/cluster/container/streams";
import { toolNames } from "../../worker/cluster/container/tools";
import { T0, fakeWorld, runTool } from "./toolHarness";

const files = { "/data/a.txt": "one\ntwo\nthree\nfour\nfive\n", "/data/b.txt": "alpha\nbeta\n" };

describe("echo and printf", () => {
  it("echo -n, -e and unknown options as text", () => {
    expect(runTool(["echo", "-n", "hi"]).stdout).toBe("hi");
    expect(runTool(["echo", "-e", "a\\tb\\x41\\0101"]).stdout).toBe("a\tbAA\n");
    expect(runTool(["echo", "-x", "y"]).stdout).toBe("-x y\n");
  });
  it("printf reuses its format and formats numbers", () => {
    expect(runTool(["printf", "%s=%d\\n", "a", "1", "b", "2"]).stdout).toBe("a=1\nb=2\n");
    expect(runTool(["printf", "%5.2f|%-4s|%04d|%x|%e\\n", "3.14159", "ab", "42", "255", "12345"]).stdout).toBe(" 3.14|ab  |0042|ff|1.234500e+04\n");
    const bad = runTool(["printf", "%d\\n", "abc"], { flavour: "gnu" });
    expect(bad.stdout).toBe("0\n");
    expect(bad.stderr).toBe("printf: 'abc': expected a numeric value\n");
    expect(bad.code).toBe(1);
  });
});

describe("head and tail", () => {
  it("head -n, -N and -c", () => {
    expect(runTool(["head", "-n", "2", "/data/a.txt"], { files }).stdout).toBe("one\ntwo\n");
    expect(runTool(["head", "-3", "/data/a.txt"], { files }).stdout).toBe("one\ntwo\nthree\n");
    expect(runTool(["head", "-c", "5", "/data/a.txt"], { files }).stdout).toBe("one\nt");
    expect(runTool(["head", "-n", "-3", "/data/a.txt"], { files, flavour: "gnu" }).stdout).toBe("one\ntwo\n");
  });
  it("head with several files prints headers; a missing file in each flavour's words", () => {
    expect(runTool(["head", "-n1", "/data/a.txt", "/data/b.txt"], { files }).stdout).toBe("==> /data/a.txt <==\none\n\n==> /data/b.txt <==\nalpha\n");
    const bb = runTool(["head", "nope"], { files });
    expect(bb.stderr).toBe("head: can't open 'nope': No such file or directory\n");
    expect(bb.code).toBe(1);
    expect(runTool(["head", "nope"], { files, flavour: "gnu" }).stderr).toBe("head: cannot open 'nope' for reading: No such file or directory\n");
  });
  it("tail -n, -n +N, -c", () => {
    expect(runTool(["tail", "-n", "2", "/data/a.txt"], { files }).stdout).toBe("four\nfive\n");
    expect(runTool(["tail", "-n+4", "/data/a.txt"], { files }).stdout).toBe("four\nfive\n");
    expect(runTool(["tail", "-c", "5", "/data/a.txt"], { files }).stdout).toBe("five\n");
    expect(runTool(["tail", "-1"], { stdin: "x\ny\nz" }).stdout).toBe("z");
  });
});

describe("grep", () => {
  const logs = { "/var/log/app.log": "GET /a 200\nGET /b 404\nPOST /c 500\nGET /d 200\n", "/etc/x/one.conf": "port=80\n", "/etc/x/two.conf": "host=a\nport=443\n" };
  it("matches, -v -c -n -i, exit codes", () => {
    expect(runTool(["grep", "GET", "/var/log/app.log"], { files: logs }).stdout).toBe("GET /a 200\nGET /b 404\nGET /d 200\n");
    expect(runTool(["grep", "-c", "200", "/var/log/app.log"], { files: logs }).stdout).toBe("2\n");
    expect(runTool(["grep", "-vn", "GET", "/var/log/app.log"], { files: logs }).stdout).toBe("3:POST /c 500\n");
    expect(runTool(["grep", "-i", "post"], { stdin: "Post it\nno\n" }).stdout).toBe("Post it\n");
    expect(runTool(["grep", "zzz", "/var/log/app.log"], { files: logs }).code).toBe(1);
    const missing = runTool(["grep", "x", "/nope"], { files: logs });
    expect([missing.code, missing.stderr]).toEqual([2, "grep: /nope: No such file or directory\n"]);
  });
  it("BRE and ERE, -o -w -x, -E alternation", () => {
    expect(runTool(["grep", "-E", "40[0-9]|50[0-9]", "/var/log/app.log"], { files: logs }).stdout).toBe("GET /b 404\nPOST /c 500\n");
    expect(runTool(["grep", "\\(GET\\|POST\\) /[cd]", "/var/log/app.log"], { files: logs }).stdout).toBe("POST /c 500\nGET /d 200\n");
    expect(runTool(["grep", "-o", "[0-9]\\+"], { stdin: "a12b345\n" }).stdout).toBe("12\n345\n");
    expect(runTool(["grep", "-w", "is"], { stdin: "this\nit is\n" }).stdout).toBe("it is\n");
    expect(runTool(["grep", "-x", "it"], { stdin: "it\nits\n" }).stdout).toBe("it\n");
  });
  it("context with separators, -r with file names, -l, -q", () => {
    expect(runTool(["grep", "-A1", "500"], { stdin: "a\n500\nb\nc\nd\n500\n" }).stdout).toBe("500\nb\n--\n500\n");
    expect(runTool(["grep", "-B1", "-n", "x"], { stdin: "a\nx\nb\n" }).stdout).toBe("1-a\n2:x\n");
    expect(runTool(["grep", "-r", "port", "/etc/x"], { files: logs }).stdout).toBe("/etc/x/one.conf:port=80\n/etc/x/two.conf:port=443\n");
    expect(runTool(["grep", "-l", "host", "/etc/x/one.conf", "/etc/x/two.conf"], { files: logs }).stdout).toBe("/etc/x/two.conf\n");
    const q = runTool(["grep", "-q", "GET", "/var/log/app.log"], { files: logs });
    expect([q.code, q.stdout]).toEqual([0, ""]);
    expect(runTool(["grep", "x", "/etc"], { files: logs, flavour: "gnu" }).stderr).toBe("grep: /etc: Is a directory\n");
  });
  it("reads stdin as it arrives", () => {
    const r = runTool(["grep", "ERR"], { stdinChunks: [{ at: 0, data: "ok\nERR 1\n" }, { at: 5000, data: "ERR 2\n" }] });
    expect(r.stdout).toBe("ERR 1\nERR 2\n");
    expect(r.slept).toBe(5000);
  });
});

describe("wc, sort, uniq, cut, tr", () => {
  it("wc widths in each flavour", () => {
    expect(runTool(["wc"], { stdin: "a b\nc\n", flavour: "gnu" }).stdout).toBe("      2       3       6\n");
    expect(runTool(["wc"], { stdin: "a b\nc\n" }).stdout).toBe("        2         3         6\n");
    expect(runTool(["wc", "-l"], { stdin: "a b\nc\n", flavour: "gnu" }).stdout).toBe("2\n");
    expect(runTool(["wc", "-l"], { stdin: "a b\nc\n" }).stdout).toBe("2\n");
    expect(runTool(["wc", "-l", "/data/a.txt"], { files }).stdout).toBe("5 /data/a.txt\n");
    expect(runTool(["wc", "/data/a.txt", "/data/b.txt"], { files, flavour: "gnu" }).stdout).toBe(" 5  5 24 /data/a.txt\n 2  2 11 /data/b.txt\n 7  7 35 total\n");
    expect(runTool(["wc", "-c", "/nope"], { files }).stderr).toBe("wc: can't open '/nope': No such file or directory\n");
  });
  it("sort -n -r -u -k -t -h -V", () => {
    expect(runTool(["sort"], { stdin: "b\nB\na\n" }).stdout).toBe("B\na\nb\n");
    expect(runTool(["sort", "-n"], { stdin: "10\n9\n100\nx\n" }).stdout).toBe("x\n9\n10\n100\n");
    expect(runTool(["sort", "-rn"], { stdin: "10\n9\n100\n" }).stdout).toBe("100\n10\n9\n");
    expect(runTool(["sort", "-u"], { stdin: "b\na\nb\n" }).stdout).toBe("a\nb\n");
    expect(runTool(["sort", "-t:", "-k3,3n"], { stdin: "a:x:30\nb:x:4\nc:x:100\n" }).stdout).toBe("b:x:4\na:x:30\nc:x:100\n");
    expect(runTool(["sort", "-k2"], { stdin: "x b\ny a\n" }).stdout).toBe("y a\nx b\n");
    expect(runTool(["sort", "-h"], { stdin: "1G\n10K\n2M\n" }).stdout).toBe("10K\n2M\n1G\n");
    expect(runTool(["sort", "-V"], { stdin: "v1.10\nv1.9\nv1.2\n" }).stdout).toBe("v1.2\nv1.9\nv1.10\n");
  });
  it("uniq -c -d -u", () => {
    expect(runTool(["uniq", "-c"], { stdin: "a\na\nb\n" }).stdout).toBe("      2 a\n      1 b\n");
    expect(runTool(["uniq", "-d"], { stdin: "a\na\nb\n" }).stdout).toBe("a\n");
    expect(runTool(["uniq", "-u"], { stdin: "a\na\nb\n" }).stdout).toBe("b\n");
  });
  it("cut fields, characters, ranges and errors", () => {
    expect(runTool(["cut", "-d:", "-f1,3"], { stdin: "root:x:0:0\nnone\n" }).stdout).toBe("root:0\nnone\n");
    expect(runTool(["cut", "-d:", "-f2-", "-s"], { stdin: "a:b:c\nnone\n" }).stdout).toBe("b:c\n");
    expect(runTool(["cut", "-c", "2-4"], { stdin: "abcdef\n" }).stdout).toBe("bcd\n");
    const e = runTool(["cut", "x"], { flavour: "gnu" });
    expect(e.stderr).toBe("cut: you must specify a list of bytes, characters, or fields\nTry 'cut --help' for more information.\n");
  });
  it("tr ranges, classes, -d -s -c", () => {
    expect(runTool(["tr", "a-z", "A-Z"], { stdin: "hello\n" }).stdout).toBe("HELLO\n");
    expect(runTool(["tr", "[:lower:]", "[:upper:]"], { stdin: "hi\n" }).stdout).toBe("HI\n");
    expect(runTool(["tr", "-d", "0-9"], { stdin: "a1b22\n" }).stdout).toBe("ab\n");
    expect(runTool(["tr", "-s", " "], { stdin: "a   b  c\n" }).stdout).toBe("a b c\n");
    expect(runTool(["tr", "-cd", "a-z\\n"], { stdin: "a-B c!\n" }).stdout).toBe("ac\n");
    expect(runTool(["tr", "abc", "x"], { stdin: "abcd" }).stdout).toBe("xxxd");
  });
});

describe("sed", () => {
  it("s with flags, & and groups, -n with p, -E", () => {
    expect(runTool(["sed", "s/o/0/"], { stdin: "foo\n" }).stdout).toBe("f0o\n");
    expect(runTool(["sed", "s/o/0/g"], { stdin: "foo\n" }).stdout).toBe("f00\n");
    expect(runTool(["sed", "s/\\(a\\)\\(b\\)/\\2\\1[&]/"], { stdin: "abc\n" }).stdout).toBe("ba[ab]c\n");
    expect(runTool(["sed", "-E", "s/([0-9]+)/<\\1>/2"], { stdin: "1 2 3\n" }).stdout).toBe("1 <2> 3\n");
    expect(runTool(["sed", "-n", "s/x/y/p"], { stdin: "ax\nb\n" }).stdout).toBe("ay\n");
    expect(runTool(["sed", "s|/usr|/opt|;s/HELLO/hi/I"], { stdin: "/usr/bin hello\n" }).stdout).toBe("/opt/bin hi\n");
  });
  it("addresses, ranges, d p q = and negation", () => {
    const five = "1\n2\n3\n4\n5\n";
    expect(runTool(["sed", "-n", "2,4p"], { stdin: five }).stdout).toBe("2\n3\n4\n");
    expect(runTool(["sed", "2,$d"], { stdin: five }).stdout).toBe("1\n");
    expect(runTool(["sed", "-n", "$p"], { stdin: five }).stdout).toBe("5\n");
    expect(runTool(["sed", "3q"], { stdin: five }).stdout).toBe("1\n2\n3\n");
    expect(runTool(["sed", "-n", "/2/,/4/!p"], { stdin: five }).stdout).toBe("1\n5\n");
    expect(runTool(["sed", "-n", "$="], { stdin: five }).stdout).toBe("5\n");
    expect(runTool(["sed", "1~2d"], { stdin: five }).stdout).toBe("2\n4\n");
  });
  it("a i c y, hold space, labels", () => {
    expect(runTool(["sed", "1i\\\nfirst", "-"], { stdin: "x\n" }).stdout).toBe("first\nx\n");
    expect(runTool(["sed", "/x/a after"], { stdin: "x\ny\n" }).stdout).toBe("x\nafter\ny\n");
    expect(runTool(["sed", "2c\\changed"], { stdin: "a\nb\nc\n" }).stdout).toBe("a\nchanged\nc\n");
    expect(runTool(["sed", "y/abc/xyz/"], { stdin: "aabbcc\n" }).stdout).toBe("xxyyzz\n");
    expect(runTool(["sed", "-n", "1!G;h;$p"], { stdin: "a\nb\nc\n" }).stdout).toBe("c\nb\na\n");
    expect(runTool(["sed", ":a;N;$!ba;s/\\n/,/g"], { stdin: "a\nb\nc\n" }).stdout).toBe("a,b,c\n");
  });
  it("-i edits files in place, with a backup suffix", () => {
    const r = runTool(["sed", "-i.bak", "s/80/8080/", "/etc/app.conf"], { files: { "/etc/app.conf": "port=80\n" } });
    expect(r.code).toBe(0);
    expect(new TextDecoder().decode(r.fs.read("/etc/app.conf"))).toBe("port=8080\n");
    expect(new TextDecoder().decode(r.fs.read("/etc/app.conf.bak"))).toBe("port=80\n");
  });
  it("errors in each flavour's words", () => {
    const g = runTool(["sed", "s/a/b"], { stdin: "", flavour: "gnu" });
    expect([g.code, g.stderr]).toEqual([1, "sed: -e expression #1, char 5: unterminated `s' command\n"]);
    expect(runTool(["sed", "k"], { stdin: "", flavour: "gnu" }).stderr).toBe("sed: -e expression #1, char 1: unknown command: `k'\n");
  });
});

describe("awk", () => {
  const awk = (prog: string, stdin: string, ...rest: string[]) => runTool(["awk", ...rest, prog], { stdin });
  it("fields, NR/NF, -F, patterns, BEGIN/END", () => {
    expect(awk("{print $2}", "a b c\nd e f\n").stdout).toBe("b\ne\n");
    expect(awk("{print NR\": \"$NF, NF}", "a b c\nd\n").stdout).toBe("1: c 3\n2: d 1\n");
    expect(runTool(["awk", "-F:", "$3 >= 1000 {print $1}"], { stdin: "root:x:0\nbob:x:1000\n" }).stdout).toBe("bob\n");
    expect(awk("/err/", "ok\nerr 1\n").stdout).toBe("err 1\n");
    expect(awk("BEGIN{s=0} {s+=$1} END{print s, s/NR}", "1\n2\n3\n").stdout).toBe("6 2\n");
    expect(awk("NR==2,NR==3", "1\n2\n3\n4\n").stdout).toBe("2\n3\n");
    expect(awk("BEGIN { OFS=\"-\" } { $1=$1; print }", "a b c\n").stdout).toBe("a-b-c\n");
  });
  it("arrays, for-in, control flow, functions", () => {
    expect(awk("{c[$1]++} END{for (k in c) print k, c[k]}", "a\nb\na\n").stdout).toBe("a 2\nb 1\n");
    expect(awk("BEGIN{for(i=1;i<=3;i++) s=s i; print s}", "").stdout).toBe("123\n");
    expect(awk("BEGIN{i=0; while(1){if(++i>4)break; if(i%2)continue; print i}}", "").stdout).toBe("2\n4\n");
    expect(awk("function sq(x){return x*x} BEGIN{print sq(7)}", "").stdout).toBe("49\n");
    expect(awk("BEGIN{ x = 1 > 2 ? \"y\" : \"n\"; print x; print 2^10, -2^2, 7%3 }", "").stdout).toBe("n\n1024 -4 1\n");
    expect(awk("{ if ($1 > 10) print \"big\"; else print \"small\" }", "5\n50\n").stdout).toBe("small\nbig\n");
  });
  it("string functions and printf", () => {
    expect(awk("{print length($0), substr($0,2,3), index($0,\"c\"), toupper($0)}", "abcdef\n").stdout).toBe("6 bcd 3 ABCDEF\n");
    expect(awk("{n=split($0,a,\",\"); print n, a[2]}", "x,y,z\n").stdout).toBe("3 y\n");
    expect(awk("{gsub(/o/,\"0\"); sub(/h/,\"H\"); print}", "hello world\n").stdout).toBe("Hell0 w0rld\n");
    expect(awk("{ if (match($0, /[0-9]+/)) print RSTART, RLENGTH }", "ab123c\n").stdout).toBe("3 3\n");
    expect(awk("{printf \"%-5s|%5.1f|%03d\\n\", $1, $2, $3}", "ab 3.14159 7\n").stdout).toBe("ab   |  3.1|007\n");
    expect(awk("BEGIN{print 0.1+0.2, 1e6, 100000000, 3/2}", "").stdout).toBe("0.3 1000000 100000000 1.5\n");
    expect(awk("{print ($1 < $2)}", "10 9\n").stdout).toBe("0\n");
    expect(runTool(["awk", "-v", "n=3", "BEGIN{print n*2}"]).stdout).toBe("6\n");
  });
  it("exit codes, getline and output files", () => {
    expect(awk("NR==2{exit 3} {print}", "a\nb\nc\n").code).toBe(3);
    expect(awk("{getline x; print $0 \"+\" x}", "1\n2\n3\n4\n").stdout).toBe("1+2\n3+4\n");
    const r = runTool(["awk", "{print $1 > \"/tmp/out\"}"], { stdin: "a\nb\n", files: { "/tmp": { dir: true } } });
    expect(new TextDecoder().decode(r.fs.read("/tmp/out"))).toBe("a\nb\n");
  });
  it("streams records as they arrive", () => {
    const r = runTool(["awk", "{print $1}"], { stdinChunks: [{ at: 0, data: "a 1\n" }, { at: 3000, data: "b 2\n" }] });
    expect([r.stdout, r.slept]).toEqual(["a\nb\n", 3000]);
  });
});

describe("date", () => {
  it("the default format, +FORMAT, -d, -I, -R", () => {
    expect(runTool(["date"]).stdout).toBe("Thu Dec  3 14:45:01 UTC 2026\n");
    expect(runTool(["date", "+%Y-%m-%d %H:%M:%S %s %j %a %b %e %-d %N"]).stdout).toBe("2026-12-03 14:45:01 1796309101 337 Thu Dec  3 3 000000000\n");
    expect(runTool(["date", "-u", "-d", "@0"]).stdout).toBe("Thu Jan  1 00:00:00 UTC 1970\n");
    expect(runTool(["date", "-d", "2024-02-29 10:00", "+%F %T"]).stdout).toBe("2024-02-29 10:00:00\n");
    expect(runTool(["date", "-d", "1 day ago", "+%F"]).stdout).toBe("2026-12-02\n");
    expect(runTool(["date", "-Iseconds"]).stdout).toBe("2026-12-03T14:45:01+00:00\n");
    expect(runTool(["date", "-I"]).stdout).toBe("2026-12-03\n");
    expect(runTool(["date", "-R"]).stdout).toBe("Thu, 03 Dec 2026 14:45:01 +0000\n");
    const bad = runTool(["date", "-d", "xyzzy"]);
    expect([bad.code, bad.stderr]).toEqual([1, "date: invalid date 'xyzzy'\n"]);
  });
});

describe("tail -f and -F follow over cluster time", () => {
  /** A file system whose file changes at given polls (tail stats it once a poll). */
  function changing(path: string, steps: Record<number, (fs: MemoryFs) => void>): MemoryFs {
    const fs = new MemoryFs({ now: () => T0 });
    populate(fs, { [path]: "l1\nl2\n" });
    let polls = 0;
    const stat = fs.stat.bind(fs);
    fs.stat = (p: string) => {
      if (p === path) steps[++polls]?.(fs);
      return stat(p);
    };
    return fs;
  }
  it("-f prints what is appended, once a second", () => {
    const fs = changing("/var/log/app.log", { 3: (f) => f.write("/var/log/app.log", "l3\n", { append: true }), 5: (f) => f.write("/var/log/app.log", "l4\n", { append: true }) });
    const r = runTool(["tail", "-f", "/var/log/app.log"], { fs, until: 6000 });
    expect(r.code).toBe(null);
    expect(r.stdout).toBe("l1\nl2\nl3\nl4\n");
    expect(r.slept % 1000).toBe(0);
  });
  it("-F reports a file that goes and comes back, in each flavour's words", () => {
    const steps = { 3: (f: MemoryFs) => f.remove("/x.log"), 6: (f: MemoryFs) => f.write("/x.log", "new\n") };
    const gnu = runTool(["tail", "-n+1", "-F", "/x.log"], { fs: changing("/x.log", steps), until: 6000, flavour: "gnu" });
    expect(gnu.stdout).toBe("l1\nl2\nnew\n");
    expect(gnu.stderr).toBe("tail: '/x.log' has become inaccessible: No such file or directory\ntail: '/x.log' has appeared;  following new file\n");
    const bb = runTool(["tail", "-F", "/x.log"], { fs: changing("/x.log", steps), until: 6000 });
    expect(bb.stderr).toBe("tail: /x.log has been renamed or deleted: No such file or directory\ntail: /x.log has appeared; following end of new file\n");
  });
  it("-F on a missing file waits for it", () => {
    const fs = new MemoryFs({ now: () => T0 });
    let polls = 0;
    const stat = fs.stat.bind(fs);
    fs.stat = (p: string) => {
      if (p === "/late.log" && ++polls === 3) fs.write("/late.log", "hello\n");
      return stat(p);
    };
    const r = runTool(["tail", "-F", "/late.log"], { fs, until: 5000, flavour: "gnu" });
    expect(r.stderr).toBe("tail: cannot open '/late.log' for reading: No such file or directory\ntail: '/late.log' has appeared;  following new file\n");
    expect(r.stdout).toBe("hello\n");
    const f = runTool(["tail", "-f", "/late.log"]);
    expect([f.code, f.stderr]).toEqual([1, "tail: can't open '/late.log': No such file or directory\ntail: no files\n"]);
  });
});

describe("expr, seq, sleep, test", () => {
  it("expr arithmetic, comparison and strings", () => {
    expect(runTool(["expr", "1", "+", "2", "*", "3"]).stdout).toBe("7\n");
    expect(runTool(["expr", "7", "/", "2"]).stdout).toBe("3\n");
    expect(runTool(["expr", "length", "hello"]).stdout).toBe("5\n");
    expect(runTool(["expr", "substr", "hello", "2", "3"]).stdout).toBe("ell\n");
    expect(runTool(["expr", "index", "hello", "l"]).stdout).toBe("3\n");
    expect(runTool(["expr", "abc123", ":", "[a-z]*"]).stdout).toBe("3\n");
    expect(runTool(["expr", "v1.2", ":", "v\\(.*\\)"]).stdout).toBe("1.2\n");
    const zero = runTool(["expr", "2", "<", "1"]);
    expect([zero.stdout, zero.code]).toEqual(["0\n", 1]);
    expect(runTool(["expr", "a", "+", "1"], { flavour: "gnu" }).stderr).toBe("expr: non-integer argument\n");
    expect(runTool(["expr", "1", "/", "0"]).code).toBe(2);
  });
  it("seq forms", () => {
    expect(runTool(["seq", "3"]).stdout).toBe("1\n2\n3\n");
    expect(runTool(["seq", "2", "2", "7"]).stdout).toBe("2\n4\n6\n");
    expect(runTool(["seq", "-s", ",", "3"]).stdout).toBe("1,2,3\n");
    expect(runTool(["seq", "-w", "8", "10"]).stdout).toBe("08\n09\n10\n");
    expect(runTool(["seq", "0", "0.5", "1.5"]).stdout).toBe("0.0\n0.5\n1.0\n1.5\n");
    expect(runTool(["seq", "3", "1"]).stdout).toBe("");
    expect(runTool(["seq", "5", "-2", "1"]).stdout).toBe("5\n3\n1\n");
  });
  it("sleep passes cluster time, with suffixes and fractions", () => {
    expect(runTool(["sleep", "1.5"]).slept).toBe(1500);
    expect(runTool(["sleep", "2m", "1"]).slept).toBe(121_000);
    const bad = runTool(["sleep", "x"], { flavour: "gnu" });
    expect([bad.code, bad.stderr]).toEqual([1, "sleep: invalid time interval 'x'\nTry 'sleep --help' for more information.\n"]);
    expect(runTool(["sleep", "x"]).stderr).toBe("sleep: invalid number 'x'\n");
    const inf = runTool(["sleep", "infinity"], { until: 5 * 86_400_000 });
    expect(inf.code).toBe(null);
  });
  it("test and [", () => {
    const f = { "/etc/hosts": "x\n", "/empty": "" };
    expect(runTool(["test", "-f", "/etc/hosts"], { files: f }).code).toBe(0);
    expect(runTool(["test", "-d", "/etc/hosts"], { files: f }).code).toBe(1);
    expect(runTool(["[", "-s", "/empty", "]"], { files: f }).code).toBe(1);
    expect(runTool(["[", "3", "-gt", "2", "-a", "abc", "=", "abc", "]"]).code).toBe(0);
    expect(runTool(["[", "!", "-e", "/nope", "]"]).code).toBe(0);
    const miss = runTool(["[", "1", "=", "1"], { flavour: "gnu" });
    expect([miss.code, miss.stderr]).toEqual([2, "[: missing ']'\n"]);
    expect(runTool(["test", "a", "-eq", "1"], { flavour: "gnu" }).stderr).toBe("test: invalid integer 'a'\n");
    expect(runTool(["test", "-z", ""]).code).toBe(0);
  });
});

describe("env, printenv, xargs, timeout, watch", () => {
  it("env prints and runs with changes; printenv", () => {
    const e = { A: "1", B: "2" };
    expect(runTool(["env"], { env: e }).stdout).toBe("A=1\nB=2\n");
    expect(runTool(["env", "-i", "C=3", "env"], { env: e }).stdout).toBe("C=3\n");
    expect(runTool(["env", "-u", "A", "printenv"], { env: e }).stdout).toBe("B=2\n");
    expect(runTool(["printenv", "B"], { env: e }).stdout).toBe("2\n");
    expect(runTool(["printenv", "Z"], { env: e }).code).toBe(1);
  });
  it("xargs batches, -n, -I, -0, -t, -r", () => {
    expect(runTool(["xargs"], { stdin: "a b\nc\n" }).stdout).toBe("a b c\n");
    expect(runTool(["xargs", "-n", "2", "echo", "x"], { stdin: "1 2 3\n" }).stdout).toBe("x 1 2\nx 3\n");
    expect(runTool(["xargs", "-I", "{}", "echo", "<{}>"], { stdin: "a b\nc\n" }).stdout).toBe("<a b>\n<c>\n");
    expect(runTool(["xargs", "-0", "echo"], { stdin: "a b\0c\0" }).stdout).toBe("a b c\n");
    const t = runTool(["xargs", "-t", "echo"], { stdin: "q\n" });
    expect([t.stdout, t.stderr]).toEqual(["q\n", "echo q\n"]);
    expect(runTool(["xargs", "-r", "echo", "x"], { stdin: "" }).stdout).toBe("");
    expect(runTool(["xargs", "echo", "x"], { stdin: "" }).stdout).toBe("x\n");
    expect(runTool(["xargs", "false"], { stdin: "a\n" }).code).toBe(123);
  });
  it("timeout stops a command at the limit", () => {
    const r = runTool(["timeout", "2", "sleep", "10"], { flavour: "gnu" });
    expect([r.code, r.slept]).toEqual([124, 2000]);
    expect(runTool(["timeout", "2", "sleep", "10"]).code).toBe(143);
    const ok = runTool(["timeout", "5", "sleep", "1"]);
    expect([ok.code, ok.slept]).toEqual([0, 1000]);
    expect(runTool(["timeout", "1s", "false"]).code).toBe(1);
  });
  it("watch runs its command every interval with a header", () => {
    const r = runTool(["watch", "-x", "-n", "1", "-t", "echo", "hi"], { until: 2500 });
    expect(r.code).toBe(null);
    expect(r.stdout).toBe("\x1b[H\x1b[Jhi\n".repeat(3));
    const h = runTool(["watch", "-x", "date"], { until: 1000 });
    expect(h.stdout).toBe(`\x1b[H\x1b[JEvery 2.0s: date${" ".repeat(44)}2026-12-03 14:45:01\n\nThu Dec  3 14:45:01 UTC 2026\n`);
  });
});

describe("small filters and dumps", () => {
  it("rev, tac, nl, paste, fold", () => {
    expect(runTool(["rev"], { stdin: "abc\nxy\n" }).stdout).toBe("cba\nyx\n");
    expect(runTool(["tac"], { stdin: "1\n2\n3\n" }).stdout).toBe("3\n2\n1\n");
    expect(runTool(["nl"], { stdin: "a\n\nb\n" }).stdout).toBe("     1\ta\n       \n     2\tb\n");
    expect(runTool(["paste", "-d,", "/data/a.txt", "/data/b.txt"], { files }).stdout).toBe("one,alpha\ntwo,beta\nthree,\nfour,\nfive,\n");
    expect(runTool(["paste", "-s", "-d+"], { stdin: "1\n2\n3\n" }).stdout).toBe("1+2+3\n");
    expect(runTool(["fold", "-w", "3"], { stdin: "abcdefg\n" }).stdout).toBe("abc\ndef\ng\n");
  });
  it("od, hexdump -C, xxd", () => {
    expect(runTool(["od", "-c"], { stdin: "hi\n" }).stdout).toBe("0000000   h   i  \\n\n0000003\n");
    expect(runTool(["od", "-An", "-tx1"], { stdin: "AB" }).stdout).toBe(" 41 42\n");
    expect(runTool(["hexdump", "-C"], { stdin: "hello world\n" }).stdout).toBe("00000000  68 65 6c 6c 6f 20 77 6f  72 6c 64 0a              |hello world.|\n0000000c\n");
    expect(runTool(["xxd"], { stdin: "hello" }).stdout).toBe("00000000: 6865 6c6c 6f                             hello\n");
    expect(runTool(["xxd", "-p"], { stdin: "hi" }).stdout).toBe("6869\n");
  });
  it("strings, column -t, less without a terminal", () => {
    expect(runTool(["strings"], { stdin: new Uint8Array([0, 104, 101, 108, 108, 111, 0, 1, 97, 98, 0]) }).stdout).toBe("hello\n");
    expect(runTool(["column", "-t"], { stdin: "NAME READY\nweb-1 1/1\n" }).stdout).toBe("NAME   READY\nweb-1  1/1\n");
    expect(runTool(["less", "/data/b.txt"], { files }).stdout).toBe("alpha\nbeta\n");
  });
  it("diff normal and unified", () => {
    const f = { "/a": "one\ntwo\nthree\n", "/b": "one\nTWO\nthree\nfour\n" };
    const n = runTool(["diff", "/a", "/b"], { files: f });
    expect([n.code, n.stdout]).toEqual([1, "2c2\n< two\n---\n> TWO\n3a4\n> four\n"]);
    const u = runTool(["diff", "-u", "/a", "/b"], { files: f, flavour: "gnu" });
    expect(u.stdout.split("\n").slice(2).join("\n")).toBe("@@ -1,3 +1,4 @@\n one\n-two\n+TWO\n three\n+four\n");
    expect(u.stdout).toMatch(/^--- \/a\t2026-12-03 14:45:01\.000000000 \+0000\n\+\+\+ \/b\t/);
    expect(runTool(["diff", "/a", "/a"], { files: f }).code).toBe(0);
    expect(runTool(["diff", "-q", "/a", "/b"], { files: f }).stdout).toBe("Files /a and /b differ\n");
  });
  it("terminal and system figures", () => {
    expect(runTool(["tput", "cols"], { env: { COLUMNS: "120" } }).stdout).toBe("120\n");
    expect(runTool(["stty", "size"], { tty: true }).stdout).toBe("24 80\n");
    expect(runTool(["getconf", "PAGESIZE"]).stdout).toBe("4096\n");
    expect(runTool(["clear"]).stdout).toBe("\x1b[H\x1b[J");
    expect(runTool(["true"]).code).toBe(0);
    expect(runTool(["false"]).code).toBe(1);
  });
});

describe("edge cases", () => {
  it("tail -f on a pipe reads it to its end and stops", () => {
    const r = runTool(["tail", "-f", "-n", "1"], { stdin: "a\nb\n" });
    expect([r.code, r.stdout]).toEqual([0, "b\n"]);
  });
  it("grep -r without a directory searches . and GNU names files without ./", () => {
    const f = { "/srv/a.txt": "needle\n" };
    expect(runTool(["grep", "-r", "needle"], { files: f, cwd: "/srv", flavour: "gnu" }).stdout).toBe("a.txt:needle\n");
    expect(runTool(["grep", "-r", "needle"], { files: f, cwd: "/srv" }).stdout).toBe("./a.txt:needle\n");
  });
});

describe("through the shell (spawn)", () => {
  function sh(script: string, flavour: "busybox" | "gnu" = "busybox") {
    let clock = T0;
    const fs = new MemoryFs({ now: () => clock });
    const files: Record<string, PopulateEntry> = { "/bin/busybox": { data: "\x7fELF", mode: 0o755 }, "/bin/sh": { symlink: "busybox" }, "/etc/passwd": "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n" };
    for (const n of toolNames()) if (!n.includes("/")) files[`/bin/${n}`] = { symlink: "busybox" };
    populate(fs, files);
    const out = new Collect(false);
    const err = new Collect(false);
    const g = spawn(["sh", "-c", script], { env: { PATH: "/bin" }, cwd: "/", fs, now: () => clock, flavour, world: fakeWorld(), io: { stdin: new Pipe(false, "", true), stdout: out, stderr: err } });
    if ("error" in g) throw new Error(g.message);
    let r = g.next();
    while (!r.done) {
      if ("sleep" in r.value) clock += r.value.sleep;
      r = g.next();
    }
    return { code: r.value, stdout: out.text(), stderr: err.text(), slept: clock - T0 };
  }
  it("pipelines of text tools", () => {
    expect(sh("yes | head -3").stdout).toBe("y\ny\ny\n");
    expect(sh("cut -d: -f1 /etc/passwd | sort -r | tr a-z A-Z").stdout).toBe("ROOT\nNOBODY\n");
    expect(sh("seq 1 5 | awk '{s+=$1} END {print s}'").stdout).toBe("15\n");
    expect(sh("echo a b c | xargs -n1 | wc -l").stdout).toBe("3\n");
    expect(sh("i=0; while [ $i -lt 3 ]; do echo \"$i: $(date +%T)\"; i=$((i+1)); sleep 1; done").stdout).toBe("0: 14:45:01\n1: 14:45:02\n2: 14:45:03\n");
  });
  it("awk's cmd | getline and system(), timeout and env's words", () => {
    expect(sh("awk 'BEGIN { \"echo hi\" | getline t; print t; r = system(\"exit 3\"); print r }'").stdout).toBe("hi\n3\n");
    expect(sh("timeout 1 sleep 5; echo $?", "gnu")).toMatchObject({ stdout: "124\n", slept: 1000 });
    expect(sh("env nosuch; echo $?")).toMatchObject({ stdout: "127\n", stderr: "env: can't execute 'nosuch': No such file or directory\n" });
    expect(sh("env nosuch", "gnu").stderr).toBe("env: 'nosuch': No such file or directory\n");
  });
});
