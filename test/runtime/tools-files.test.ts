// The file tools against an in-memory file system, in both flavours' words.
import { describe, expect, it } from "vitest";
import { gzipSync } from "fflate";
import { MemoryFs, populate } from "../../worker/cluster/container/fs/memory";
import { decodeTar, encodeEnd, encodeEntry } from "../../worker/cluster/container/tools/files/ustar";
import { runTool, T0 } from "./toolHarness";

const PASSWD = "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\nnginx:x:101:101:nginx:/var/cache/nginx:/sbin/nologin\n";
const GROUP = "root:x:0:\nnogroup:x:65534:\nnginx:x:101:\n";

function world(files: Record<string, Parameters<typeof populate>[1][string]> = {}) {
  let clock = T0;
  const fs = new MemoryFs({ now: () => clock });
  populate(fs, { "/etc/passwd": PASSWD, "/etc/group": GROUP, "/tmp": { dir: true, mode: 0o1777 }, ...files });
  return { fs, tick: (ms: number) => (clock += ms) };
}

describe("ls", () => {
  it("lists one name a line when stdout is not a terminal, sorted in the C locale, hiding dot files", () => {
    const { fs } = world({ "/d/b": "", "/d/A": "", "/d/.h": "", "/d/a": "" });
    expect(runTool(["ls", "/d"], { fs }).stdout).toBe("A\na\nb\n");
    expect(runTool(["ls", "-a", "/d"], { fs }).stdout).toBe(".\n..\n.h\nA\na\nb\n");
    expect(runTool(["ls", "-A", "/d"], { fs }).stdout).toBe(".h\nA\na\nb\n");
  });

  it("lists in columns on a terminal (busybox: equal widths; GNU: each column its own)", () => {
    const { fs } = world({ "/d/alpha": "", "/d/b": "", "/d/cc": "" });
    expect(runTool(["ls", "/d"], { fs, tty: true }).stdout).toBe("alpha  b      cc\n");
    expect(runTool(["ls", "/d"], { fs, tty: true, flavour: "gnu" }).stdout).toBe("alpha  b  cc\n");
    const many = world(Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`/m/file-number-${String(i).padStart(2, "0")}`, ""])));
    const out = runTool(["ls", "/m"], { fs: many.fs, tty: true, env: { COLUMNS: "40" }, flavour: "gnu" }).stdout;
    expect(out.split("\n")[0]).toBe("file-number-00  file-number-06");
  });

  it("prints -l rows in each flavour's widths, with symlink targets and the total", () => {
    const { fs } = world({ "/d/hello.txt": "hello\n", "/d/link": { symlink: "hello.txt" }, "/d/sub": { dir: true } });
    fs.chown("/d/hello.txt", 101, 101);
    const bb = runTool(["ls", "-l", "/d"], { fs }).stdout;
    expect(bb).toBe(
      "total 8\n" +
        "-rw-r--r--    1 nginx    nginx            6 Dec  3 14:45 hello.txt\n" +
        "lrwxrwxrwx    1 root     root             9 Dec  3 14:45 link -> hello.txt\n" +
        "drwxr-xr-x    2 root     root          4096 Dec  3 14:45 sub\n",
    );
    const gnu = runTool(["ls", "-l", "/d"], { fs, flavour: "gnu" }).stdout;
    expect(gnu).toBe(
      "total 8\n" +
        "-rw-r--r-- 1 nginx nginx    6 Dec  3 14:45 hello.txt\n" +
        "lrwxrwxrwx 1 root  root     9 Dec  3 14:45 link -> hello.txt\n" +
        "drwxr-xr-x 2 root  root  4096 Dec  3 14:45 sub\n",
    );
  });

  it("shows the year for files older than six months, and -n numbers, -h sizes", () => {
    const { fs } = world({ "/d/old": "x".repeat(2048) });
    fs.utimes("/d/old", Date.UTC(2025, 11, 3, 10, 0));
    expect(runTool(["ls", "-ln", "/d/old"], { fs, flavour: "gnu" }).stdout).toBe("-rw-r--r-- 1 0 0 2048 Dec  3  2025 /d/old\n");
    expect(runTool(["ls", "-lh", "/d/old"], { fs, flavour: "gnu" }).stdout).toBe("-rw-r--r-- 1 root root 2.0K Dec  3  2025 /d/old\n");
  });

  it("reports a missing operand in each flavour's words and status", () => {
    const { fs } = world();
    expect(runTool(["ls", "/nope"], { fs })).toMatchObject({ code: 1, stderr: "ls: /nope: No such file or directory\n" });
    expect(runTool(["ls", "/nope"], { fs, flavour: "gnu" })).toMatchObject({ code: 2, stderr: "ls: cannot access '/nope': No such file or directory\n" });
  });

  it("labels directories when several are listed, files first; -d, -R, -t, -S, -r", () => {
    const { fs, tick } = world({ "/a/x": "1", "/b/y": "22" });
    tick(1000);
    fs.write("/f", "333");
    expect(runTool(["ls", "/b", "/f", "/a"], { fs }).stdout).toBe("/f\n\n/a:\nx\n\n/b:\ny\n");
    expect(runTool(["ls", "-d", "/a"], { fs }).stdout).toBe("/a\n");
    expect(runTool(["ls", "-R", "/a"], { fs }).stdout).toBe("/a:\nx\n");
    expect(runTool(["ls", "-t", "/"], { fs }).stdout.split("\n")[0]).toBe("f");
    fs.write("/a/big", "xxxxxxxx");
    expect(runTool(["ls", "-S", "/a"], { fs }).stdout).toBe("big\nx\n");
    expect(runTool(["ls", "-Sr", "/a"], { fs }).stdout).toBe("x\nbig\n");
  });

  it("rejects an unknown option as each flavour does", () => {
    const gnu = runTool(["ls", "-Q"], { flavour: "gnu" });
    expect(gnu.code).toBe(2);
    expect(gnu.stderr).toBe("ls: invalid option -- 'Q'\nTry 'ls --help' for more information.\n");
    const bb = runTool(["ls", "-Q"]);
    expect(bb.code).toBe(1);
    expect(bb.stderr).toMatch(/^ls: unrecognized option: Q\nBusyBox v1\.36\.1 .*\n\nUsage: ls /);
  });
});

