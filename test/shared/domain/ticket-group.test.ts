import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { groupFindings, isActionable, type TicketGroup } from "#shared/domain/ticket-group";
import type { TrackedFinding } from "#shared/domain/tracked-finding";
import { sastTracked, scaTracked, score, secretTracked, tracked } from "#test/support/tracked";

function only(groups: TicketGroup[]): TicketGroup {
  expect(groups).toHaveLength(1);
  const [group] = groups;
  if (!group) throw new Error("no group");
  return group;
}

function byMember(groups: TicketGroup[], findingId: string): TicketGroup {
  const group = groups.find((g) => g.members.includes(findingId));
  if (!group) throw new Error(`no group holds ${findingId}`);
  return group;
}

describe("groupFindings: SCA upgrades", () => {
  it("groups every vulnerability of one package into one upgrade ticket", () => {
    const groups = groupFindings("payments", [
      scaTracked("f2", "lodash", ["4.17.21"]),
      scaTracked("f1", "lodash", ["4.17.12"]),
      scaTracked("f3", "express", ["4.19.2"]),
    ]);
    expect(groups).toHaveLength(2);
    const lodash = byMember(groups, "f1");
    expect(lodash.kind).toBe("upgrade");
    expect(lodash.members).toEqual(["f1", "f2"]);
    expect(lodash.action).toBe("Upgrade lodash to 4.17.21");
    expect(lodash.title).toBe("Upgrade lodash to 4.17.21 (closes 2 findings)");
    const express = byMember(groups, "f3");
    expect(express.members).toEqual(["f3"]);
    expect(express.title).toBe("Upgrade express to 4.19.2 (closes 1 finding)");
  });

  it("targets the highest of each member's lowest fix (fixed in [1.2.1] and [1.3.0, 1.2.5] → 1.2.5)", () => {
    const group = only(
      groupFindings("payments", [
        scaTracked("a1", "pkg-a", ["1.2.1"], { version: "1.2.0" }),
        scaTracked("a2", "pkg-a", ["1.3.0", "1.2.5"], { version: "1.2.0" }),
      ]),
    );
    expect(group.action).toBe("Upgrade pkg-a to 1.2.5");
    expect(group.title).toBe("Upgrade pkg-a to 1.2.5 (closes 2 findings)");
  });

  it("compares fix versions as versions, not strings", () => {
    const group = only(
      groupFindings("payments", [
        scaTracked("a1", "pkg-a", ["1.9.0"]),
        scaTracked("a2", "pkg-a", ["1.10.0"]),
        scaTracked("a3", "pkg-a", ["1.2.0"]),
      ]),
    );
    expect(group.action).toBe("Upgrade pkg-a to 1.10.0");
  });

  it("never proposes a fix version below the installed one (log4j-core 2.14.1, fixed in 2.15.0, 2.12.2, 2.3.1)", () => {
    // GHSA-jfh8-c2jp-5v3q lists one patched version per supported branch; 2.3.1 is a downgrade
    // from 2.14.1 and does not fix it, so the one upgrade that does is 2.15.0.
    const group = only(
      groupFindings("payments", [
        scaTracked("l1", "org.apache.logging.log4j/log4j-core", ["2.15.0", "2.12.2", "2.3.1"], {
          version: "2.14.1",
          purlType: "maven",
        }),
      ]),
    );
    expect(group.action).toBe("Upgrade org.apache.logging.log4j/log4j-core to 2.15.0");
  });

  it("says which members have no fix yet", () => {
    const group = only(
      groupFindings("payments", [
        scaTracked("a1", "pkg-a", ["2.0.0"]),
        scaTracked("a2", "pkg-a", []),
        scaTracked("a3", "pkg-a", []),
      ]),
    );
    expect(group.action).toBe("Upgrade pkg-a to 2.0.0 (2 findings have no fix yet)");
    expect(group.title).toBe("Upgrade pkg-a to 2.0.0 (closes 3 findings)");
    const single = only(
      groupFindings("payments", [scaTracked("a1", "pkg-a", ["2.0.0"]), scaTracked("a2", "pkg-a", [])]),
    );
    expect(single.action).toBe("Upgrade pkg-a to 2.0.0 (1 finding has no fix yet)");
  });

  it("names a package without any published fix", () => {
    const group = only(
      groupFindings("payments", [scaTracked("a1", "pkg-a", []), scaTracked("a2", "pkg-a", [])]),
    );
    expect(group.kind).toBe("upgrade");
    expect(group.action).toBe("No fixed version of pkg-a is published yet; mitigate or replace it");
    expect(group.title).toBe("pkg-a: 2 vulnerabilities without a fix");
    const one = only(groupFindings("payments", [scaTracked("a1", "pkg-a", [])]));
    expect(one.title).toBe("pkg-a: 1 vulnerability without a fix");
  });

  it("groups the same OS package reported with and without its distro namespace", () => {
    const withDistro = scaTracked("m1", "alpine/musl", ["1.2.2-r8"], {
      purlType: "apk",
      version: "1.2.2-r0",
    });
    const bare = tracked({
      findingId: "m2",
      category: "container",
      rule: { id: "CVE-2026-2222" },
      package: { name: "musl", version: "1.2.2-r0", fixedVersions: ["1.2.2-r7"] },
      location: { image: "app:1" },
    });
    const group = only(groupFindings("payments", [withDistro, bare]));
    expect(group.members).toEqual(["m1", "m2"]);
  });
});

