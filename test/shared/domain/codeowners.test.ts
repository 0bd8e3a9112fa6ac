import { describe, expect, it } from "vitest";
import {
  CODEOWNERS_MAX_BYTES,
  CodeOwnersError,
  compilePattern,
  matchCodeOwners,
  parseCodeOwners,
} from "#shared/domain/codeowners";

/** The example file of GitHub's "About code owners" page, section by section. */
const GITHUB_EXAMPLE = `# This is a comment.
# Each line is a file pattern followed by one or more owners.

# These owners will be the default owners for everything in
# the repo. Unless a later match takes precedence,
# @global-owner1 and @global-owner2 will be requested for
# review when someone opens a pull request.
*       @global-owner1 @global-owner2

# Order is important; the last matching pattern takes the most
# precedence.
*.js    @js-owner #This is an inline comment.

# You can also use email addresses if you prefer.
*.go docs@example.com

# Teams can be specified as code owners as well.
*.txt @octo-org/octocats

# In this example, @doctocat owns any files in the build/logs
# directory at the root of the repository and any of its
# subdirectories.
/build/logs/ @doctocat

# The \`docs/*\` pattern will match files like
# \`docs/getting-started.md\` but not further nested files like
# \`docs/build-app/troubleshooting.md\`.
docs/*  docs@example.com

# In this example, @octocat owns any file in an apps directory
# anywhere in your repository.
apps/ @octocat

# In this example, @doctocat owns any file in the \`/docs\`
# directory in the root of your repository and any of its
# subdirectories.
/docs/ @doctocat

# In this example, any change inside the \`/scripts\` directory
# will require approval from @doctocat or @octocat.
/scripts/ @doctocat @octocat

# In this example, @octocat owns any file in a \`/logs\` directory such as
# \`/build/logs\`, \`/scripts/logs\`, and \`/deeply/nested/logs\`.
**/logs @octocat

# In this example, @octocat owns any file in the \`/apps\`
# directory in the root of your repository except for the \`/apps/github\`
# subdirectory, as its owners are left empty.
/apps/ @octocat
/apps/github
`;

const ownersOf = (text: string, path: string) => matchCodeOwners(parseCodeOwners(text), path)?.owners;