describe("cat", () => {
  it("concatenates files and numbers lines across them", () => {
    const { fs } = world({ "/a": "one\ntwo\n", "/b": "three\n" });
    expect(runTool(["cat", "/a", "/b"], { fs }).stdout).toBe("one\ntwo\nthree\n");
    expect(runTool(["cat", "-n", "/a", "/b"], { fs }).stdout).toBe("     1\tone\n     2\ttwo\n     3\tthree\n");
  });

  it("streams stdin as it arrives", () => {
    const r = runTool(["cat"], { stdinChunks: [{ at: 0, data: "hi\n" }, { at: 5000, data: "there\n" }] });
    expect(r.stdout).toBe("hi\nthere\n");
    expect(r.code).toBe(0);
  });

  it("words a missing file and a directory per flavour", () => {
    const { fs } = world({ "/d": { dir: true } });
    expect(runTool(["cat", "/nope"], { fs }).stderr).toBe("cat: can't open '/nope': No such file or directory\n");
    expect(runTool(["cat", "/nope"], { fs, flavour: "gnu" }).stderr).toBe("cat: /nope: No such file or directory\n");
    expect(runTool(["cat", "/d"], { fs }).stderr).toBe("cat: read error: Is a directory\n");
    expect(runTool(["cat", "/d"], { fs, flavour: "gnu" })).toMatchObject({ code: 1, stderr: "cat: /d: Is a directory\n" });
  });

  it("passes bytes through unchanged", () => {
    const bin = new Uint8Array([0, 255, 10, 128, 1]);
    const { fs } = world({ "/bin.dat": bin });
    expect([...runTool(["cat", "/bin.dat"], { fs }).stdoutBytes]).toEqual([...bin]);
  });
});

