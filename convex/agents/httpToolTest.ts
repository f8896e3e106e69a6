/**
 * The agent editor's "Test call" of a saved custom HTTP tool: sample arguments, checked against
 * the tool's schema, are sent exactly as a turn sends them (httpTools.ts: same URL building,
 * protected query parameters, stored secret headers, `safeFetch` limits) for a sample customer.
 * The admin sees the status, the time taken, the content type and the start of the body, with
 * any secret header value redacted; the header values themselves never leave the backend.
 */
import { v, type Infer } from "convex/values";
import { internal } from "../_generated/api";
import { internalQuery } from "../_generated/server";
import { getOwned, orgAdminAction } from "../lib/auth";
import { appError } from "../lib/errors";
import { BlockedUrlError } from "../lib/ssrf";
import { vEnvironment, vHttpTool, type HttpTool } from "../lib/validators";
import {
  checkHttpToolArguments,
  failureMessage,
  redactSecrets,
  sendHttpToolCall,
} from "./httpTools";

/** The body shown to the admin is cut after this many characters. */
export const TEST_CALL_BODY_CHARS = 4_096;

/** The thread context a test call carries: a sample customer, as in the prompt preview. */
export const TEST_CALL_CUSTOMER = { phoneNumber: "+15550109999", contactName: "Alex Sample" };

export const vTestCallResult = v.object({
  /** The tool answered with a 2xx status. */
  ok: v.boolean(),
  status: v.union(v.number(), v.null()),
  durationMs: v.number(),
  contentType: v.union(v.string(), v.null()),
  /** The start of the response body, secret header values redacted. */
  body: v.string(),
  /** The body was longer than what is shown. */
  truncated: v.boolean(),
  /** The response exceeded the tool's own size limit: a turn would report an error. */
  overLimit: v.boolean(),
  /** Why no answer came (time limit, network); absent when the tool answered. */
  error: v.optional(v.string()),
  /** Arguments a GET call left out (they would replace the URL's own or the context's). */
  ignoredArguments: v.array(v.string()),
});
export type TestCallResult = Infer<typeof vTestCallResult>;

/** The saved tool (secrets included, for the call only), or NOT_FOUND when it is not saved. */
export const savedTool = internalQuery({
  args: {
    organizationId: v.id("organizations"),
    environment: vEnvironment,
    agentId: v.id("agents"),
    toolName: v.string(),
  },
  returns: vHttpTool,
  handler: async (ctx, { agentId, toolName, ...tenant }) => {
    const agent = await getOwned(ctx, { ...tenant, role: "admin", userId: "" }, "agents", agentId);
    const tool = agent.httpTools?.find((t) => t.name === toolName);
    if (tool === undefined) {
      throw appError(
        "NOT_FOUND",
        `This agent has no saved HTTP tool "${toolName}": save the agent, then test the tool.`,
      );
    }
    return tool;
  },
});

/** Sample arguments as typed by the admin: a JSON object checked against the tool's schema. */
export function sampleArguments(tool: HttpTool, text: string): Record<string, unknown> {
  let raw: unknown;
  try {
    raw = JSON.parse(text.trim() === "" ? "{}" : text) as unknown;
  } catch {
    throw appError("INVALID_ARGUMENT", "The sample arguments are not valid JSON.");
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw appError("INVALID_ARGUMENT", "The sample arguments must be a JSON object.");
  }
  const checked = checkHttpToolArguments(tool, raw);
  if (!checked.ok) {
    throw appError(
      "INVALID_ARGUMENT",
      `The sample arguments do not match the tool's parameters: ${checked.problems}`,
    );
  }
  return checked.args;
}

/** Calls the tool once and reports what came back; a refused address is an INVALID_ARGUMENT. */
export async function runTestCall(
  tool: HttpTool,
  args: Record<string, unknown>,
  doFetch: typeof fetch,
  now: () => number = Date.now,
): Promise<TestCallResult> {
  const started = now();
  try {
    const { response, ignored } = await sendHttpToolCall(tool, args, TEST_CALL_CUSTOMER, doFetch);
    const body = redactSecrets(tool, response.text);
    return {
      ok: response.ok && !response.bodyTooLarge,
      status: response.status,
      durationMs: Math.max(0, now() - started),
      contentType: response.headers.get("content-type"),
      body: body.slice(0, TEST_CALL_BODY_CHARS),
      truncated: body.length > TEST_CALL_BODY_CHARS || response.bodyTooLarge,
      overLimit: response.bodyTooLarge,
      ignoredArguments: ignored,
    };
  } catch (error) {
    if (error instanceof BlockedUrlError) {
      throw appError("INVALID_ARGUMENT", failureMessage(tool, error));
    }
    return {
      ok: false,
      status: null,
      durationMs: Math.max(0, now() - started),
      contentType: null,
      body: "",
      truncated: false,
      overLimit: false,
      error: failureMessage(tool, error),
      ignoredArguments: [],
    };
  }
}

/** "Test call" in the agent editor: admins only, saved tools only. */
export const testCall = orgAdminAction({
  args: { agentId: v.id("agents"), toolName: v.string(), arguments: v.string() },
  returns: vTestCallResult,
  handler: async (ctx, { agentId, toolName, arguments: text }): Promise<TestCallResult> => {
    const tool: HttpTool = await ctx.runQuery(internal.agents.httpToolTest.savedTool, {
      organizationId: ctx.tenant.organizationId,
      environment: ctx.tenant.environment,
      agentId,
      toolName,
    });
    const args = sampleArguments(tool, text);
    return await runTestCall(tool, args, (input, init) => fetch(input, init));
  },
});
