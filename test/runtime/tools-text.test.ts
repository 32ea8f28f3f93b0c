// The text tools over MemoryFs and a fake clock: outputs and errors as busybox and GNU print them.
import { describe, expect, it } from "vitest";
import { runTool } from "./toolHarness";

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
