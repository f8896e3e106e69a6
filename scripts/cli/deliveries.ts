/**
 * CLI commands about received webhook deliveries: list them (failed ones on request), replay
 * one that failed or every failed one since a time, and count the refused ones signed with a
 * wrong secret, per number.
 */
import { api } from "../../convex/_generated/api";
import type { ReplayJobView } from "../../convex/whatsapp/deliveryReplay";
import { asId, CliError, defineCommand, numberOption, table, time } from "./core";

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `--since`: a time ago (`90m`, `24h`, `7d`) or an ISO date-time. */
export function sinceOption(value: string, now = Date.now()): number {
  const ago = /^(\d+)([mhd])$/.exec(value.trim());
  if (ago) return now - Number(ago[1]) * UNIT_MS[ago[2]!]!;
  const at = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value.trim()) || Number.isNaN(at)) {
    throw new CliError("USAGE", "--since must be a time ago (90m, 24h, 7d) or an ISO date-time");
  }
  return at;
}

const replayJobText = (job: ReplayJobView) => {
  const p = job.progress;
  return (
    `Replay ${job._id} (${job.status}) of failed deliveries since ${time(job.since)}: ` +
    `${p.found} found, ${p.resolved} resolved, ${p.stillFailed} still failing, ` +
    `${p.skipped} skipped (body not kept), ${p.errors} errors.`
  );
};

const deliveriesList = defineCommand({
  name: ["deliveries", "list"],
  summary: "Lists received webhook deliveries, newest first.",
  options: {
    failed: { type: "boolean", help: "Only deliveries that failed." },
    limit: { type: "string", value: "<n>", help: "How many to show." },
  },
  run: ({ call, env, values }) =>
    call.query(api.whatsapp.deliveries.list, {
      ...env,
      ...(values.failed === true ? { failedOnly: true } : {}),
      ...(values.limit !== undefined ? { limit: numberOption(values.limit, "limit", true) } : {}),
    }),
  human: (deliveries) =>
    table([
      ["ID", "RECEIVED", "SOURCE", "EVENT", "VERDICT", "OUTCOME"],
      ...deliveries.map((d) => [
        d._id,
        time(d.receivedAt),
        d.source,
        d.eventType ?? "-",
        d.verdict,
        d.failed ? `failed: ${d.deadLetter?.reason ?? "?"}` : "ok",
      ]),
    ]),
});

const deliveriesReplay = defineCommand({
  name: ["deliveries", "replay"],
  summary: "Processes a stored delivery again (after a fix, or to retry a failure).",
  args: ["deliveryId"],
  options: {},
  run: ({ call, env, args }) =>
    call.mutation(api.whatsapp.deliveries.replay, {
      ...env,
      deliveryId: asId<"webhookDeliveries">(args[0]!),
    }),
  human: (d) =>
    `Delivery ${d._id} replayed (${d.replays} replay(s) so far; ${d.failed ? "still failing" : "ok"}).`,
});

const replayFailed = defineCommand({
  name: ["deliveries", "replay-failed"],
  summary: "Replays every failed delivery received since a time, in the background (admins).",
  options: {
    since: { type: "string", value: "<90m|24h|7d|ISO>", help: "Oldest delivery to replay." },
  },
  run: ({ call, env, values }) => {
    if (values.since === undefined) throw new CliError("USAGE", "--since is required");
    return call.mutation(api.whatsapp.deliveryReplay.replayFailedSince, {
      ...env,
      since: sinceOption(values.since),
    });
  },
  human: (job) => `${replayJobText(job)}\nFollow it with: deliveries replay-status`,
});

const replayStatus = defineCommand({
  name: ["deliveries", "replay-status"],
  summary: "Shows the latest bulk replay of failed deliveries and its progress.",
  options: {},
  run: ({ call, env }) => call.query(api.whatsapp.deliveryReplay.latest, env),
  human: (job) => (job === null ? "No bulk replay yet in this environment." : replayJobText(job)),
});

const signatureFailures = defineCommand({
  name: ["deliveries", "signature-failures"],
  summary: "Counts deliveries refused for a bad signature, per number (a wrong webhook secret).",
  options: {},
  run: async ({ call, env }) => {
    const failures = await call.query(api.whatsapp.deliveries.signatureFailures, env);
    if (failures.length === 0) return [];
    const { connections } = await call.query(api.whatsapp.connections.getStatus, env);
    return failures.map((f) => {
      const connection = connections.find((c) => c._id === f.connectionId);
      return {
        ...f,
        ...(connection?.phoneNumber ? { phoneNumber: connection.phoneNumber } : {}),
        ...(connection ? { label: connection.label } : {}),
      };
    });
  },
  human: (rows) =>
    rows.length === 0
      ? "No bad signatures in this environment."
      : table([
          ["CONNECTION", "LABEL", "NUMBER", "BAD SIGNATURES", "LAST"],
          ...rows.map((r) => [
            r.connectionId,
            r.label ?? "-",
            r.phoneNumber ?? "-",
            String(r.badSignatures),
            time(r.lastBadSignatureAt),
          ]),
        ]),
});

export const DELIVERY_COMMANDS = [
  deliveriesList,
  deliveriesReplay,
  replayFailed,
  replayStatus,
  signatureFailures,
];
