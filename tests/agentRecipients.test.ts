/**
 * Tool reach: an agent's tools act on the thread's own customer; `whatsapp.send`'s `to` exists
 * only for an agent an admin allowed other numbers, reaches only those numbers (inside their
 * own 24-hour window with the number) and is recorded on the run.
 */
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { api } from "../convex/_generated/api";
import type { StandInModel } from "../scripts/standInModel";
import { useStandInModel } from "./fixtures/agents";
import { expectCode } from "./fixtures/errors";
import {
  customerWrites,
  numberWithAgent,
  routeNow,
  runsOfThread,
  threadMessages,
  SUPPORT_LINE,
} from "./fixtures/metaInbound";
import { newTest, provisionTenant, type TestConvex } from "./setup";

const env = { environment: "development" as const };
const CUSTOMER = "15557771234";
const STAFF = "15558880000";
const STRANGER = "+447700900123";

let t: TestConvex;
let model: StandInModel;
let a: Awaited<ReturnType<typeof provisionTenant>>;
let support: Awaited<ReturnType<typeof numberWithAgent>>;

beforeEach(async () => {
  vi.useFakeTimers();
  vi.setSystemTime(new Date("2026-05-14T10:00:00Z"));
  model = useStandInModel();
  t = newTest();
  a = await provisionTenant(t, "org_a");
  support = await numberWithAgent(a.admin, SUPPORT_LINE);
});

afterEach(() => {
  vi.unstubAllGlobals();
  vi.unstubAllEnvs();
  vi.useRealTimers();
});

/** The model sends `text` to `to`, then answers the customer; returns the customer's thread. */
async function modelSendsTo(to: string, text = "Table for 4 at 8pm, please confirm.") {
  model.script(
    { toolCalls: [{ name: "whatsapp_send", arguments: { to, text } }] },
    { content: "I've asked the restaurant; I'll let you know." },
  );
  vi.setSystemTime(Date.now() + 60_000);
  const thread = await customerWrites(t, support, CUSTOMER, "Book a table for 4 at 8pm");
  await routeNow(t, thread._id);
  const [run] = (await runsOfThread(t, thread._id)).slice(-1);
  return { thread, run: run!, call: run!.toolCalls[0]! };
}

async function messagesTo(phoneNumber: string) {
  return await t.run(async (ctx) =>
    (await ctx.db.query("outboundSends").collect()).filter((s) => s.recipient === phoneNumber),
  );
}

function offeredSend() {
  return model.requests[0]!.tools!.find((x) => x.function.name === "whatsapp_send")!;
}

describe("other recipients", () => {
  test("an agent nobody allowed has no `to` and a `to` it invents is refused", async () => {
    await customerWrites(t, support, STAFF, "Staff here");
    const { call } = await modelSendsTo(`+${STAFF}`);
    expect(JSON.stringify(offeredSend())).not.toContain('"to"');
    expect(call).toMatchObject({ name: "whatsapp.send", ok: false });
    expect(call.result).toMatch(/Invalid arguments.*to/);
    expect(await messagesTo(`+${STAFF}`)).toEqual([]);
  });

  test("a number not on the agent's allow-list is refused and nothing is sent to it", async () => {
    await a.admin.mutation(api.agents.recipients.setAllowed, {
      ...env,
      agentId: support.agentId,
      phoneNumbers: [`+${STAFF}`],
    });
    const { run, call } = await modelSendsTo(STRANGER);
    expect(call.ok).toBe(false);
    expect(call.result).toContain(`${STRANGER} is not a number this agent may message`);
    expect(await messagesTo(STRANGER)).toEqual([]);
    expect(run.sentTo).toBeUndefined();
    expect(run.outcome).toBe("replied");
  });

  test("a listed number inside its window gets the message on its own thread, recorded on the run", async () => {
    await a.admin.mutation(api.agents.recipients.setAllowed, {
      ...env,
      agentId: support.agentId,
      phoneNumbers: [`${STAFF}`],
    });
    const staffThread = await customerWrites(t, support, STAFF, "Restaurant desk here");
    const { thread, run, call } = await modelSendsTo(`+${STAFF}`);

    expect(JSON.stringify(offeredSend())).toContain('"to"');
    expect(model.systemPrompt(0)).toContain(
      `only whatsapp.send's "to" may also reach these numbers the business allowed: +${STAFF}`,
    );
    expect(call).toMatchObject({ name: "whatsapp.send", ok: true });
    const [send] = await messagesTo(`+${STAFF}`);
    expect(send!.threadId).toBe(staffThread._id);
    expect(send!.content).toEqual({ kind: "text", text: "Table for 4 at 8pm, please confirm." });
    expect(run.sentTo).toEqual([
      { phoneNumber: `+${STAFF}`, threadId: staffThread._id, messageId: send!.messageId },
    ]);
    // The customer still gets the reply; the message to the desk is not in the customer's thread.
    const customerSide = (await threadMessages(t, thread._id)).filter((m) => m.role !== "user");
    expect(customerSide.map((m) => m.content)).toEqual([
      "I've asked the restaurant; I'll let you know.",
    ]);
  });

  test("a listed number that never wrote to this number is refused", async () => {
    await a.admin.mutation(api.agents.recipients.setAllowed, {
      ...env,
      agentId: support.agentId,
      phoneNumbers: [`+${STAFF}`],
    });
    const { call } = await modelSendsTo(`+${STAFF}`);
    expect(call.ok).toBe(false);
    expect(call.result).toContain("has never written to this number");
  });

  test("the allow-list is normalised, validated, and can be emptied", async () => {
    await expectCode(
      a.admin.mutation(api.agents.recipients.setAllowed, {
        ...env,
        agentId: support.agentId,
        phoneNumbers: ["the manager"],
      }),
      "INVALID_ARGUMENT",
    );
    const saved = await a.admin.mutation(api.agents.recipients.setAllowed, {
      ...env,
      agentId: support.agentId,
      phoneNumbers: ["+1 (555) 888-0000", "15558880000"],
    });
    expect(saved).toEqual(["+15558880000"]);
    const agent = await a.admin.query(api.agents.definitions.get, {
      ...env,
      agentId: support.agentId,
    });
    expect(agent.allowedRecipients).toEqual(["+15558880000"]);
    await a.admin.mutation(api.agents.recipients.setAllowed, {
      ...env,
      agentId: support.agentId,
      phoneNumbers: [],
    });
    const after = await a.admin.query(api.agents.definitions.get, {
      ...env,
      agentId: support.agentId,
    });
    expect(after.allowedRecipients).toBeUndefined();
  });
});
