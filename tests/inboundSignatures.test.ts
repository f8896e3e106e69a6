/**
 * Webhook authenticity: HMAC-SHA256 over the raw bytes, checked in constant time
 * against every active secret of the number. A rejected request answers 401 and leaves only a
 * counter of its reason. Also: the reference test vectors, Meta's GET handshake,
 * secret rotation, and the project webhook signed with the deployment secret.
 */
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { api } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import { SECRET_ROTATION_GRACE_MS } from "../convex/whatsapp/connections";
import { createHmac } from "node:crypto";
import {
  constantTimeEqual,
  hmacSha256Hex,
  SMALL_BODY_BYTES,
  verifySignature,
} from "../convex/whatsapp/signatures";
import { newTest, provisionTenant, type TestConvex } from "./setup";
import {
  allRows,
  connectKapsoNumber,
  connectMetaNumber,
  giveAgent,
  kapsoProjectRequest,
  kapsoRequest,
  kapsoText,
  metaRequest,
  post,
} from "./fixtures/webhooks";

// Published signature test vectors for the Kapso and Meta schemes (computed with Python's hmac).
const KAPSO_VECTOR_BODY =
  '{"message":{"id":"wamid.TEST1","timestamp":"1730092800","type":"text","text":{"body":"Hola"}},"phone_number_id":"123456789012345"}';
const KAPSO_VECTOR_SIG = "2526c36b5f9b27e25775a0b87a8bc01dccb30f5bebe3dad91cf3323c4223ae57";
const META_VECTOR_BODY =
  '{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},"contacts":[{"profile":{"name":"Jos\\u00e9"},"wa_id":"16505551234"}],"messages":[{"from":"16505551234","id":"wamid.TEST2","timestamp":"1749416383","type":"text","text":{"body":"\\u00bfHola?"}}]},"field":"messages"}]}]}';
const META_VECTOR_SIG = "dccc6fa3f59c3d2c076ec8babdf75c721d8533ac0fbaf22b1e7dc735c340f6ab";
const META_VECTOR_UNESCAPED_SIG =
  "d646e49d08cc092da5304c76d407ccc0a402d4bf0a7ae6b2b2f7c814d41f494a";

describe("the signature primitives", () => {
  test("reproduce the Kapso and Meta test vectors over the exact bytes", async () => {
    expect(await hmacSha256Hex("test_kapso_secret", KAPSO_VECTOR_BODY)).toBe(KAPSO_VECTOR_SIG);
    expect(await hmacSha256Hex("test_app_secret", META_VECTOR_BODY)).toBe(META_VECTOR_SIG);
  });

  test("small bodies (hashed in JS) and large ones (Web Crypto) sign as node:crypto does", async () => {
    for (const size of [0, SMALL_BODY_BYTES - 1, SMALL_BODY_BYTES, SMALL_BODY_BYTES + 1, 70_000]) {
      const body = new Uint8Array(size).map((_, i) => (i * 31 + 7) & 0xff);
      const expected = createHmac("sha256", "rotating_secret").update(body).digest("hex");
      expect(await hmacSha256Hex("rotating_secret", body), `${size} bytes`).toBe(expected);
      const check = await verifySignature("kapso", body, expected, ["other", "rotating_secret"]);
      expect(check, `${size} bytes`).toEqual({ check: "valid", secretIndex: 1 });
    }
  });

  test("a Meta body re-serialised with JSON.stringify no longer verifies", async () => {
    const reserialised = JSON.stringify(JSON.parse(META_VECTOR_BODY));
    expect(reserialised).toContain("José");
    expect(await hmacSha256Hex("test_app_secret", reserialised)).toBe(META_VECTOR_UNESCAPED_SIG);
    const check = await verifySignature("meta", reserialised, `sha256=${META_VECTOR_SIG}`, [
      "test_app_secret",
    ]);
    expect(check.check).toBe("invalid");
  });

  test("malformed headers are refused: prefix, case, length, whitespace, sha1", async () => {
    const secrets = ["test_kapso_secret"];
    const body = KAPSO_VECTOR_BODY;
    for (const header of [
      KAPSO_VECTOR_SIG.toUpperCase(),
      ` ${KAPSO_VECTOR_SIG}`,
      KAPSO_VECTOR_SIG.slice(1),
      `sha256=${KAPSO_VECTOR_SIG}`,
      "zz" + KAPSO_VECTOR_SIG.slice(2),
    ]) {
      expect((await verifySignature("kapso", body, header, secrets)).check, header).toBe("invalid");
    }
    expect((await verifySignature("kapso", body, KAPSO_VECTOR_SIG, secrets)).check).toBe("valid");
    const meta = await verifySignature("meta", META_VECTOR_BODY, `sha1=${META_VECTOR_SIG}`, [
      "test_app_secret",
    ]);
    expect(meta.check).toBe("invalid");
  });

  test("any one of several secrets verifies, and reports which", async () => {
    const result = await verifySignature("kapso", KAPSO_VECTOR_BODY, KAPSO_VECTOR_SIG, [
      "old",
      "test_kapso_secret",
    ]);
    expect(result).toEqual({ check: "valid", secretIndex: 1 });
  });

  test("constant-time comparison still answers correctly", () => {
    expect(constantTimeEqual("abcd", "abcd")).toBe(true);
    expect(constantTimeEqual("abcd", "abce")).toBe(false);
    expect(constantTimeEqual("abcd", "abc")).toBe(false);
  });
});