describe("cp, mv, rm, mkdir, rmdir, touch, ln", () => {
  it("copies files into directories and trees with -r, keeping modes with -p", () => {
    const { fs, tick } = world({ "/src/a.txt": { data: "A", mode: 0o600 }, "/src/sub/b.txt": "B", "/dst": { dir: true } });
    tick(60_000);
    expect(runTool(["cp", "/src/a.txt", "/dst"], { fs }).code).toBe(0);
    expect(fs.stat("/dst/a.txt")).toMatchObject({ mode: 0o600, mtime: T0 + 60_000 });
    expect(runTool(["cp", "-p", "/src/a.txt", "/dst/p.txt"], { fs }).code).toBe(0);
    expect(fs.stat("/dst/p.txt")!.mtime).toBe(T0);
    expect(runTool(["cp", "-r", "/src", "/copy"], { fs }).code).toBe(0);
    expect(new TextDecoder().decode(fs.read("/copy/sub/b.txt"))).toBe("B");
  });

  it("omits directories without -r and reports missing sources per flavour", () => {
    const { fs } = world({ "/d/x": "" });
    expect(runTool(["cp", "/d", "/e"], { fs }).stderr).toBe("cp: omitting directory '/d'\n");
    expect(runTool(["cp", "/d", "/e"], { fs, flavour: "gnu" }).stderr).toBe("cp: -r not specified; omitting directory '/d'\n");
    expect(runTool(["cp", "/nope", "/e"], { fs }).stderr).toBe("cp: can't stat '/nope': No such file or directory\n");
    expect(runTool(["cp", "/nope", "/e"], { fs, flavour: "gnu" }).stderr).toBe("cp: cannot stat '/nope': No such file or directory\n");
    expect(runTool(["cp", "/x"], { fs, flavour: "gnu" }).stderr).toBe("cp: missing destination file operand after '/x'\nTry 'cp --help' for more information.\n");
  });

  it("asks before overwriting with -i and takes the answer from stdin", () => {
    const { fs } = world({ "/a": "new", "/b": "old" });
    const no = runTool(["cp", "-i", "/a", "/b"], { fs, stdin: "n\n", flavour: "gnu" });
    expect(no.stderr).toBe("cp: overwrite '/b'? ");
    expect(new TextDecoder().decode(fs.read("/b"))).toBe("old");
    runTool(["cp", "-i", "/a", "/b"], { fs, stdin: "y\n" });
    expect(new TextDecoder().decode(fs.read("/b"))).toBe("new");
  });

  it("moves, renames into directories and refuses a directory into itself", () => {
    const { fs } = world({ "/a": "A", "/d": { dir: true } });
    expect(runTool(["mv", "/a", "/d"], { fs }).code).toBe(0);
    expect(fs.stat("/a")).toBeNull();
    expect(fs.stat("/d/a")).not.toBeNull();
    expect(runTool(["mv", "/d", "/d/sub"], { fs, flavour: "gnu" }).stderr).toBe("mv: cannot move '/d' to a subdirectory of itself, '/d/sub'\n");
    expect(runTool(["mv", "/nope", "/x"], { fs, flavour: "gnu" }).stderr).toBe("mv: cannot stat '/nope': No such file or directory\n");
  });

  it("removes with -r and -f, and words refusals", () => {
    const { fs } = world({ "/d/x/y": "", "/f": "" });
    expect(runTool(["rm", "/d"], { fs }).stderr).toBe("rm: '/d' is a directory\n");
    expect(runTool(["rm", "/d"], { fs, flavour: "gnu" }).stderr).toBe("rm: cannot remove '/d': Is a directory\n");
    expect(runTool(["rm", "/nope"], { fs }).stderr).toBe("rm: can't remove '/nope': No such file or directory\n");
    expect(runTool(["rm", "-f", "/nope"], { fs })).toMatchObject({ code: 0, stderr: "" });
    expect(runTool(["rm", "-rf", "/d", "/f"], { fs }).code).toBe(0);
    expect(fs.stat("/d")).toBeNull();
    expect(runTool(["rm", "-rf", "/"], { fs, flavour: "gnu" }).stderr).toBe("rm: it is dangerous to operate recursively on '/'\nrm: use --no-preserve-root to override this failsafe\n");
  });

  it("makes directories with -p and -m, and removes empty ones", () => {
    const { fs } = world();
    expect(runTool(["mkdir", "-p", "/a/b/c"], { fs }).code).toBe(0);
    expect(runTool(["mkdir", "/a"], { fs }).stderr).toBe("mkdir: can't create directory '/a': File exists\n");
    expect(runTool(["mkdir", "/a"], { fs, flavour: "gnu" }).stderr).toBe("mkdir: cannot create directory '/a': File exists\n");
    expect(runTool(["mkdir", "-m", "700", "/private"], { fs }).code).toBe(0);
    expect(fs.stat("/private")!.mode).toBe(0o700);
    expect(runTool(["rmdir", "/a"], { fs, flavour: "gnu" }).stderr).toBe("rmdir: failed to remove '/a': Directory not empty\n");
    expect(runTool(["rmdir", "-p", "/a/b/c"], { fs }).code).toBe(0);
    expect(fs.stat("/a")).toBeNull();
  });

  it("touches: creates, sets times from -d, and -c does not create", () => {
    const { fs } = world();
    runTool(["touch", "/new"], { fs, now: T0 + 5000 });
    expect(fs.stat("/new")).toMatchObject({ size: 0 });
    runTool(["touch", "-d", "2024-01-02 03:04:05", "/new"], { fs });
    expect(fs.stat("/new")!.mtime).toBe(Date.UTC(2024, 0, 2, 3, 4, 5));
    runTool(["touch", "-c", "/none"], { fs });
    expect(fs.stat("/none")).toBeNull();
    expect(runTool(["touch", "/no/dir/f"], { fs, flavour: "gnu" }).stderr).toBe("touch: cannot touch '/no/dir/f': No such file or directory\n");
  });

  it("links symbolically, refusing an existing name without -f", () => {
    const { fs } = world({ "/t": "T", "/l": "" });
    expect(runTool(["ln", "-s", "/t", "/l"], { fs, flavour: "gnu" }).stderr).toBe("ln: failed to create symbolic link '/l': File exists\n");
    expect(runTool(["ln", "-s", "/t", "/l"], { fs }).stderr).toBe("ln: /l: File exists\n");
    expect(runTool(["ln", "-sf", "/t", "/l"], { fs }).code).toBe(0);
    expect(fs.readlink("/l")).toBe("/t");
  });
});

