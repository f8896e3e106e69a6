/**
 * Periodic housekeeping. Parked delivery statuses whose message never appeared are purged
 * after their retention (statuses.ts), so the table does not grow without bound.
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

export default crons;