describe("groupFindings: code, config and secrets", () => {
  it("groups SAST findings per rule and file", () => {
    const groups = groupFindings("payments", [
      sastTracked("s1", "sqli", "src/a.ts"),
      sastTracked("s2", "sqli", "src/a.ts", { location: { file: "src/a.ts", startLine: 99 } }),
      sastTracked("s3", "sqli", "src/b.ts"),
      sastTracked("s4", "xss", "src/a.ts"),
    ]);
    expect(groups).toHaveLength(3);
    const sqliA = byMember(groups, "s1");
    expect(sqliA.kind).toBe("code");
    expect(sqliA.members).toEqual(["s1", "s2"]);
    expect(sqliA.title).toBe("Rule sqli in src/a.ts");
    expect(sqliA.action).toBe("Fix 2 occurrences of sqli in src/a.ts");
    expect(byMember(groups, "s3").members).toEqual(["s3"]);
    expect(byMember(groups, "s3").action).toBe("Fix 1 occurrence of sqli in src/b.ts");
    expect(byMember(groups, "s4").members).toEqual(["s4"]);
  });

  it("groups IaC findings per rule and file as config tickets", () => {
    const iac = (id: string, rule: string, file: string) =>
      tracked({
        findingId: id,
        category: "iac",
        rule: { id: rule },
        location: { file, resource: `r-${id}` },
      });
    const groups = groupFindings("payments", [
      iac("i1", "AVD-AWS-0086", "main.tf"),
      iac("i2", "AVD-AWS-0086", "main.tf"),
      iac("i3", "AVD-AWS-0086", "s3.tf"),
    ]);
    expect(groups.map((g) => g.kind)).toEqual(["config", "config"]);
    expect(byMember(groups, "i1").members).toEqual(["i1", "i2"]);
  });

  it("makes one ticket per secret, even in the same file, each title naming its line", () => {
    // the titles differ by line: four secrets in one file used to give four identical tickets
    const groups = groupFindings("payments", [
      secretTracked("k1", "aa", "config/prod.env"),
      secretTracked("k2", "bb", "config/prod.env", { location: { file: "config/prod.env", startLine: 9 } }),
    ]);
    expect(groups).toHaveLength(2);
    for (const g of groups) {
      expect(g.kind).toBe("secret");
      expect(g.members).toHaveLength(1);
      expect(g.action).toBe(
        "Revoke the secret (AKIA…(20)), then remove it from config/prod.env and its history",
      );
    }
    expect(groups.map((g) => g.title).sort()).toEqual([
      "Rotate and remove the AWS access key secret in config/prod.env:3",
      "Rotate and remove the AWS access key secret in config/prod.env:9",
    ]);
  });

  it("keeps one ticket for one secret seen twice", () => {
    const group = only(
      groupFindings("payments", [secretTracked("k1", "aa", "a.env"), secretTracked("k2", "aa", "a.env")]),
    );
    expect(group.members).toEqual(["k1", "k2"]);
  });
});

