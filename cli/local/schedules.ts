import type { Schedule } from "#shared/events";

/** Milliseconds until a schedule next fires after `now` (UTC, like EventBridge Scheduler's default). */
export function nextDelay(schedule: Schedule, now: Date): number {
  if (schedule.kind === "rate") return schedule.minutes * 60_000;
  const next = new Date(now);
  next.setUTCSeconds(0, 0);
  next.setUTCHours(schedule.hour, schedule.minute);
  while (next <= now || (schedule.weekday !== undefined && next.getUTCDay() !== schedule.weekday)) {
    next.setUTCDate(next.getUTCDate() + 1);
  }
  return next.getTime() - now.getTime();
}

/** The local scheduler: one timer per job, re-armed after each run; a failing run is logged, not fatal. */
export function startSchedules<N extends string>(
  jobs: Record<N, Schedule>,
  run: (name: N) => Promise<void>,
  log: (line: string) => void,
) {
  const timers = new Map<N, NodeJS.Timeout>();
  let stopped = false;
  const arm = (name: N) => {
    if (stopped) return;
    const timer = setTimeout(
      () => {
        run(name)
          .then(() => log(`job ${name} done`))
          .catch((error: unknown) => log(`job ${name} failed: ${(error as Error).message}`))
          .finally(() => arm(name));
      },
      nextDelay(jobs[name], new Date()),
    );
    timer.unref();
    timers.set(name, timer);
  };
  for (const name of Object.keys(jobs) as N[]) arm(name);
  return {
    stop() {
      stopped = true;
      for (const t of timers.values()) clearTimeout(t);
    },
  };
}