describe("chmod, chown, stat", () => {
  it("applies octal and symbolic modes", () => {
    const { fs } = world({ "/f": "", "/d/g": "" });
    runTool(["chmod", "750", "/f"], { fs });
    expect(fs.stat("/f")!.mode).toBe(0o750);
    runTool(["chmod", "u-w,o+r", "/f"], { fs });
    expect(fs.stat("/f")!.mode).toBe(0o554);
    runTool(["chmod", "+x", "/d/g"], { fs });
    expect(fs.stat("/d/g")!.mode).toBe(0o755);
    runTool(["chmod", "-R", "go-rwx", "/d"], { fs });
    expect(fs.stat("/d/g")!.mode).toBe(0o700);
    expect(runTool(["chmod", "abc", "/f"], { fs, flavour: "gnu" }).stderr).toBe("chmod: invalid mode: 'abc'\nTry 'chmod --help' for more information.\n");
  });

  it("changes owners by name from /etc/passwd and /etc/group", () => {
    const { fs } = world({ "/f": "" });
    expect(runTool(["chown", "nginx:nginx", "/f"], { fs }).code).toBe(0);
    expect(fs.stat("/f")).toMatchObject({ uid: 101, gid: 101 });
    runTool(["chgrp", "root", "/f"], { fs });
    expect(fs.stat("/f")).toMatchObject({ uid: 101, gid: 0 });
    expect(runTool(["chown", "bob", "/f"], { fs, flavour: "gnu" }).stderr).toBe("chown: invalid user: 'bob'\n");
    expect(runTool(["chown", "bob", "/f"], { fs }).stderr).toBe("chown: unknown user bob\n");
  });

  it("prints stat's default report and -c formats", () => {
    const { fs } = world({ "/f": "hello" });
    const gnu = runTool(["stat", "/f"], { fs, flavour: "gnu" }).stdout;
    expect(gnu).toContain("  File: /f\n  Size: 5         \tBlocks: 8          IO Block: 4096   regular file\n");
    expect(gnu).toContain("Access: (0644/-rw-r--r--)  Uid: (    0/    root)   Gid: (    0/    root)\n");
    expect(gnu).toContain("Modify: 2026-12-03 14:45:01.000000000 +0000\n");
    expect(runTool(["stat", "/f"], { fs }).stdout).toContain("  File: '/f'\n");
    expect(runTool(["stat", "-c", "%n %s %a %U %F", "/f"], { fs }).stdout).toBe("/f 5 644 root regular file\n");
    expect(runTool(["stat", "/nope"], { fs }).stderr).toBe("stat: can't stat '/nope': No such file or directory\n");
    expect(runTool(["stat", "/nope"], { fs, flavour: "gnu" }).stderr).toBe("stat: cannot stat '/nope': No such file or directory\n");
  });
});

