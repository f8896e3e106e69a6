/**
 * Expected failures: every one is a `ConvexError` whose data carries a stable `code` the
 * dashboard, the CLI and tests branch on, plus a human-readable message. Invariant
 * violations (bugs) stay plain `Error`s.
 */
import { ConvexError } from "convex/values";

export type ErrorCode =
  | "UNAUTHENTICATED"
  | "NO_ORGANIZATION"
  | "ORGANIZATION_NOT_PROVISIONED"
  | "FORBIDDEN"
  | "NOT_FOUND"
  | "INVALID_ARGUMENT"
  | "SLUG_TAKEN"
  | "AGENT_AND_ROUTER_EXCLUSIVE"
  | "ROUTER_FALLBACK_REQUIRED"
  | "IN_USE"
  | "RATE_LIMITED"
  | "WHATSAPP_NOT_ENABLED"
  | "CONNECTION_NOT_READY"
  // Outbound
  | "OUTSIDE_CUSTOMER_SERVICE_WINDOW"
  | "TEMPLATE_NOT_FOUND"
  | "TEMPLATE_NOT_APPROVED"
  | "TEMPLATE_PARAMETERS_INVALID"
  | "TEMPLATE_INVALID"
  | "MESSAGE_INVALID"
  | "PROVIDER_ERROR"
  | "PHONE_NUMBER_TAKEN";

export type AppErrorData = { code: ErrorCode; message: string };

export function appError(code: ErrorCode, message: string): ConvexError<AppErrorData> {
  return new ConvexError({ code, message });
}

export function isAppError(error: unknown, code?: ErrorCode): error is ConvexError<AppErrorData> {
  if (!(error instanceof ConvexError)) return false;
  const data = error.data as Partial<AppErrorData> | undefined;
  return typeof data?.code === "string" && (code === undefined || data.code === code);
}
