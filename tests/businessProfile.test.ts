/**
 * The tenant's business profile: edited by admins, kept per tenant and environment, and rendered
 * in the agent's prompt as `{{business.context}}` (or its own section when the template does not
 * place it), with the business language as the agent's default.
 */
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { api } from "../convex/_generated/api";
import type { StandInModel } from "../scripts/standInModel";
import { useStandInModel } from "./fixtures/agents";
import { expectCode } from "./fixtures/errors";
import { customerWrites, numberWithAgent, routeNow } from "./fixtures/metaInbound";
import { identity, newTest, provisionTenant, type TestConvex } from "./setup";

const env = { environment: "development" as const };
const CUSTOMER = "15557771234";

const PROFILE = {
  name: "Sorriso Dental",
  hours: "Mon–Fri 8:00–18:00, Sat 8:00–12:00",
  address: "Rua Augusta 100, São Paulo",
  policies: "Cancellations up to 24 h before the appointment are free.",
  language: "Portuguese (Brazil)",
};

let t: TestConvex;
let model: StandInModel;
let a: Awaited<ReturnType<typeof provisionTenant>>;

beforeEach(async () => {
  vi.useFakeTimers();
  vi.setSystemTime(new Date("2026-05-14T10:00:00Z"));
  model = useStandInModel();
  t = newTest();
  a = await provisionTenant(t, "org_a");
});

afterEach(() => {
  vi.unstubAllGlobals();
  vi.unstubAllEnvs();
  vi.useRealTimers();
});

/** A number whose agent uses `systemPrompt`; the customer writes and the turn runs. */
async function promptWith(systemPrompt: string, language?: string) {
  const number = await numberWithAgent(a.admin, {
    phoneNumberId: "PNID_SUPPORT",
    label: "Support line",
    phoneNumber: "+15550002222",
    agent: { name: "Receptionist", slug: "reception", systemPrompt },
  });
  if (language !== undefined) {
    await a.admin.mutation(api.agents.definitions.update, {
      ...env,
      agentId: number.agentId,
      language,
    });
  }
  const thread = await customerWrites(t, number, CUSTOMER, "Are you open on Saturday?");
  await routeNow(t, thread._id);
  return model.systemPrompt();
}

describe("business profile", () => {
  test("a prompt renders the tenant's business context", async () => {
    await a.admin.mutation(api.business.profile.update, { ...env, ...PROFILE });
    const system = await promptWith(
      "You are the receptionist of {{business.name}}.\n{{business.context}}",
    );
    expect(system).toContain(
      [
        "You are the receptionist of Sorriso Dental.",
        "Name: Sorriso Dental",
        "Opening hours: Mon–Fri 8:00–18:00, Sat 8:00–12:00",
        "Address: Rua Augusta 100, São Paulo",
        "Policies:",
        "Cancellations up to 24 h before the appointment are free.",
        "Language: Portuguese (Brazil)",
      ].join("\n"),
    );
    expect(system).not.toContain("## About the business");
    expect(system).toContain("Answer in Portuguese (Brazil).");
  });

  test("a template that does not place it still gets the profile, and the agent's language wins", async () => {
    await a.admin.mutation(api.business.profile.update, { ...env, ...PROFILE });
    const system = await promptWith("You are the receptionist. Hours: {{business.hours}}", "en");
    expect(system).toContain("You are the receptionist. Hours: Mon–Fri 8:00–18:00");
    expect(system).toContain("## About the business\nName: Sorriso Dental");
    expect(system).toContain("Answer in en.");
  });

  test("without a profile the context is visibly missing and the name is the organization's", async () => {
    const system = await promptWith("{{business.name}} | {{business.context}}");
    expect(system).toContain("Org org_a | [missing: business.context]");
  });

  test("admins edit it field by field; null clears a field; members read it", async () => {
    await a.admin.mutation(api.business.profile.update, { ...env, ...PROFILE });
    await a.admin.mutation(api.business.profile.update, {
      ...env,
      hours: "Closed for holidays",
      policies: null,
    });
    const member = t.withIdentity(identity("org_a", "member", "user_2"));
    const profile = await member.query(api.business.profile.get, env);
    expect(profile).toMatchObject({
      name: PROFILE.name,
      hours: "Closed for holidays",
      address: PROFILE.address,
      language: PROFILE.language,
      updatedBy: "user_1_org_a",
    });
    expect(profile!.policies).toBeUndefined();
    await expectCode(
      member.mutation(api.business.profile.update, { ...env, name: "Hijacked" }),
      "FORBIDDEN",
    );
    await expectCode(
      a.admin.mutation(api.business.profile.update, { ...env, policies: "x".repeat(4_001) }),
      "INVALID_ARGUMENT",
    );
  });

  test("another tenant's profile never reaches this tenant's prompt", async () => {
    const b = await provisionTenant(t, "org_b");
    await b.admin.mutation(api.business.profile.update, { ...env, name: "Other Clinic" });
    expect(await a.admin.query(api.business.profile.get, env)).toBeNull();
    const system = await promptWith("{{business.name}}");
    expect(system).not.toContain("Other Clinic");
  });
});
