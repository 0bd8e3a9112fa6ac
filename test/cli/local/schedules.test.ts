import { describe, expect, it } from "vitest";
import { nextDelay } from "#cli/local/schedules";
import { JOBS, type Schedule } from "#shared/events";

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const at = (iso: string) => new Date(iso);
const fireTime = (s: Schedule, now: Date) => new Date(now.getTime() + nextDelay(s, now));

describe("nextDelay", () => {
  it("waits the rate's minutes", () => {
    expect(nextDelay({ kind: "rate", minutes: 15 }, at("2026-01-07T10:03:27Z"))).toBe(15 * MIN);
    expect(nextDelay(JOBS["ticket-sync"], at("2026-01-07T10:03:27Z"))).toBe(15 * MIN);
  });

  it("fires a daily cron later today when its time has not come", () => {
    const daily: Schedule = { kind: "cron", minute: 0, hour: 2 };
    expect(nextDelay(daily, at("2026-01-07T01:00:00Z"))).toBe(HOUR);
    expect(nextDelay(daily, at("2026-01-07T01:59:30.250Z"))).toBe(29_750);
  });

  it("fires a daily cron tomorrow when its time has passed or is now", () => {
    const daily: Schedule = { kind: "cron", minute: 30, hour: 1 };
    expect(fireTime(daily, at("2026-01-07T03:00:00Z")).toISOString()).toBe("2026-01-08T01:30:00.000Z");
    expect(nextDelay(daily, at("2026-01-07T01:30:00Z"))).toBe(DAY);
    expect(nextDelay(daily, at("2026-01-07T01:30:00.001Z"))).toBe(DAY - 1);
  });

  it("rolls over month and year ends", () => {
    const daily: Schedule = { kind: "cron", minute: 0, hour: 2 };
    expect(fireTime(daily, at("2026-01-31T23:00:00Z")).toISOString()).toBe("2026-02-01T02:00:00.000Z");
    expect(fireTime(daily, at("2026-12-31T05:00:00Z")).toISOString()).toBe("2027-01-01T02:00:00.000Z");
  });

  it("fires a weekly cron on its weekday (0 = Sunday, as getUTCDay)", () => {
    const monday8: Schedule = { kind: "cron", minute: 0, hour: 8, weekday: 1 };
    // 2026-01-07 is a Wednesday
    expect(fireTime(monday8, at("2026-01-07T10:00:00Z")).toISOString()).toBe("2026-01-12T08:00:00.000Z");
    // Monday before 08:00: today
    expect(nextDelay(monday8, at("2026-01-12T07:00:00Z"))).toBe(HOUR);
    // Monday after 08:00: next Monday
    expect(nextDelay(monday8, at("2026-01-12T09:00:00Z"))).toBe(7 * DAY - HOUR);
    // Sunday
    const sunday: Schedule = { kind: "cron", minute: 15, hour: 6, weekday: 0 };
    expect(fireTime(sunday, at("2026-01-07T10:00:00Z")).toISOString()).toBe("2026-01-11T06:15:00.000Z");
    expect(fireTime(JOBS.digest, at("2026-01-10T00:00:00Z")).getUTCDay()).toBe(1);
  });

  it("always waits a positive time of at most a week", () => {
    const schedules: Schedule[] = [
      JOBS.posture,
      JOBS.digest,
      JOBS.intel,
      { kind: "cron", minute: 59, hour: 23, weekday: 6 },
    ];
    for (let h = 0; h < 24 * 8; h += 5) {
      const now = new Date(Date.UTC(2026, 0, 1, h, 17, 41, 5));
      for (const s of schedules) {
        const d = nextDelay(s, now);
        expect(d).toBeGreaterThan(0);
        expect(d).toBeLessThanOrEqual(7 * DAY);
        const fire = fireTime(s, now);
        expect(fire.getUTCSeconds()).toBe(0);
        if (s.kind === "cron") {
          expect([fire.getUTCHours(), fire.getUTCMinutes()]).toEqual([s.hour, s.minute]);
          if (s.weekday !== undefined) expect(fire.getUTCDay()).toBe(s.weekday);
          else expect(d).toBeLessThanOrEqual(DAY);
        }
      }
    }
  });
});