describe("parseCodeOwners on GitHub's documented example", () => {
  const co = parseCodeOwners(GITHUB_EXAMPLE);
  const owners = (path: string) => matchCodeOwners(co, path)?.owners;

  it("reads every rule, skips comments and blank lines, and reports no errors", () => {
    expect(co.errors).toEqual([]);
    expect(co.rules.map((r) => r.pattern)).toEqual([
      "*",
      "*.js",
      "*.go",
      "*.txt",
      "/build/logs/",
      "docs/*",
      "apps/",
      "/docs/",
      "/scripts/",
      "**/logs",
      "/apps/",
      "/apps/github",
    ]);
  });

  it("gives the default owners to a path nothing later matches", () => {
    expect(owners("README.md")).toEqual(["@global-owner1", "@global-owner2"]);
    expect(owners("src/main/Thing.java")).toEqual(["@global-owner1", "@global-owner2"]);
  });

  it("lets the later *.js line win over *, and drops the inline comment", () => {
    expect(owners("index.js")).toEqual(["@js-owner"]);
    expect(owners("src/deep/app.js")).toEqual(["@js-owner"]);
    expect(co.rules[1]?.owners).toEqual(["@js-owner"]);
  });

  it("accepts email and team owners", () => {
    expect(owners("cmd/main.go")).toEqual(["docs@example.com"]);
    expect(owners("notes/todo.txt")).toEqual(["@octo-org/octocats"]);
  });

  it("anchors /build/logs/ at the root and covers its subdirectories", () => {
    const alone = parseCodeOwners("/build/logs/ @doctocat\n");
    expect(matchCodeOwners(alone, "build/logs/today.log")?.owners).toEqual(["@doctocat"]);
    expect(matchCodeOwners(alone, "build/logs/2026/03/x.log")?.owners).toEqual(["@doctocat"]);
    expect(matchCodeOwners(alone, "src/build/logs/x.log")).toBeUndefined();
    // in the whole file the later **/logs rule matches too, and the last match wins
    expect(owners("build/logs/today.log")).toEqual(["@octocat"]);
  });

  it("matches docs/* for direct children only, not nested files", () => {
    const docsOnly = parseCodeOwners("docs/* docs@example.com\n");
    expect(matchCodeOwners(docsOnly, "docs/getting-started.md")?.owners).toEqual(["docs@example.com"]);
    expect(matchCodeOwners(docsOnly, "docs/build-app/troubleshooting.md")).toBeUndefined();
    // docs/* has a middle slash, so it is anchored at the root
    expect(matchCodeOwners(docsOnly, "site/docs/getting-started.md")).toBeUndefined();
  });

  it("matches apps/ in an apps directory anywhere", () => {
    const appsOnly = parseCodeOwners("apps/ @octocat\n");
    expect(matchCodeOwners(appsOnly, "apps/web/index.ts")?.owners).toEqual(["@octocat"]);
    expect(matchCodeOwners(appsOnly, "services/apps/api/main.py")?.owners).toEqual(["@octocat"]);
    // a directory pattern never matches a file of that name
    expect(matchCodeOwners(appsOnly, "apps")).toBeUndefined();
    expect(matchCodeOwners(appsOnly, "myapps/x")).toBeUndefined();
  });

  it("anchors /docs/ at the root with all subdirectories", () => {
    expect(owners("docs/build-app/troubleshooting.md")).toEqual(["@doctocat"]);
    expect(owners("docs/getting-started.md")).toEqual(["@doctocat"]);
    expect(owners("website/docs/page.md")).toEqual(["@global-owner1", "@global-owner2"]);
  });

  it("keeps several owners of one line in order", () => {
    expect(owners("scripts/deploy.sh")).toEqual(["@doctocat", "@octocat"]);
  });

  it("matches **/logs at any depth", () => {
    expect(owners("scripts/logs/run.log")).toEqual(["@octocat"]);
    expect(owners("deeply/nested/logs/a/b.txt")).toEqual(["@octocat"]);
    expect(owners("logs/root.log")).toEqual(["@octocat"]);
    expect(owners("catalogs/x.md")).toEqual(["@global-owner1", "@global-owner2"]);
  });

  it("leaves /apps/github unowned: the last match has no owners", () => {
    expect(owners("apps/web/index.html")).toEqual(["@octocat"]);
    const match = matchCodeOwners(co, "apps/github/app.rb");
    expect(match?.owners).toEqual([]);
    expect(match?.pattern).toBe("/apps/github");
  });

  it("gives /apps/github its own owner when it has one", () => {
    const text = "/apps/ @octocat\n/apps/github @doctocat\n";
    expect(ownersOf(text, "apps/github/app.rb")).toEqual(["@doctocat"]);
    expect(ownersOf(text, "apps/other/app.rb")).toEqual(["@octocat"]);
  });

  it("says which line decided", () => {
    expect(matchCodeOwners(co, "scripts/deploy.sh")).toMatchObject({ line: 41, pattern: "/scripts/" });
  });
});

