import { describe, expect, it } from "vitest";
import { normalizePath, repoRelative } from "#shared/domain/path";

describe("normalizePath", () => {
  it.each([
    ["src\\main\\App.java", "src/main/App.java"],
    ["C:\\Users\\dev\\repo\\src\\a.ts", "/Users/dev/repo/src/a.ts"],
    ["c:/work/repo/a.ts", "/work/repo/a.ts"],
    ["D:\\a\\repo\\repo\\lib\\x.py", "/a/repo/repo/lib/x.py"],
  ])("Windows path %s → %s", (raw, expected) => {
    expect(normalizePath(raw)).toBe(expected);
  });

  it.each([
    ["file:///home/runner/work/r/r/src/a.ts", "/home/runner/work/r/r/src/a.ts"],
    ["file://localhost/etc/app/config.yml", "/etc/app/config.yml"],
    ["FILE:///C:/work/repo/a.ts", "/work/repo/a.ts"],
    ["file:///C:/Users/dev/my%20repo/src/a%2Bb.ts", "/Users/dev/my repo/src/a+b.ts"],
    ["file:///srv/100%/a.ts", "/srv/100%/a.ts"],
  ])("file URI %s → %s", (raw, expected) => {
    expect(normalizePath(raw)).toBe(expected);
  });

  it.each([
    ["./src/a.ts", "src/a.ts"],
    ["././src/a.ts", "src/a.ts"],
    [".\\src\\a.ts", "src/a.ts"],
    ["src/./lib/./a.ts", "src/lib/a.ts"],
    ["src//lib///a.ts", "src/lib/a.ts"],
    ["  src/a.ts\n", "src/a.ts"],
  ])("removes ./ and duplicate slashes: %s → %s", (raw, expected) => {
    expect(normalizePath(raw)).toBe(expected);
  });

  it("keeps case and leaves an already normal path alone", () => {
    expect(normalizePath("Src/Main/App.JAVA")).toBe("Src/Main/App.JAVA");
    expect(normalizePath("/github/workspace/src/a.ts")).toBe("/github/workspace/src/a.ts");
    expect(normalizePath("../other/a.ts")).toBe("../other/a.ts");
  });

  it("is idempotent", () => {
    for (const raw of [
      "C:\\Users\\dev\\repo\\src\\a.ts",
      "file:///C:/w/my%20repo/a.ts",
      "./src//./a.ts",
      "src/a.ts",
    ]) {
      const once = normalizePath(raw);
      expect(normalizePath(once)).toBe(once);
    }
  });

  it("collapses consecutive ./ segments in the middle of a path", () => {
    expect(normalizePath("a/././b.ts")).toBe("a/b.ts");
  });
});

describe("repoRelative", () => {
  it("strips the given root, in any spelling", () => {
    expect(repoRelative("/work/repo/src/a.ts", "/work/repo")).toBe("src/a.ts");
    expect(repoRelative("/work/repo/src/a.ts", "/work/repo/")).toBe("src/a.ts");
    expect(repoRelative("C:\\work\\repo\\src\\a.ts", "C:\\work\\repo")).toBe("src/a.ts");
    expect(repoRelative("file:///C:/work/repo/src/a.ts", "C:\\work\\repo\\")).toBe("src/a.ts");
  });

  it("does not strip a root that is only a string prefix of another directory", () => {
    expect(repoRelative("/work/repo-other/a.ts", "/work/repo")).toBe("/work/repo-other/a.ts");
  });

  it.each([
    ["/github/workspace/src/a.ts", "src/a.ts"],
    ["/home/runner/work/payments/payments/src/a.ts", "src/a.ts"],
    ["/builds/group/project/lib/b.rb", "lib/b.rb"],
    ["/workspace/app.py", "app.py"],
    ["/src/main.go", "main.go"],
    ["/app/server.js", "server.js"],
    ["/code/x/y.php", "x/y.php"],
    ["file:///github/workspace/src/a.ts", "src/a.ts"],
  ])("strips the CI checkout prefix of %s", (raw, expected) => {
    expect(repoRelative(raw)).toBe(expected);
  });

  it("falls back to CI prefixes when the path is not under the given root", () => {
    expect(repoRelative("/github/workspace/src/a.ts", "/elsewhere")).toBe("src/a.ts");
  });

  it("leaves relative paths and non-CI absolute paths alone", () => {
    expect(repoRelative("src/a.ts")).toBe("src/a.ts");
    expect(repoRelative("./src/a.ts")).toBe("src/a.ts");
    expect(repoRelative("/srcfoo/a.ts")).toBe("/srcfoo/a.ts");
    expect(repoRelative("/opt/tool/a.ts")).toBe("/opt/tool/a.ts");
    // only a leading prefix is stripped
    expect(repoRelative("/opt/github/workspace/a.ts")).toBe("/opt/github/workspace/a.ts");
  });

  it("makes the Windows and Linux runners of one repo agree", () => {
    expect(repoRelative("D:\\a\\r\\r\\src\\a.ts", "D:\\a\\r\\r")).toBe(
      repoRelative("/home/runner/work/r/r/src/a.ts"),
    );
  });
});
