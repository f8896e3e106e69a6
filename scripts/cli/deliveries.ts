/**
 * CLI commands about received webhook deliveries: list them (failed ones on request), replay
 * one that failed, and count the refused ones signed with a wrong secret, per number.
 */
import { api } from "../../convex/_generated/api";
import { asId, defineCommand, numberOption, table, time } from "./core";

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

export const DELIVERY_COMMANDS = [deliveriesList, deliveriesReplay, signatureFailures];
