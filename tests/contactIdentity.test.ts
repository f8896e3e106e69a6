/**
 * A customer's identity over time: Meta's `user_changed_user_id` notice re-keys the contact to
 * its new business-scoped user id, so the thread and its history continue; a contact first
 * known by BSUID that later shows a phone number stays one contact with one thread.
 */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import {
  allRows,
  connectMetaNumber,
  giveAgent,
  metaEnvelope,
  metaRequest,
  metaValue,
  post,
} from "./fixtures/webhooks";
import { newTest, provisionTenant, type TestConvex } from "./setup";

const env = { environment: "development" as const };
const PNID = "106540352242922";
const SECRET = "app_secret";

let t: TestConvex;
let admin: Awaited<ReturnType<typeof provisionTenant>>["admin"];
let connectionId: Id<"whatsappConnections">;

beforeEach(async () => {
  vi.useFakeTimers();
  vi.setSystemTime(new Date("2026-10-28T14:30:00Z"));
  t = newTest();
  ({ admin } = await provisionTenant(t, "org_a"));
  connectionId = await connectMetaNumber(admin, PNID, SECRET);
  await giveAgent(t, admin, connectionId);
});

afterEach(() => {
  vi.useRealTimers();
});

async function deliver(value: Record<string, unknown>) {
  const body = metaEnvelope([{ changes: [{ value: metaValue(PNID, value) }] }]);
  return (await post(t, await metaRequest(body, { secret: SECRET }))).status;
}

function fromUser(id: string, userId: string, text: string, phone = "") {
  return {
    contacts: [{ profile: { name: "Sheena" }, wa_id: phone, user_id: userId }],
    messages: [
      {
        from: phone,
        from_user_id: userId,
        id,
        timestamp: "1760000000",
        type: "text",
        text: { body: text },
      },
    ],
  };
}

test("a BSUID change keeps the customer's contact and thread, with its history", async () => {
  expect(await deliver(fromUser("wamid.B1", "US.111", "Hi, my order?"))).toBe(200);
  const notice = {
    from: "",
    id: "wamid.SYS2",
    timestamp: "1760000100",
    type: "system",
    system: {
      body: "User Sheena Nelson changed from US.111 to US.222",
      wa_id: "",
      user_id: "US.222",
      type: "user_changed_user_id",
    },
  };
  expect(await deliver({ messages: [notice] })).toBe(200);
  expect(await deliver(fromUser("wamid.B2", "US.222", "Any news?"))).toBe(200);

  const contacts = await allRows(t, "contacts");
  expect(contacts.map((c) => c.bsuid)).toEqual(["US.222"]);
  const threads = await allRows(t, "threads");
  expect(threads).toHaveLength(1);
  expect(threads[0]!.channelParams.bsuid).toBe("US.222");
  expect(threads[0]!.externalId).toBe(`whatsapp:${connectionId}:bsuid:US.222`);
  const messages = await allRows(t, "messages");
  expect(messages.map((m) => [m.threadId, m.content])).toEqual([
    [threads[0]!._id, "Hi, my order?"],
    [threads[0]!._id, "User Sheena Nelson changed from US.111 to US.222"],
    [threads[0]!._id, "Any news?"],
  ]);
  expect(
    await admin.query(api.whatsapp.deliveries.list, { ...env, failedOnly: true }),
  ).toHaveLength(0);
});

test("a contact first known by BSUID that later shows a phone stays one contact", async () => {
  await deliver(fromUser("wamid.P1", "US.111", "Hi"));
  await deliver(fromUser("wamid.P2", "US.111", "Still there?", "16505551234"));
  const contacts = await allRows(t, "contacts");
  expect(contacts).toHaveLength(1);
  expect(contacts[0]).toMatchObject({ bsuid: "US.111", phoneNumber: "+16505551234" });
  const threads = await allRows(t, "threads");
  expect(threads).toHaveLength(1);
  expect(threads[0]!.channelParams).toMatchObject({
    bsuid: "US.111",
    phoneNumber: "+16505551234",
  });
  const messages = await allRows(t, "messages");
  expect(new Set(messages.map((m) => m.threadId))).toEqual(new Set([threads[0]!._id]));
});