describe("groupFindings: status, actionability, priority", () => {
  it("is done when every member resolved and open while any member is open", () => {
    const resolved = (f: TrackedFinding): TrackedFinding => ({
      ...f,
      status: "resolved",
      resolvedAt: "2026-01-10T00:00:00.000Z",
    });
    const a = sastTracked("s1", "sqli", "a.ts");
    const b = sastTracked("s2", "sqli", "a.ts");
    expect(only(groupFindings("p", [a, b])).status).toBe("open");
    expect(only(groupFindings("p", [resolved(a), b])).status).toBe("open");
    const done = only(groupFindings("p", [resolved(a), resolved(b)]));
    expect(done.status).toBe("done");
    expect(done.members).toEqual(["s1", "s2"]);
  });

  it("keeps resolved members in the group but counts only the open ones", () => {
    const group = only(
      groupFindings("p", [
        scaTracked("a1", "pkg-a", ["1.1.0"]),
        scaTracked("a2", "pkg-a", ["9.0.0"], { status: "resolved", resolvedAt: "2026-01-10T00:00:00.000Z" }),
      ]),
    );
    expect(group.members).toEqual(["a1", "a2"]);
    expect(group.title).toBe("Upgrade pkg-a to 1.1.0 (closes 1 finding)");
  });

  it("does not count excepted, false-positive, won't-fix or suppressed members as actionable", () => {
    const triage = (status: "false_positive" | "accepted_risk" | "wont_fix") => ({
      status,
      by: "alice@example.com",
      at: "2026-01-02T00:00:00.000Z",
    });
    const members = [
      scaTracked("a1", "pkg-a", ["1.1.0"], { score: score("P3") }),
      scaTracked("a2", "pkg-a", ["1.2.0"], { score: score("P3") }),
      scaTracked("a3", "pkg-a", ["5.0.0"], { triage: triage("false_positive"), severity: "critical" }),
      scaTracked("a4", "pkg-a", ["6.0.0"], { triage: triage("accepted_risk"), score: score("P1") }),
      scaTracked("a5", "pkg-a", ["7.0.0"], { triage: triage("wont_fix") }),
      scaTracked("a6", "pkg-a", ["8.0.0"], {
        score: score("P1", { suppressed: { reason: "VEX not_affected" } }),
      }),
    ];
    expect(members.map((m) => isActionable(m))).toEqual([true, true, false, false, false, false]);
    // an active exception hides a finding until it expires, and no longer once it has
    const excepted = scaTracked("a7", "pkg-a", ["9.0.0"], {
      exception: { id: "e1", reason: "compensated", expiresAt: "2026-12-01T00:00:00.000Z" },
    });
    expect(isActionable(excepted, new Date("2026-11-30T00:00:00.000Z"))).toBe(false);
    expect(isActionable(excepted, new Date("2026-12-02T00:00:00.000Z"))).toBe(true);
    const group = only(groupFindings("p", members));
    expect(group.title).toBe("Upgrade pkg-a to 1.2.0 (closes 2 findings)");
    expect(group.priority).toBe("P3");
    expect(group.severity).toBe("high");
    expect(group.status).toBe("open");
    expect(group.members).toHaveLength(6);
  });

  it("is done when no member is actionable any more", () => {
    const fp = {
      status: "false_positive" as const,
      by: "alice@example.com",
      at: "2026-01-02T00:00:00.000Z",
    };
    const group = only(groupFindings("p", [sastTracked("s1", "r", "a.ts", { triage: fp })]));
    expect(group.status).toBe("done");
  });

  it("takes the most urgent priority, the worst severity and the earliest due date of open members", () => {
    const group = only(
      groupFindings("p", [
        sastTracked("s1", "r", "a.ts", {
          severity: "medium",
          score: score("P3", { dueAt: "2026-03-01T00:00:00.000Z" }),
        }),
        sastTracked("s2", "r", "a.ts", {
          severity: "critical",
          score: score("P2", { dueAt: "2026-02-01T00:00:00.000Z" }),
        }),
        sastTracked("s3", "r", "a.ts", {
          severity: "low",
          score: score("P4", { dueAt: "2026-01-15T00:00:00.000Z" }),
        }),
      ]),
    );
    expect(group.priority).toBe("P2");
    expect(group.severity).toBe("critical");
    expect(group.dueAt).toBe("2026-01-15T00:00:00.000Z");
  });

  it("derives priority from severity when a member is not scored yet", () => {
    const p = (severity: TrackedFinding["severity"]) =>
      only(groupFindings("p", [sastTracked("s1", "r", "a.ts", { severity })])).priority;
    expect([p("critical"), p("high"), p("medium"), p("low"), p("info")]).toEqual([
      "P1",
      "P2",
      "P3",
      "P4",
      "P4",
    ]);
  });
});