describe("find, du", () => {
  const tree = () =>
    world({
      "/w/a.txt": "a",
      "/w/b.log": "bb",
      "/w/sub/c.txt": "c".repeat(3000),
      "/w/sub/deep/d.TXT": "",
    });

  it("walks, filters by name, type, depth and size", () => {
    const { fs } = tree();
    expect(runTool(["find", "/w"], { fs }).stdout).toBe("/w\n/w/a.txt\n/w/b.log\n/w/sub\n/w/sub/c.txt\n/w/sub/deep\n/w/sub/deep/d.TXT\n");
    expect(runTool(["find", "/w", "-name", "*.txt"], { fs }).stdout).toBe("/w/a.txt\n/w/sub/c.txt\n");
    expect(runTool(["find", "/w", "-iname", "*.txt", "-type", "f"], { fs }).stdout).toBe("/w/a.txt\n/w/sub/c.txt\n/w/sub/deep/d.TXT\n");
    expect(runTool(["find", "/w", "-maxdepth", "1", "-type", "d"], { fs }).stdout).toBe("/w\n/w/sub\n");
    expect(runTool(["find", "/w", "-type", "f", "-size", "+1k"], { fs }).stdout).toBe("/w/sub/c.txt\n");
    expect(runTool(["find", "/w", "-name", "*.log", "-o", "-name", "*.TXT"], { fs }).stdout).toBe("/w/b.log\n/w/sub/deep/d.TXT\n");
    expect(runTool(["find", "/w", "!", "-name", "*.txt", "-type", "f"], { fs }).stdout).toBe("/w/b.log\n/w/sub/deep/d.TXT\n");
    expect(runTool(["find", "w", "-empty"], { fs, cwd: "/" }).stdout).toBe("w/sub/deep/d.TXT\n");
  });

  it("runs -exec per file and with +, and deletes", () => {
    const { fs } = tree();
    const each = runTool(["find", "/w", "-name", "*.txt", "-exec", "cat", "{}", ";"], { fs });
    expect(each.stdout).toBe("a" + "c".repeat(3000));
    const batch = runTool(["find", "/w", "-name", "*.txt", "-exec", "ls", "-d", "{}", "+"], { fs });
    expect(batch.stdout).toBe("/w/a.txt\n/w/sub/c.txt\n");
    expect(runTool(["find", "/w/sub", "-delete"], { fs }).code).toBe(0);
    expect(fs.stat("/w/sub")).toBeNull();
  });

  it("selects by age on the cluster clock", () => {
    const { fs, tick } = tree();
    tick(3 * 86_400_000);
    fs.write("/w/fresh", "");
    expect(runTool(["find", "/w", "-type", "f", "-mtime", "-1"], { fs, now: T0 + 3 * 86_400_000 }).stdout).toBe("/w/fresh\n");
    expect(runTool(["find", "/w", "-type", "f", "-mtime", "+1"], { fs, now: T0 + 3 * 86_400_000 }).stdout).toBe("/w/a.txt\n/w/b.log\n/w/sub/c.txt\n/w/sub/deep/d.TXT\n");
  });

  it("words a missing path and an unknown predicate", () => {
    const { fs } = tree();
    expect(runTool(["find", "/nope"], { fs, flavour: "gnu" })).toMatchObject({ code: 1, stderr: "find: '/nope': No such file or directory\n" });
    expect(runTool(["find", "/nope"], { fs }).stderr).toBe("find: /nope: No such file or directory\n");
    expect(runTool(["find", "/w", "-bogus"], { fs, flavour: "gnu" }).stderr).toBe("find: unknown predicate `-bogus'\n");
  });

  it("sums 1K blocks per directory", () => {
    const { fs } = tree();
    expect(runTool(["du", "/w"], { fs }).stdout).toBe("4\t/w/sub/deep\n12\t/w/sub\n24\t/w\n");
    expect(runTool(["du", "-sh", "/w"], { fs }).stdout).toBe("24K\t/w\n");
  });
});

