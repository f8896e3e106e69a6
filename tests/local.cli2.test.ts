// @vitest-environment node
/**
 * The CLI's operator settings: business profile, handoff settings and signals, an agent's other
 * recipients and handoff agents, bad-signature counts, and voice-note transcripts in `messages
 * list`. Each command is checked against a recording fake (the calls built from its flags) and,
 * at the end, against the local runtime with the real app.
 */
import { ConvexHttpClient } from "convex/browser";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { cli, fakeCaller } from "./fixtures/cli";
import { httpCaller, type Caller } from "../scripts/cli/commands";
import { DEMO_CLAIMS, loadIssuer } from "../scripts/local/auth";
import { createEngine, type Engine } from "../scripts/local/engine";
import { startServer, type LocalServer } from "../scripts/local/server";
import { kapsoInboundBody, postInbound } from "../scripts/simulate";
import { makeFunctionReference } from "convex/server";

const env = { environment: "development" };

describe("business show and business set", () => {
  test("business show without a profile says there is none", async () => {
    const { caller, calls } = fakeCaller({ "business/profile:get": null });
    const out = await cli(["business", "show"], caller);
    expect(calls).toEqual([{ kind: "query", path: "business/profile:get", args: env }]);
    expect(out.text).toContain("No business profile yet");
  });

  test("business set sends only the fields given, an empty one to clear it", async () => {
    const profile = { name: "Casa Pepe", hours: "9-18", updatedAt: 1, updatedBy: "u" };
    const { caller, mutations } = fakeCaller({
      "business/profile:update": null,
      "business/profile:get": profile,
    });
    const argv = ["business", "set", "--name", "Casa Pepe", "--address", "", "--json"];
    const out = await cli(argv, caller);
    expect(mutations()).toEqual([
      {
        kind: "mutation",
        path: "business/profile:update",
        args: { ...env, name: "Casa Pepe", address: "" },
      },
    ]);
    expect(out.json).toEqual({
      ok: true,
      command: "business set",
      data: { changed: ["name", "address"], profile },
    });
  });

  test("business set without an option is a usage error and calls nothing", async () => {
    const { caller, calls } = fakeCaller({});
    const out = await cli(["business", "set", "--json"], caller);
    expect(out.code).toBe(2);
    expect(out.json).toMatchObject({ ok: false, error: { code: "USAGE" } });
    expect(calls).toEqual([]);
  });
});

const frustration = {
  enabled: false,
  keywords: [],
  profanityLanguages: ["en", "es", "pt"],
  allCaps: true,
  punctuation: true,
};
const contact = {
  phoneNumber: "+15550001111",
  name: "Ana",
  template: { name: "handoff_alert", language: "en_US" },
};