describe("CODEOWNERS pattern rules", () => {
  const cases: Array<[pattern: string, matches: string[], misses: string[]]> = [
    ["*", ["a", "a/b/c.txt"], []],
    ["*.js", ["a.js", "x/y/z.js"], ["a.jsx", "a.js.map"]],
    ["/*.md", ["README.md"], ["docs/README.md"]],
    ["/README.md", ["README.md"], ["docs/README.md"]],
    ["README.md", ["README.md", "docs/README.md"], ["README.md.bak"]],
    ["src", ["src", "src/a.ts", "lib/src/a.ts"], ["srcs/a.ts", "my-src/a.ts"]],
    ["/src", ["src/a.ts"], ["lib/src/a.ts"]],
    ["src/", ["src/a.ts", "lib/src/a.ts"], ["src"]],
    ["src/app", ["src/app/x.ts", "src/app"], ["lib/src/app/x.ts", "src/apps/x.ts"]],
    ["docs/*.md", ["docs/a.md"], ["docs/x/a.md", "docs/a.txt"]],
    ["/apps/*/config", ["apps/web/config", "apps/web/config/x.yml"], ["apps/config", "apps/a/b/config"]],
    ["**/logs", ["logs/x", "a/logs/x", "a/b/logs/x"], ["a/logsx/y"]],
    ["**/logs/*.log", ["logs/a.log", "x/logs/a.log"], ["x/logs/sub/a.log"]],
    ["/build/**", ["build/a", "build/a/b/c"], ["build", "src/build/a"]],
    ["a/**/b", ["a/b", "a/x/b", "a/x/y/b/z.txt"], ["b", "x/a/b"]],
    ["*.min.*", ["js/app.min.js"], ["js/app.js"]],
    ["?.py", ["a.py", "x/b.py"], ["ab.py"]],
    ["file\\ with\\ spaces.txt", ["file with spaces.txt"], ["file"]],
    ["\\*.txt", ["*.txt"], ["a.txt"]],
    ["[abc].txt", ["[abc].txt"], ["a.txt"]],
    ["Makefile", ["Makefile"], ["makefile"]],
    ["a.b", ["a.b"], ["axb"]],
    ["***.js", ["a.js", "x/b.js"], ["b.ts"]],
  ];
  for (const [pattern, matches, misses] of cases) {
    it(`${pattern} matches ${matches.join(", ")}${misses.length ? ` and not ${misses.join(", ")}` : ""}`, () => {
      const regex = compilePattern(pattern);
      for (const path of matches) expect(regex.test(path), path).toBe(true);
      for (const path of misses) expect(regex.test(path), path).toBe(false);
    });
  }

  it("normalizes the finding path before matching", () => {
    const co = parseCodeOwners("/src/ @team\n");
    expect(matchCodeOwners(co, "./src/a.ts")?.owners).toEqual(["@team"]);
    expect(matchCodeOwners(co, "/src/a.ts")?.owners).toEqual(["@team"]);
    expect(matchCodeOwners(co, "src\\win\\a.ts")?.owners).toEqual(["@team"]);
    expect(matchCodeOwners(co, "")).toBeUndefined();
  });
});

describe("CODEOWNERS syntax GitHub does not support", () => {
  it("skips negations and reports them", () => {
    const co = parseCodeOwners("* @all\n!vendor/ @nobody\n");
    expect(co.rules).toHaveLength(1);
    expect(co.errors).toEqual([
      { line: 2, reason: "negated pattern !vendor/ is not supported by CODEOWNERS" },
    ]);
    expect(matchCodeOwners(co, "vendor/x.go")?.owners).toEqual(["@all"]);
  });

  it("keeps \\# a comment, as GitHub does", () => {
    const co = parseCodeOwners("\\#notes.md @someone\n");
    expect(co.rules).toEqual([]);
    expect(co.errors).toEqual([]);
  });

  it("skips lines with an invalid owner", () => {
    const co = parseCodeOwners("*.js not-an-owner\n*.ts @ok @org/team a@b.co\n");
    expect(co.errors).toEqual([{ line: 1, reason: "invalid owner not-an-owner" }]);
    expect(co.rules.map((r) => r.owners)).toEqual([["@ok", "@org/team", "a@b.co"]]);
  });

  it("skips GitLab section headers", () => {
    const co = parseCodeOwners("[Docs]\n*.md @docs\n^[Optional][2] @x\n");
    expect(co.rules.map((r) => r.pattern)).toEqual(["*.md"]);
    expect(co.errors.map((e) => e.line)).toEqual([1, 3]);
  });

  it("handles CRLF line ends and a byte-order mark", () => {
    const co = parseCodeOwners("\uFEFF*.js @a\r\n*.css @b\r\n");
    expect(co.rules.map((r) => [r.pattern, r.owners])).toEqual([
      ["*.js", ["@a"]],
      ["*.css", ["@b"]],
    ]);
  });

  it("refuses a file over GitHub's 3 MB limit", () => {
    expect(() => parseCodeOwners("#".repeat(CODEOWNERS_MAX_BYTES + 1))).toThrow(CodeOwnersError);
  });
});