describe("path names", () => {
  it("readlink, realpath, basename, dirname", () => {
    const { fs } = world({ "/real/file": "", "/ln": { symlink: "/real" } });
    expect(runTool(["readlink", "/ln"], { fs }).stdout).toBe("/real\n");
    expect(runTool(["readlink", "-f", "/ln/file"], { fs }).stdout).toBe("/real/file\n");
    expect(runTool(["readlink", "-f", "/ln/missing"], { fs, flavour: "gnu" }).stdout).toBe("/real/missing\n");
    expect(runTool(["readlink", "/real"], { fs }).code).toBe(1);
    expect(runTool(["realpath", "/ln/../ln/file"], { fs }).stdout).toBe("/real/file\n");
    expect(runTool(["basename", "/a/b/c.txt", ".txt"]).stdout).toBe("c\n");
    expect(runTool(["basename", "/a/b/"]).stdout).toBe("b\n");
    expect(runTool(["dirname", "/a/b/c"]).stdout).toBe("/a/b\n");
    expect(runTool(["dirname", "c"]).stdout).toBe(".\n");
    expect(runTool(["basename"], { flavour: "gnu" }).stderr).toBe("basename: missing operand\nTry 'basename --help' for more information.\n");
  });
});

describe("tee, dd, sums, base64, mktemp, which, truncate, file", () => {
  it("tee copies stdin to stdout and files, -a appends", () => {
    const { fs } = world({ "/log": "old\n" });
    const r = runTool(["tee", "-a", "/log", "/copy"], { fs, stdin: "new\n" });
    expect(r.stdout).toBe("new\n");
    expect(new TextDecoder().decode(fs.read("/log"))).toBe("old\nnew\n");
    expect(new TextDecoder().decode(fs.read("/copy"))).toBe("new\n");
  });

  it("dd copies blocks and prints the records summary", () => {
    const { fs } = world({ "/in": "x".repeat(1500) });
    const r = runTool(["dd", "if=/in", "of=/out", "bs=512"], { fs, flavour: "gnu" });
    expect(r.stderr).toMatch(/^2\+1 records in\n2\+1 records out\n1500 bytes \(1\.5 kB, 1\.5 KiB\) copied, [\d.e-]+ s, [\d.]+ [kMG]?B\/s\n$/);
    expect(fs.stat("/out")!.size).toBe(1500);
    const z = runTool(["dd", "if=/dev/zero", "of=/z", "bs=1K", "count=4", "status=none"], { fs });
    expect(z.stderr).toBe("");
    expect(fs.read("/z")).toEqual(new Uint8Array(4096));
    expect(runTool(["dd", "if=/in", "bs=1000", "count=1"], { fs }).stderr).toMatch(/^1\+0 records in\n1\+0 records out\n1000 bytes \(1000B\) copied, /);
  });

  it("hashes files and checks lists", () => {
    const { fs } = world({ "/f": "hello\n" });
    expect(runTool(["md5sum", "/f"], { fs }).stdout).toBe("b1946ac92492d2347c6235b4d2611184  /f\n");
    expect(runTool(["sha1sum", "/f"], { fs }).stdout).toBe("f572d396fae9206628714fb2ce00f72e94f2258f  /f\n");
    expect(runTool(["sha256sum", "/f"], { fs }).stdout).toBe("5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03  /f\n");
    expect(runTool(["sha512sum", "-"], { stdin: "" }).stdout).toBe("cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e  -\n");
    fs.write("/sums", "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03  /f\n");
    expect(runTool(["sha256sum", "-c", "/sums"], { fs })).toMatchObject({ code: 0, stdout: "/f: OK\n" });
    fs.write("/f", "changed\n");
    expect(runTool(["sha256sum", "-c", "/sums"], { fs, flavour: "gnu" })).toMatchObject({ code: 1, stdout: "/f: FAILED\n", stderr: "sha256sum: WARNING: 1 computed checksum did NOT match\n" });
  });

  it("base64 encodes wrapped at 76 and decodes", () => {
    expect(runTool(["base64"], { stdin: "hello" }).stdout).toBe("aGVsbG8=\n");
    expect(runTool(["base64", "-w", "0"], { stdin: "hello" }).stdout).toBe("aGVsbG8=");
    expect(runTool(["base64"], { stdin: "x".repeat(60) }).stdout.split("\n").map((l) => l.length)).toEqual([76, 4, 0]);
    expect(runTool(["base64", "-d"], { stdin: "aGVsbG8=\n" }).stdout).toBe("hello");
    expect(runTool(["base64", "-d"], { stdin: "aGV!!" })).toMatchObject({ code: 1, stderr: "base64: invalid input\n" });
  });

  it("mktemp makes files and directories under /tmp", () => {
    const { fs } = world();
    const f = runTool(["mktemp"], { fs }).stdout.trim();
    expect(f).toMatch(/^\/tmp\/tmp\.[A-Za-z0-9]{6}$/);
    expect(fs.stat(f)).toMatchObject({ type: "file", mode: 0o600 });
    const d = runTool(["mktemp", "-d"], { fs, flavour: "gnu" }).stdout.trim();
    expect(d).toMatch(/^\/tmp\/tmp\.[A-Za-z0-9]{10}$/);
    expect(fs.stat(d)).toMatchObject({ type: "dir", mode: 0o700 });
  });

  it("which finds executables along PATH", () => {
    const { fs } = world({ "/bin/busybox": { data: "\x7fELF", mode: 0o755 }, "/bin/sh": { symlink: "busybox" }, "/usr/bin/notes": "text" });
    expect(runTool(["which", "sh"], { fs })).toMatchObject({ code: 0, stdout: "/bin/sh\n" });
    expect(runTool(["which", "notes"], { fs })).toMatchObject({ code: 1, stdout: "" });
  });

  it("truncate grows and shrinks", () => {
    const { fs } = world({ "/f": "abcdef" });
    runTool(["truncate", "-s", "3", "/f"], { fs });
    expect(new TextDecoder().decode(fs.read("/f"))).toBe("abc");
    runTool(["truncate", "-s", "+2", "/f"], { fs });
    expect([...fs.read("/f")]).toEqual([97, 98, 99, 0, 0]);
    runTool(["truncate", "-s", "1K", "/g"], { fs });
    expect(fs.stat("/g")!.size).toBe(1024);
  });

  it("file tells text, scripts, archives and directories apart", () => {
    const { fs } = world({ "/t": "hi\n", "/s": "#!/bin/sh\necho\n", "/e": "", "/d": { dir: true }, "/gz": gzipSync(new Uint8Array([1, 2])) });
    expect(runTool(["file", "/t", "/s", "/e", "/d", "/gz"], { fs }).stdout).toBe("/t: ASCII text\n/s: POSIX shell script, ASCII text executable\n/e: empty\n/d: directory\n/gz: gzip compressed data, from Unix\n");
  });
});