describe("handoff signals and signals-set", () => {
  test("on|off options and word lists become the frustration change alone", async () => {
    const { caller, mutations } = fakeCaller({
      "inbox/handoffSignals:update": null,
      "inbox/handoffSignals:get": { frustration },
    });
    const argv = ["handoff", "signals-set", "--frustration", "on", "--all-caps", "off"];
    const out = await cli(
      [...argv, "--frustration-words", "awful, useless", "--profanity", ""],
      caller,
    );
    expect(out.code).toBe(0);
    expect(mutations()[0]!.args).toEqual({
      ...env,
      frustration: {
        enabled: true,
        allCaps: false,
        keywords: ["awful", "useless"],
        profanityLanguages: [],
      },
    });
  });

  test("a language without a profanity list is a usage error", async () => {
    const { caller, calls } = fakeCaller({});
    const out = await cli(["handoff", "signals-set", "--profanity", "en,fr", "--json"], caller);
    expect(out.code).toBe(2);
    expect(out.json).toMatchObject({
      error: { code: "USAGE", message: expect.stringContaining("fr") },
    });
    expect(calls).toEqual([]);
  });

  test("an escalation option changes the stored contact and keeps its other fields", async () => {
    const { caller, mutations } = fakeCaller({
      "inbox/handoffSignals:update": null,
      "inbox/handoffSignals:get": { frustration, escalationContact: contact },
    });
    await cli(["handoff", "signals-set", "--escalation-name", "Bea"], caller);
    expect(mutations()[0]!.args).toEqual({
      ...env,
      escalationContact: { ...contact, name: "Bea" },
    });
  });

  test("a new escalation template without a language is a usage error before any change", async () => {
    const { caller, mutations } = fakeCaller({ "inbox/handoffSignals:get": { frustration } });
    const argv = ["handoff", "signals-set", "--escalation-phone", "+15550001111"];
    const out = await cli([...argv, "--escalation-template", "alert", "--json"], caller);
    expect(out.code).toBe(2);
    expect(out.json).toMatchObject({
      error: { code: "USAGE", message: expect.stringContaining("--escalation-template-language") },
    });
    expect(mutations()).toEqual([]);
  });

  test("--no-escalation removes the contact, and cannot be combined with a new one", async () => {
    const { caller, mutations } = fakeCaller({
      "inbox/handoffSignals:update": null,
      "inbox/handoffSignals:get": { frustration },
    });
    await cli(["handoff", "signals-set", "--no-escalation"], caller);
    const both = ["handoff", "signals-set", "--no-escalation", "--escalation-phone", "+1555"];
    const out = await cli(both, caller);
    expect(mutations().map((c) => c.args)).toEqual([{ ...env, escalationContact: null }]);
    expect(out.code).toBe(2);
  });

  test("handoff signals prints the contact and its template", async () => {
    const { caller } = fakeCaller({
      "inbox/handoffSignals:get": { frustration, escalationContact: contact },
    });
    const out = await cli(["handoff", "signals"], caller);
    expect(out.text).toContain("Frustration signal: off");
    expect(out.text).toContain("Escalation contact: +15550001111 (Ana)");
    expect(out.text).toContain("template: handoff_alert (en_US)");
  });
});

const settings = {
  escalationKeywords: ["agent"],
  maxConsecutiveFallbacks: 2,
  slackConfigured: false,
};

describe("handoff settings and settings-set", () => {
  test("settings-set turns its options into updateSettings' fields", async () => {
    const { caller, mutations } = fakeCaller({
      "inbox/handoff:updateSettings": null,
      "inbox/handoff:getSettings": settings,
    });
    const argv = ["handoff", "settings-set", "--keywords", "agent,human", "--ack", "One moment"];
    const rest = [
      "--auto-release-minutes",
      "off",
      "--max-fallbacks",
      "3",
      "--slack-webhook",
      "off",
    ];
    const hook = ["--http-hook", "https://example.com/h", "--http-hook-secret", "s3"];
    const out = await cli([...argv, ...rest, ...hook, "--json"], caller);
    expect(mutations()[0]!.args).toEqual({
      ...env,
      escalationKeywords: ["agent", "human"],
      escalationAcknowledgement: "One moment",
      autoReleaseMinutes: null,
      maxConsecutiveFallbacks: 3,
      slackWebhookUrl: null,
      httpHook: { url: "https://example.com/h", secret: "s3" },
    });
    expect(out.json).toMatchObject({ ok: true, data: { settings } });
  });

  test("a hook URL without its secret, or a non-numeric minute count, is a usage error", async () => {
    const { caller, calls } = fakeCaller({});
    const hook = await cli(["handoff", "settings-set", "--crm-hook", "https://x.test"], caller);
    const minutes = await cli(
      ["handoff", "settings-set", "--auto-release-minutes", "soon"],
      caller,
    );
    expect([hook.code, minutes.code]).toEqual([2, 2]);
    expect(hook.text).toContain("--crm-hook-secret");
    expect(calls).toEqual([]);
  });

  test("handoff settings prints auto-release as off when it is not set", async () => {
    const out = await cli(
      ["handoff", "settings"],
      fakeCaller({ "inbox/handoff:getSettings": settings }).caller,
    );
    expect(out.text).toContain("Escalation keywords: agent");
    expect(out.text).toContain("Auto-release: off");
  });
});

