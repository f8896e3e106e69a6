/**
 * Per-tenant fairness of agent turns: a token bucket of turns and a budget of model
 * tokens per organization and environment, on the `rateLimiter` component. A turn over a limit
 * is delayed — its routing job is rescheduled for the reserved slot — never dropped, so one busy
 * tenant queues behind its own limit while every other tenant keeps its own full bucket.
 * Settings shows each limit with the tenant's current use (`usage`, read without consuming).
 */
import { RateLimiter } from "@convex-dev/rate-limiter";
import { v, type Infer } from "convex/values";
import { components } from "../_generated/api";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import { orgQuery, type Tenant } from "../lib/auth";
import { tenantLimits } from "../lib/config";

const rateLimiter = new RateLimiter(components.rateLimiter);

type TenantRef = Pick<Tenant, "organizationId" | "environment">;

const MINUTE = 60_000;

function key(tenant: TenantRef) {
  return `${tenant.organizationId}:${tenant.environment}`;
}

type BucketConfig = { kind: "token bucket"; rate: number; period: number; capacity: number };

function turnConfig(): BucketConfig {
  const limits = tenantLimits();
  return {
    kind: "token bucket" as const,
    rate: limits.turnsPerMinute,
    period: MINUTE,
    capacity: limits.turnBurst,
  };
}

function spendConfig(): BucketConfig {
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

export const vLimitUsage = v.object({
  /** `turns` or `modelTokens`. */
  limit: v.union(v.literal("turns"), v.literal("modelTokens")),
  label: v.string(),
  unit: v.string(),
  /** The bucket's size: what may be used at once. */
  capacity: v.number(),
  /** What comes back per minute as the bucket refills. */
  refillPerMinute: v.number(),
  /** Used now: capacity minus what is left (above capacity when turns wait or are over budget). */
  used: v.number(),
  /** When `used` was measured (ms); the bucket refills from there at `refillPerMinute`. */
  measuredAt: v.number(),
  /** What happens to a turn once the limit is reached. */
  whenReached: v.string(),
});
export type LimitUsage = Infer<typeof vLimitUsage>;

/** What is used of a token bucket at `now`, from its stored level (nothing stored: unused). */
export function bucketUsed(
  state: { value: number; ts: number },
  config: { rate: number; period: number; capacity: number },
  now: number,
): number {
  const refilled = state.value + (Math.max(0, now - state.ts) * config.rate) / config.period;
  return config.capacity - Math.min(refilled, config.capacity);
}

/** Each tenant limit with what the tenant uses of it now, read without consuming anything. */
export async function limitUsage(ctx: QueryCtx, tenant: TenantRef, now: number) {
  const measure = async (name: "tenantTurns" | "tenantModelTokens", config: BucketConfig) => {
    const state = await rateLimiter.getValue(ctx, name, { key: key(tenant), config });
    return bucketUsed(state, config, now);
  };
  const turns = turnConfig();
  const tokens = spendConfig();
  const usage: LimitUsage[] = [
    {
      limit: "turns",
      label: "Agent turns",
      unit: "turns",
      capacity: turns.capacity,
      refillPerMinute: turns.rate,
      used: await measure("tenantTurns", turns),
      measuredAt: now,
      whenReached:
        "New turns are delayed, not dropped: each waits for the next free slot, while other organizations keep their own limit.",
    },
    {
      limit: "modelTokens",
      label: "Model tokens",
      unit: "tokens",
      capacity: tokens.capacity,
      refillPerMinute: tokens.rate,
      used: await measure("tenantModelTokens", tokens),
      measuredAt: now,
      whenReached:
        "New turns wait until the budget has refilled; a turn already running finishes and its tokens are charged.",
    },
  ];
  return usage;
}

/** Settings → Limits: the tenant's limits and their current use. */
export const usage = orgQuery({
  args: {},
  returns: v.array(vLimitUsage),
  handler: async (ctx) => await limitUsage(ctx, ctx.tenant, Date.now()),
});