describe("tar", () => {
  it("round-trips a tree through an archive on stdout and stdin (kubectl cp's two commands)", () => {
    const { fs } = world({ "/data/app/config.yaml": { data: "key: value\n", mode: 0o640 }, "/data/app/bin/run": { data: "#!/bin/sh\n", mode: 0o755 }, "/data/app/link": { symlink: "config.yaml" } });
    fs.chown("/data/app/config.yaml", 101, 101);
    // From a pod: kubectl 1.27+ runs `tar cf - <path>`.
    const out = runTool(["tar", "cf", "-", "/data/app"], { fs });
    expect(out.code).toBe(0);
    expect(out.stderr).toBe("tar: removing leading '/' from member names\n");
    const names = [...decodeTar(out.stdoutBytes)].map((e) => `${e.type} ${e.name}`);
    expect(names).toEqual(["dir data/app/", "dir data/app/bin/", "file data/app/bin/run", "file data/app/config.yaml", "symlink data/app/link"]);
    // Into a pod: `tar --no-same-permissions --no-same-owner -xmf - -C <dir>`.
    const target = world({ "/restore": { dir: true } }).fs;
    const r = runTool(["tar", "--no-same-permissions", "--no-same-owner", "-xmf", "-", "-C", "/restore"], { fs: target, stdin: out.stdoutBytes, now: T0 + 3_600_000 });
    expect(r).toMatchObject({ code: 0, stderr: "" });
    expect(new TextDecoder().decode(target.read("/restore/data/app/config.yaml"))).toBe("key: value\n");
    expect(target.stat("/restore/data/app/config.yaml")).toMatchObject({ uid: 0, mode: 0o640, mtime: T0 + 3_600_000 });
    expect(target.readlink("/restore/data/app/link")).toBe("config.yaml");
    // Default kubectl cp (preserving): `tar -xmf - -C <dir>` keeps owners by name.
    const kept = world({ "/r": { dir: true } }).fs;
    expect(runTool(["tar", "-xmf", "-", "-C", "/r"], { fs: kept, stdin: out.stdoutBytes }).code).toBe(0);
    expect(kept.stat("/r/data/app/config.yaml")).toMatchObject({ uid: 101, gid: 101 });
  });

  it("writes GNU-style archives GNU tar would: padded records, long names, gzip", () => {
    const long = "/d/" + "n".repeat(150);
    const { fs } = world({ [long]: "x" });
    const out = runTool(["tar", "-czf", "/a.tgz", "-C", "/d", "."], { fs, flavour: "gnu" });
    expect(out).toMatchObject({ code: 0, stderr: "" });
    const listed = runTool(["tar", "tzf", "/a.tgz"], { fs, flavour: "gnu" });
    expect(listed.stdout).toBe(`./\n./${"n".repeat(150)}\n`);
    const plain = runTool(["tar", "cf", "-", "-C", "/d", "."], { fs, flavour: "gnu" }).stdoutBytes;
    expect(plain.length % 10240).toBe(0);
  });

  it("lists verbosely in each flavour's format", () => {
    const { fs } = world({ "/d/f": "12345" });
    const arch = runTool(["tar", "cf", "-", "-C", "/", "d/f"], { fs }).stdoutBytes;
    expect(runTool(["tar", "tvf", "-"], { stdin: arch, flavour: "gnu" }).stdout).toBe("-rw-r--r-- root/root         5 2026-12-03 14:45 d/f\n");
    expect(runTool(["tar", "tvf", "-"], { stdin: arch }).stdout).toBe("-rw-r--r-- root/root         5 2026-12-03 14:45:01 d/f\n");
  });

  it("reads pax headers (long names from Go's archive/tar) and GNU long links", () => {
    const name = "p".repeat(120);
    // A pax record's length counts itself: "130 path=ppp…\n".
    const rec = `130 path=${name}\n`;
    expect(new TextEncoder().encode(rec).length).toBe(130);
    const archive = new Uint8Array([
      ...encodeEntry({ name: "PaxHeaders/x", type: "file", mode: 0o644, uid: 0, gid: 0, uname: "", gname: "", mtime: 0, linkname: "", data: new TextEncoder().encode(rec) }).map((b, i) => (i === 156 ? "x".charCodeAt(0) : b)),
      ...encodeEntry({ name: "short", type: "file", mode: 0o644, uid: 0, gid: 0, uname: "root", gname: "root", mtime: 1, linkname: "", data: new TextEncoder().encode("hi") }),
      ...encodeEnd(0, 0),
    ]);
    // The typeflag was patched after the checksum: fix it up as a real pax writer would have.
    const h = archive.subarray(0, 512);
    h.fill(0x20, 148, 156);
    let sum = 0;
    for (const b of h) sum += b;
    h.set(new TextEncoder().encode(sum.toString(8).padStart(6, "0") + "\0 "), 148);
    const entries = [...decodeTar(archive)];
    expect(entries.map((e) => e.name)).toEqual([name]);
    expect(new TextDecoder().decode(entries[0]!.data)).toBe("hi");
  });

  it("fails as each flavour does on a missing -C directory and a damaged archive", () => {
    const { fs } = world();
    expect(runTool(["tar", "-xf", "-", "-C", "/nope"], { fs, stdin: "", flavour: "gnu" })).toMatchObject({
      code: 2,
      stderr: "tar: /nope: Cannot open: No such file or directory\ntar: Error is not recoverable: exiting now\n",
    });
    expect(runTool(["tar", "-xf", "-", "-C", "/nope"], { fs, stdin: "" })).toMatchObject({ code: 1, stderr: "tar: can't change directory to '/nope': No such file or directory\n" });
    expect(runTool(["tar", "xf", "-"], { fs, stdin: "x".repeat(1024), flavour: "gnu" })).toMatchObject({
      code: 2,
      stderr: "tar: This does not look like a tar archive\ntar: Exiting with failure status due to previous errors\n",
    });
    expect(runTool(["tar", "cf", "-", "/missing"], { fs, flavour: "gnu" })).toMatchObject({
      code: 2,
      stderr: "tar: Removing leading `/' from member names\ntar: missing: Cannot stat: No such file or directory\ntar: Exiting with failure status due to previous errors\n",
    });
  });
});

describe("gzip", () => {
  it("compresses to FILE.gz and back", () => {
    const { fs } = world({ "/f": "hello hello hello\n" });
    expect(runTool(["gzip", "/f"], { fs }).code).toBe(0);
    expect(fs.stat("/f")).toBeNull();
    expect(runTool(["zcat", "/f.gz"], { fs }).stdout).toBe("hello hello hello\n");
    expect(runTool(["gunzip", "/f.gz"], { fs }).code).toBe(0);
    expect(new TextDecoder().decode(fs.read("/f"))).toBe("hello hello hello\n");
  });
});