const handoff = { fallbackReply: "Sorry", handoffOnFailure: true };
const agents = [
  { _id: "a1", slug: "support", handoff, allowedRecipients: ["+15550002222"] },
  { _id: "a2", slug: "sales", handoff },
  { _id: "a3", slug: "billing", handoff },
];

describe("agents recipients and the handoff options of agents update", () => {
  test("agents recipients without --set shows the stored list and changes nothing", async () => {
    const { caller, mutations } = fakeCaller({ "agents/definitions:getBySlug": agents[0] });
    const out = await cli(["agents", "recipients", "support", "--json"], caller);
    expect(mutations()).toEqual([]);
    expect(out.json).toEqual({
      ok: true,
      command: "agents recipients",
      data: { agentId: "a1", slug: "support", allowedRecipients: ["+15550002222"], changed: false },
    });
  });

  test("agents recipients --set replaces the list with the numbers given", async () => {
    const { caller, mutations } = fakeCaller({
      "agents/definitions:getBySlug": agents[1],
      "agents/recipients:setAllowed": ["+15550003333", "+15550004444"],
    });
    const argv = ["agents", "recipients", "sales", "--set", "+1 555 000 3333,+15550004444"];
    const out = await cli(argv, caller);
    expect(mutations()).toEqual([
      {
        kind: "mutation",
        path: "agents/recipients:setAllowed",
        args: { ...env, agentId: "a2", phoneNumbers: ["+1 555 000 3333", "+15550004444"] },
      },
    ]);
    expect(out.text).toBe('Agent "sales" may also message: +15550003333, +15550004444.');
  });

  test("--handoff-agents names agents by slug and --max-unresolved-turns joins the policy", async () => {
    const { caller, mutations } = fakeCaller({
      "agents/definitions:getBySlug": agents[0],
      "agents/definitions:list": agents,
      "agents/definitions:update": null,
    });
    const argv = ["agents", "update", "support", "--handoff-agents", "sales,billing"];
    await cli([...argv, "--max-unresolved-turns", "2"], caller);
    expect(mutations()[0]!.args).toEqual({
      ...env,
      agentId: "a1",
      handoff: { ...handoff, maxUnresolvedTurns: 2 },
      handoffAgentIds: ["a2", "a3"],
    });
  });

  test("changing the fallback reply keeps the stored unresolved-turns limit; off removes it", async () => {
    const stored = { ...agents[0], handoff: { ...handoff, maxUnresolvedTurns: 3 } };
    const { caller, mutations } = fakeCaller({
      "agents/definitions:getBySlug": stored,
      "agents/definitions:update": null,
    });
    await cli(["agents", "update", "support", "--fallback-reply", "One moment"], caller);
    await cli(["agents", "update", "support", "--max-unresolved-turns", "off"], caller);
    expect(mutations().map((c) => c.args.handoff)).toEqual([
      { fallbackReply: "One moment", handoffOnFailure: true, maxUnresolvedTurns: 3 },
      handoff,
    ]);
  });

  test("an unknown handoff agent slug fails with NOT_FOUND before any change", async () => {
    const { caller, mutations } = fakeCaller({
      "agents/definitions:getBySlug": agents[0],
      "agents/definitions:list": agents,
    });
    const out = await cli(["agents", "update", "support", "--handoff-agents", "nobody"], caller);
    expect(out.code).toBe(1);
    expect(mutations()).toEqual([]);
  });
});

const status = {
  enabled: true,
  integrationStatus: "active",
  connections: [
    { _id: "c1", label: "Main", status: "connected", provider: "kapso", phoneNumber: "+1555" },
  ],
};

