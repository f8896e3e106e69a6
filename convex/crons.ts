/**
 * Periodic housekeeping. Parked delivery statuses whose message never appeared are purged
 * after their retention (statuses.ts), and the logs that grow with traffic are trimmed to their
 * retention in bounded batches (ops/retention.ts), so no table grows without bound. The
 * watchdog (ops/watchdog.ts) moves on work whose action died and left it in progress. Message
 * templates are synced from the provider on a schedule (whatsapp/templateSync.ts).
 */
import { cronJobs } from "convex/server";
import { internal } from "./_generated/api";

const crons = cronJobs();

crons.interval(
  "purge stale parked statuses",
  { hours: 6 },
  internal.whatsapp.statuses.purgeStalePendingStatuses,
  {},
);

crons.interval("sync message templates", { minutes: 5 }, internal.whatsapp.templateSync.runDue, {});

crons.daily(
  "apply retention to logs",
  { hourUTC: 3, minuteUTC: 17 },
  internal.ops.retention.run,
  {},
);

crons.interval("move stuck work on", { minutes: 1 }, internal.ops.watchdog.sweep, {});

export default crons;