describe("groupFindings: identity", () => {
  const findings: TrackedFinding[] = [
    scaTracked("a1", "pkg-a", ["1.1.0"]),
    scaTracked("a2", "pkg-a", ["1.2.0"]),
    scaTracked("b1", "pkg-b", []),
    sastTracked("s1", "sqli", "src/a.ts"),
    sastTracked("s2", "sqli", "src/a.ts"),
    sastTracked("s3", "xss", "src/a.ts"),
    secretTracked("k1", "aa", "a.env"),
    secretTracked("k2", "bb", "a.env", { status: "resolved" }),
  ];

  it("gives 16-hex group ids, sorted, unique", () => {
    const groups = groupFindings("payments", findings);
    expect(groups).toHaveLength(6);
    for (const g of groups) expect(g.groupId).toMatch(/^[0-9a-f]{16}$/);
    const ids = groups.map((g) => g.groupId);
    expect(ids).toEqual([...ids].sort());
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("is deterministic: the same findings in any order give the same ids, members and statuses", () => {
    const reference = groupFindings("payments", findings).map((g) => [g.groupId, g.members, g.status]);
    fc.assert(
      fc.property(fc.shuffledSubarray(findings, { minLength: findings.length }), (shuffled) => {
        const again = groupFindings("payments", shuffled).map((g) => [g.groupId, g.members, g.status]);
        expect(again).toEqual(reference);
      }),
    );
    expect(groupFindings("payments", findings)).toEqual(groupFindings("payments", findings));
  });

  it("scopes ids to the app", () => {
    const a = groupFindings("payments", findings).map((g) => g.groupId);
    const b = groupFindings("checkout", findings).map((g) => g.groupId);
    expect(a.filter((id) => b.includes(id))).toEqual([]);
    expect(groupFindings("checkout", findings).every((g) => g.appId === "checkout")).toBe(true);
  });

  it("keeps the group id of a SAST group when members come and go, and changes its content hash", () => {
    const before = only(groupFindings("p", [sastTracked("s1", "r", "a.ts")]));
    const after = only(groupFindings("p", [sastTracked("s1", "r", "a.ts"), sastTracked("s2", "r", "a.ts")]));
    expect(after.groupId).toBe(before.groupId);
    expect(after.contentHash).not.toBe(before.contentHash);
    const resolved = only(groupFindings("p", [sastTracked("s1", "r", "a.ts", { status: "resolved" })]));
    expect(resolved.groupId).toBe(before.groupId);
    expect(resolved.contentHash).not.toBe(before.contentHash);
  });

  it("keeps the same upgrade group while new members do not raise the target", () => {
    const before = only(groupFindings("p", [scaTracked("a1", "pkg-a", ["1.1.0"])]));
    const same = only(
      groupFindings("p", [scaTracked("a1", "pkg-a", ["1.1.0"]), scaTracked("a3", "pkg-a", ["1.0.5"])]),
    );
    expect(same.groupId).toBe(before.groupId);
    expect(same.contentHash).not.toBe(before.contentHash);
  });

  it("does not orphan an open upgrade group when a new vulnerability raises the target", () => {
    // The reconciler only updates or closes the groups groupFindings returns. When a2 (fixed in
    // 1.5.0) joins a1's package, the group that was "Upgrade pkg-a to 1.1.0" must still be
    // returned (updated, or done) — otherwise its ticket stays open forever beside a new one.
    const before = only(groupFindings("p", [scaTracked("a1", "pkg-a", ["1.1.0"])]));
    const after = groupFindings("p", [
      scaTracked("a1", "pkg-a", ["1.1.0"]),
      scaTracked("a2", "pkg-a", ["1.5.0"]),
    ]);
    expect(after.map((g) => g.groupId)).toContain(before.groupId);
  });

  it("returns no groups for no findings", () => {
    expect(groupFindings("p", [])).toEqual([]);
  });
});