describe("deliveries signature-failures", () => {
  test("bad-signature counts are shown with each connection's number", async () => {
    const failure = { connectionId: "c1", badSignatures: 4, lastBadSignatureAt: 86_400_000 };
    const { caller } = fakeCaller({
      "whatsapp/deliveries:signatureFailures": [failure],
      "whatsapp/connections:getStatus": status,
    });
    const out = await cli(["deliveries", "signature-failures", "--json"], caller);
    const human = await cli(["deliveries", "signature-failures"], caller);
    expect(out.json).toMatchObject({
      ok: true,
      data: [{ ...failure, phoneNumber: "+1555", label: "Main" }],
    });
    expect(human.text).toMatch(/c1\s+Main\s+\+1555\s+4\s+1970-01-02T00:00:00\.000Z/);
  });

  test("no bad signatures reads nothing else and says so", async () => {
    const { caller, calls } = fakeCaller({ "whatsapp/deliveries:signatureFailures": [] });
    const out = await cli(["deliveries", "signature-failures"], caller);
    expect(calls).toHaveLength(1);
    expect(out.text).toBe("No bad signatures in this environment.");
  });
});

const voiceNote = (transcript: Record<string, unknown>, content: string) => ({
  _id: "m1",
  createdAt: 0,
  role: "user",
  content,
  channelData: {
    channel: "whatsapp",
    direction: "inbound",
    type: "audio",
    status: "received",
    statusTimestamps: {},
    transcript: { requestedAt: 0, ...transcript },
  },
});

describe("messages list shows a voice note's transcript under it", () => {
  const listed = async (message: unknown) =>
    (
      await cli(
        ["messages", "list", "--thread", "t1"],
        fakeCaller({ "inbox/threads:messages": { page: [message], isDone: true } }).caller,
      )
    ).text.split("\n");

  test("a completed transcript is printed on the line under the voice note, with its source", async () => {
    const lines = await listed(
      voiceNote({ status: "completed", source: "provider", text: "Where is it?" }, "Where is it?"),
    );
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/user\s+\[Voice message\]$/);
    expect(lines[1]!.trim()).toBe("transcript (provider): Where is it?");
    expect(lines[1]!.indexOf("transcript")).toBe(lines[0]!.indexOf("[Voice"));
  });

  test("a pending or failed transcript says so", async () => {
    const pending = await listed(voiceNote({ status: "pending" }, "[Voice message: pending]"));
    const failed = await listed(voiceNote({ status: "failed", error: "too large" }, "x"));
    expect(pending[1]!.trim()).toBe("transcript: pending");
    expect(failed[1]!.trim()).toBe("transcript failed: too large");
  });
});