let t: TestConvex;
let admin: Awaited<ReturnType<typeof provisionTenant>>["admin"];
let kapso: { connectionId: Id<"whatsappConnections">; secret: string };
const PNID = "123456789012345";

beforeEach(async () => {
  vi.useFakeTimers();
  vi.setSystemTime(new Date("2025-10-28T14:30:00Z"));
  t = newTest();
  ({ admin } = await provisionTenant(t, "org_a"));
  kapso = await connectKapsoNumber(t, admin, PNID);
  await giveAgent(t, admin, kapso.connectionId);
});

afterEach(() => {
  vi.unstubAllEnvs();
  vi.useRealTimers();
});

const body = kapsoText({ id: "wamid.SIG1", phoneNumberId: PNID, from: "15551234567" });
const received = { event: "whatsapp.message.received" };

async function expectRejected(response: Response, reason: string) {
  expect(response.status).toBe(401);
  expect(await allRows(t, "messages")).toHaveLength(0);
  expect(await allRows(t, "threads")).toHaveLength(0);
  expect(await allRows(t, "contacts")).toHaveLength(0);
  expect(await allRows(t, "webhookDeliveries")).toHaveLength(0);
  const counters = await t.run((ctx) => ctx.db.query("webhookRejections").collect());
  expect(counters.map((c) => [c.reason, c.count])).toEqual([[reason, 1]]);
}

describe("POST /webhook/kapso/messages", () => {
  test("a validly signed delivery is stored and answered 200", async () => {
    const response = await post(t, await kapsoRequest(body, { secret: kapso.secret, ...received }));
    expect(response.status).toBe(200);
    expect((await allRows(t, "messages")).map((m) => m.content)).toEqual(["Hello"]);
  });

  test("a delivery signed with another secret is refused with 401 and nothing stored", async () => {
    const response = await post(
      t,
      await kapsoRequest(body, { secret: "whsec_wrong", ...received }),
    );
    await expectRejected(response, "bad_signature");
  });

  test("a body changed after signing is refused", async () => {
    const raw = JSON.stringify(body);
    const tampered = raw.replace("Hello", "Hellp");
    const response = await post(
      t,
      await kapsoRequest(tampered, { secret: kapso.secret, signedBody: raw, ...received }),
    );
    await expectRejected(response, "bad_signature");
  });

  test("a delivery without the signature header is refused", async () => {
    const response = await post(
      t,
      await kapsoRequest(body, { secret: kapso.secret, omitSignature: true, ...received }),
    );
    await expectRejected(response, "missing_signature");
  });

  test("a non-ASCII body is verified over its raw UTF-8 bytes", async () => {
    const raw = JSON.stringify(
      kapsoText({
        id: "wamid.UTF8",
        phoneNumberId: PNID,
        from: "15551234567",
        text: "¿Qué tal? 👋 مرحبا",
      }),
    );
    const response = await post(t, await kapsoRequest(raw, { secret: kapso.secret, ...received }));
    expect(response.status).toBe(200);
    expect((await allRows(t, "messages"))[0]!.content).toBe("¿Qué tal? 👋 مرحبا");
  });

  test("a body signed before JSON.stringify re-serialised it does not verify", async () => {
    const escaped = JSON.stringify(body).replace("Hello", "Ol\\u00e1");
    const reserialised = JSON.stringify(JSON.parse(escaped));
    expect(reserialised).not.toBe(escaped);
    const response = await post(
      t,
      await kapsoRequest(reserialised, { secret: kapso.secret, signedBody: escaped, ...received }),
    );
    await expectRejected(response, "bad_signature");
  });

  test("after a rotation both secrets verify until the old one's grace period ends", async () => {
    const old = kapso.secret;
    const rotated = await admin.mutation(api.whatsapp.connections.rotateSecret, {
      environment: "development",
      connectionId: kapso.connectionId,
      expirePrevious: true,
    });
    expect(rotated.activeSecrets).toBe(2);
    const fresh = await t.run(
      async (ctx) =>
        (await ctx.db.get("whatsappConnections", kapso.connectionId))!.webhookSecrets.at(-1)!
          .secret,
    );
    expect(fresh).not.toBe(old);
    const send = async (id: string, secret: string) =>
      (
        await post(
          t,
          await kapsoRequest(kapsoText({ id, phoneNumberId: PNID, from: "15551234567" }), {
            secret,
            ...received,
          }),
        )
      ).status;
    expect(await send("wamid.R1", old)).toBe(200);
    expect(await send("wamid.R2", fresh)).toBe(200);
    vi.advanceTimersByTime(SECRET_ROTATION_GRACE_MS + 1);
    expect(await send("wamid.R3", old)).toBe(401);
    expect(await send("wamid.R4", fresh)).toBe(200);
    expect(
      (await allRows(t, "messages")).map((m) => m.channelData.providerMessageId).sort(),
    ).toEqual(["wamid.R1", "wamid.R2", "wamid.R4"]);
  });

  test("a valid signature of another tenant's number writes nothing into this one", async () => {
    const b = await provisionTenant(t, "org_b");
    const other = await connectKapsoNumber(t, b.admin, "999000111");
    // Signed with org B's secret but naming org A's phone number id.
    const response = await post(t, await kapsoRequest(body, { secret: other.secret, ...received }));
    await expectRejected(response, "bad_signature");
  });
});

