/**
 * Per-tenant fairness of agent turns: a token bucket of turns and a budget of model
 * tokens per organization and environment, on the `rateLimiter` component. A turn over a limit
 * is delayed — its routing job is rescheduled for the reserved slot — never dropped, so one busy
 * tenant queues behind its own limit while every other tenant keeps its own full bucket.
 */
import { RateLimiter } from "@convex-dev/rate-limiter";
import { components } from "../_generated/api";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import type { Tenant } from "../lib/auth";
import { tenantLimits } from "../lib/config";

const rateLimiter = new RateLimiter(components.rateLimiter);

type TenantRef = Pick<Tenant, "organizationId" | "environment">;

const MINUTE = 60_000;

function key(tenant: TenantRef) {
  return `${tenant.organizationId}:${tenant.environment}`;
}

function turnConfig() {
  const limits = tenantLimits();
  return {
    kind: "token bucket" as const,
    rate: limits.turnsPerMinute,
    period: MINUTE,
    capacity: limits.turnBurst,
  };
}

function spendConfig() {
  const limits = tenantLimits();
  return {
    kind: "token bucket" as const,
    rate: limits.modelTokensPerMinute,
    period: MINUTE,
    capacity: limits.modelTokensPerMinute,
  };
}

/**
 * Takes one turn of the tenant's bucket. Returns 0 when the turn may start now; otherwise the
 * slot is reserved and the value is how long (ms) to wait before starting it.
 */
export async function reserveTurnSlot(ctx: MutationCtx, tenant: TenantRef): Promise<number> {
  const result = await rateLimiter.limit(ctx, "tenantTurns", {
    key: key(tenant),
    reserve: true,
    config: turnConfig(),
  });
  return Math.max(0, Math.ceil(result.retryAfter ?? 0));
}

/** 0 while the tenant has model budget left; otherwise ms until it has some again. */
export async function modelBudgetWait(ctx: QueryCtx, tenant: TenantRef): Promise<number> {
  const result = await rateLimiter.check(ctx, "tenantModelTokens", {
    key: key(tenant),
    config: spendConfig(),
  });
  return result.ok ? 0 : Math.max(1, Math.ceil(result.retryAfter ?? 0));
}

/** Charges the tokens a finished turn used (the budget may go negative: later turns wait). */
export async function chargeModelTokens(ctx: MutationCtx, tenant: TenantRef, tokens: number) {
  const config = spendConfig();
  const count = Math.min(Math.max(0, Math.round(tokens)), config.capacity);
  if (count === 0) return;
  await rateLimiter.limit(ctx, "tenantModelTokens", {
    key: key(tenant),
    count,
    reserve: true,
    config,
  });
}