describe("the new commands against the local runtime with the real app", () => {
  const demo = {
    phoneNumber: "+15550100100",
    providerPhoneNumberId: "PNID_CLI2_TEST",
    webhookSecret: "cli2-test-secret",
  };
  let engine: Engine;
  let server: LocalServer;
  let caller: Caller;
  const data = async <T>(argv: string[]) => {
    const out = await cli([...argv, "--json"], caller);
    expect(out.json).toMatchObject({ ok: true });
    return (out.json as { data: T }).data;
  };

  beforeAll(async () => {
    // Nothing may leave the machine: the provider and model hosts point at a closed port.
    process.env.KAPSO_API_BASE_URL = "http://127.0.0.1:9";
    process.env.OPENAI_BASE_URL = "http://127.0.0.1:9/v1";
    engine = await createEngine({ root: path.join(import.meta.dirname, ".."), statePath: null });
    const issuer = await loadIssuer(null);
    server = await startServer({ engine, issuer, port: 0, sitePort: 0 });
    await engine.t.mutation(makeFunctionReference<"mutation">("demo:seed"), {
      clerkOrgId: DEMO_CLAIMS.org_id,
      orgName: DEMO_CLAIMS.org_name,
      userId: DEMO_CLAIMS.subject,
      ...demo,
    });
    const client = new ConvexHttpClient(server.url);
    client.setAuth(await issuer.sign(DEMO_CLAIMS));
    caller = httpCaller(client);
  });

  afterAll(async () => {
    await server.close();
    await engine.close();
  });

  test("business set stores the profile that business show reads back", async () => {
    await data(["business", "set", "--name", "Casa Pepe", "--hours", "Mon-Fri 9-18"]);
    await data(["business", "set", "--hours", ""]);
    expect(await data(["business", "show"])).toMatchObject({ name: "Casa Pepe" });
    expect(await data(["business", "show"])).not.toHaveProperty("hours");
  });

  test("handoff signals-set and settings-set are stored and read back", async () => {
    const argv = ["handoff", "signals-set", "--frustration", "on", "--escalation-phone"];
    await data([...argv, "+1 555 000 7777", "--escalation-name", "Ana"]);
    expect(await data(["handoff", "signals"])).toMatchObject({
      frustration: { enabled: true },
      escalationContact: { phoneNumber: "+15550007777", name: "Ana" },
    });
    await data(["handoff", "settings-set", "--keywords", "human", "--auto-release-minutes", "30"]);
    expect(await data(["handoff", "settings"])).toMatchObject({
      escalationKeywords: ["human"],
      autoReleaseMinutes: 30,
    });
  });

  test("agents recipients --set and agents update --handoff-agents change the stored agent", async () => {
    const set = await data<{ allowedRecipients: string[] }>([
      "agents",
      "recipients",
      "support",
      "--set",
      "+1 555 000 8888",
    ]);
    expect(set.allowedRecipients).toEqual(["+15550008888"]);
    const argv = ["agents", "update", "support", "--handoff-agents", "sales"];
    await data([...argv, "--max-unresolved-turns", "2"]);
    const agents = await data<{ _id: string; slug: string }[]>(["agents", "list"]);
    expect(agents.find((a) => a.slug === "support")).toMatchObject({
      allowedRecipients: ["+15550008888"],
      handoffAgentIds: [agents.find((a) => a.slug === "sales")!._id],
      handoff: { maxUnresolvedTurns: 2 },
    });
  });

  test("a delivery signed with a wrong secret is counted for the number it named", async () => {
    const body = kapsoInboundBody({
      from: "+15551234567",
      name: "Sam",
      text: "hi",
      phoneNumberId: demo.providerPhoneNumberId,
    });
    const response = await postInbound(server.siteUrl, "not-the-secret", body);
    expect(response.status).toBe(401);
    const failures = await data<unknown[]>(["deliveries", "signature-failures"]);
    expect(failures).toEqual([
      expect.objectContaining({ badSignatures: 1, phoneNumber: demo.phoneNumber }),
    ]);
  });

  test("a Kapso voice note with its transcript is listed with the transcript under it", async () => {
    const text = kapsoInboundBody({
      from: "+15559876543",
      name: "Lu",
      text: "unused",
      phoneNumberId: demo.providerPhoneNumberId,
    });
    const body = JSON.parse(text) as { message: Record<string, unknown> };
    body.message = {
      ...body.message,
      type: "audio",
      text: undefined,
      audio: { id: "55501", voice: true },
      kapso: { direction: "inbound", transcript: { text: "Can I change my address?" } },
    };
    const response = await postInbound(server.siteUrl, demo.webhookSecret, JSON.stringify(body));
    expect(response.status).toBe(200);
    const threads = await data<{ _id: string; channelParams: { phoneNumber?: string } }[]>([
      "threads",
      "list",
    ]);
    const thread = threads.find((t) => t.channelParams.phoneNumber === "+15559876543")!;
    const out = await cli(["messages", "list", "--thread", thread._id], caller);
    expect(out.text.split("\n").slice(0, 2)).toEqual([
      expect.stringMatching(/user\s+\[Voice message\]$/),
      expect.stringMatching(/^\s+transcript \(provider\): Can I change my address\?$/),
    ]);
  });
});
