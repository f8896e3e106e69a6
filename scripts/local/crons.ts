/**
 * The local runtime's cron runner: reads the jobs registered in `convex/crons.ts` (convex-test
 * has no crons) and, on each job's schedule (interval, hourly, daily, weekly, monthly or a cron
 * expression, all in UTC), schedules a run of its function: runs are background work like any
 * scheduled function, so deliveries go first. A failed run is recorded, not retried.
 * When the local clock is moved ahead, every job is re-armed from the new time.
 */
import { CronExpressionParser } from "cron-parser";
import { makeFunctionReference } from "convex/server";
import { existsSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { Engine } from "./engine";

export type CronSpec = {
  name: string;
  args: Record<string, unknown>[];
  schedule: Record<string, unknown> & { type: string };
};

const DAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];

/** The next run of a schedule strictly after `now` (ms since epoch, UTC). */
export function nextRun(schedule: CronSpec["schedule"], now: number): number {
  const num = (key: string, fallback = 0) =>
    typeof schedule[key] === "number" ? (schedule[key] as number) : fallback;
  if (schedule.type === "interval") {
    const ms = num("seconds") * 1000 + num("minutes") * 60_000 + num("hours") * 3_600_000 || 60_000;
    return now + ms;
  }
  let expression: string;
  switch (schedule.type) {
    case "cron":
      expression = String(schedule.cron);
      break;
    case "hourly":
      expression = `${num("minuteUTC")} * * * *`;
      break;
    case "daily":
      expression = `${num("minuteUTC")} ${num("hourUTC")} * * *`;
      break;
    case "weekly": {
      const day = schedule.dayOfWeek;
      const dow = typeof day === "number" ? day : DAYS.indexOf(String(day));
      expression = `${num("minuteUTC")} ${num("hourUTC")} * * ${dow}`;
      break;
    }
    case "monthly":
      expression = `${num("minuteUTC")} ${num("hourUTC")} ${num("day", 1)} * *`;
      break;
    default:
      throw new Error(`Unknown cron schedule type ${schedule.type}`);
  }
  return CronExpressionParser.parse(expression, { tz: "UTC", currentDate: new Date(now) })
    .next()
    .getTime();
}

/** The jobs of `convex/crons.ts`, or none when the file does not exist. */
export async function loadCrons(root: string): Promise<CronSpec[]> {
  const file = ["crons.ts", "crons.js"]
    .map((f) => path.join(root, "convex", f))
    .find((f) => existsSync(f));
  if (file === undefined) return [];
  const mod = (await import(pathToFileURL(file).href)) as {
    default?: { crons?: Record<string, CronSpec> };
  };
  return Object.values(mod.default?.crons ?? {});
}

const MAX_TIMER = 2 ** 31 - 1;

export async function startCrons(
  engine: Engine,
  root: string,
  log: (line: string) => void = console.log,
): Promise<{ jobs: string[]; stop(): void }> {
  const jobs = await loadCrons(root);
  const timers = new Map<string, NodeJS.Timeout>();
  let stopped = false;
  // Each run is scheduled, as Convex runs cron jobs: it is background work like any scheduled
  // function (deliveries go first) and shows among the scheduled functions.
  const run = async (job: CronSpec) => {
    const info = await engine.functionInfo(job.name);
    if (info?.kind !== "mutation" && info?.kind !== "action") {
      throw new Error(`cron target ${job.name} is not a mutation or action`);
    }
    const args = job.args[0] ?? {};
    await engine.t.run(async (ctx) => {
      await ctx.scheduler.runAfter(0, makeFunctionReference<typeof info.kind>(job.name), args);
    });
  };
  const arm = (job: CronSpec, at: number) => {
    if (stopped) return;
    const delay = at - Date.now();
    const key = job.name + JSON.stringify(job.args);
    clearTimeout(timers.get(key));
    timers.set(
      key,
      setTimeout(
        () => {
          if (delay > MAX_TIMER) return arm(job, at);
          run(job)
            .catch((error: unknown) => log(`[cron] ${job.name} failed: ${String(error)}`))
            .finally(() => arm(job, nextRun(job.schedule, Date.now())));
        },
        Math.max(0, Math.min(delay, MAX_TIMER)),
      ),
    );
  };
  const armAll = () => {
    for (const job of jobs) arm(job, nextRun(job.schedule, Date.now()));
  };
  armAll();
  // After the clock moves ahead, each job's next run is counted from the new time.
  const unsubscribe = engine.onClockChange(armAll);
  return {
    jobs: jobs.map((j) => j.name),
    stop: () => {
      stopped = true;
      unsubscribe();
      for (const timer of timers.values()) clearTimeout(timer);
    },
  };
}
