import { describe, expect, it } from "vitest";
import {
  DEFAULT_MAX_UPLOAD_BYTES,
  ENV,
  maxUploadBytes,
  optionalEnv,
  requireEnv,
  trackedBranches,
} from "#shared/config";

describe("requireEnv", () => {
  it("returns the values under their config keys", () => {
    const env = { ASPM_TABLE_NAME: "aspm-table", ASPM_BUCKET_NAME: "aspm-bucket", UNRELATED: "x" };
    expect(requireEnv(["tableName", "bucketName"], env)).toEqual({
      tableName: "aspm-table",
      bucketName: "aspm-bucket",
    });
  });

  it("names every missing variable in one error", () => {
    expect(() => requireEnv(["tableName", "bucketName", "eventBusName"], { ASPM_BUCKET_NAME: "b" })).toThrow(
      "missing configuration: ASPM_TABLE_NAME, ASPM_EVENT_BUS_NAME",
    );
  });

  it("treats an empty variable as missing", () => {
    expect(() =>
      requireEnv(["tableName", "bucketName"], { ASPM_TABLE_NAME: "", ASPM_BUCKET_NAME: "" }),
    ).toThrow("missing configuration: ASPM_TABLE_NAME, ASPM_BUCKET_NAME");
  });

  it("reads process.env by default", () => {
    const before = process.env.ASPM_OUTBOX_DIR;
    process.env.ASPM_OUTBOX_DIR = "/tmp/outbox";
    try {
      expect(requireEnv(["outboxDir"])).toEqual({ outboxDir: "/tmp/outbox" });
    } finally {
      if (before === undefined) delete process.env.ASPM_OUTBOX_DIR;
      else process.env.ASPM_OUTBOX_DIR = before;
    }
  });

  it("asks for nothing when no keys are given", () => {
    expect(requireEnv([], {})).toEqual({});
  });

  it("maps every key to a distinct ASPM_ variable", () => {
    const names = Object.values(ENV);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^ASPM_[A-Z0-9_]+$/);
  });
});

describe("optionalEnv / maxUploadBytes", () => {
  it("treats empty as unset", () => {
    expect(optionalEnv("jiraBaseUrl", { ASPM_JIRA_BASE_URL: "" })).toBeUndefined();
    expect(optionalEnv("jiraBaseUrl", { ASPM_JIRA_BASE_URL: "https://x" })).toBe("https://x");
  });

  it("falls back to the default upload cap on junk", () => {
    expect(maxUploadBytes({})).toBe(DEFAULT_MAX_UPLOAD_BYTES);
    expect(maxUploadBytes({ ASPM_MAX_UPLOAD_BYTES: "1048576" })).toBe(1_048_576);
    for (const junk of ["0", "-5", "1.5", "ten"]) {
      expect(maxUploadBytes({ ASPM_MAX_UPLOAD_BYTES: junk })).toBe(DEFAULT_MAX_UPLOAD_BYTES);
    }
  });
});

describe("trackedBranches", () => {
  it("always tracks main and master", () => {
    expect([...trackedBranches({})]).toEqual(["main", "master"]);
  });

  it("adds the configured branches, trimmed, without empties or duplicates", () => {
    const branches = trackedBranches({ ASPM_TRACKED_BRANCHES: " develop, release/2026 ,,main, " });
    expect([...branches].sort()).toEqual(["develop", "main", "master", "release/2026"]);
    expect(branches.has("feature/x")).toBe(false);
  });
});