describe("POST /webhook/meta", () => {
  test("the reference vector verifies with the app secret of the Meta-direct number", async () => {
    await connectMetaNumber(admin, "106540352242922", "test_app_secret");
    const response = await post(
      t,
      await metaRequest(META_VECTOR_BODY, {
        secret: "test_app_secret",
        signature: `sha256=${META_VECTOR_SIG}`,
      }),
    );
    expect(response.status).toBe(200);
    const [message] = await allRows(t, "messages");
    expect(message!.content).toBe("¿Hola?");
    const [thread] = await allRows(t, "threads");
    expect(thread!.channelParams.contactName).toBe("José");
  });

  test("the re-serialised vector with the original signature is refused", async () => {
    await connectMetaNumber(admin, "106540352242922", "test_app_secret");
    const response = await post(
      t,
      await metaRequest(JSON.stringify(JSON.parse(META_VECTOR_BODY)), {
        secret: "test_app_secret",
        signature: `sha256=${META_VECTOR_SIG}`,
      }),
    );
    await expectRejected(response, "bad_signature");
  });

  test("GET answers the hub.challenge only for a known verify token", async () => {
    await connectMetaNumber(admin, "106540352242922", "test_app_secret");
    const ok = await t.fetch(
      "/webhook/meta?hub.mode=subscribe&hub.verify_token=verify_106540352242922&hub.challenge=1158201444",
    );
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe("1158201444");
    const bad = await t.fetch(
      "/webhook/meta?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1158201444",
    );
    expect(bad.status).toBe(403);
    expect(await bad.text()).not.toContain("1158201444");
  });
});

describe("POST /webhook/kapso/project", () => {
  test("whatsapp.phone_number.created connects the pending number of that customer", async () => {
    vi.stubEnv("KAPSO_PROJECT_WEBHOOK_SECRET", "project_secret");
    const pendingId = await admin.mutation(api.whatsapp.connections.setup, {
      environment: "development",
    });
    await t.run((ctx) =>
      ctx.db.patch("whatsappConnections", pendingId, { kapsoCustomerId: "cust_new" }),
    );
    const event = {
      phone_number_id: "555000111",
      project: { id: "proj_1" },
      customer: { id: "cust_new" },
    };
    const response = await post(
      t,
      await kapsoProjectRequest(event, {
        secret: "project_secret",
        headers: { "X-Webhook-Event": "whatsapp.phone_number.created" },
      }),
    );
    expect(response.status).toBe(200);
    const connection = await t.run((ctx) => ctx.db.get("whatsappConnections", pendingId));
    expect(connection!.status).toBe("connected");
    expect(connection!.providerPhoneNumberId).toBe("555000111");
  });

  test("whatsapp.phone_number.deleted (v1 body) disconnects the number", async () => {
    vi.stubEnv("KAPSO_PROJECT_WEBHOOK_SECRET", "project_secret");
    const event = {
      event: "whatsapp.phone_number.deleted",
      data: { phone_number_id: PNID, customer: { id: `cust_${PNID}` } },
    };
    const response = await post(t, await kapsoProjectRequest(event, { secret: "project_secret" }));
    expect(response.status).toBe(200);
    const connection = await t.run((ctx) => ctx.db.get("whatsappConnections", kapso.connectionId));
    expect(connection!.status).toBe("disconnected");
  });

  test("a project event signed with anything but the deployment secret is refused", async () => {
    vi.stubEnv("KAPSO_PROJECT_WEBHOOK_SECRET", "project_secret");
    const event = { event: "whatsapp.phone_number.deleted", data: { phone_number_id: PNID } };
    const response = await post(t, await kapsoProjectRequest(event, { secret: kapso.secret }));
    expect(response.status).toBe(401);
    const connection = await t.run((ctx) => ctx.db.get("whatsappConnections", kapso.connectionId));
    expect(connection!.status).toBe("connected");
  });
});
