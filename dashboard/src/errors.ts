/** Turns a Convex error into the message the backend meant for people. */
import { ConvexError } from "convex/values";

export function errorMessage(error: unknown): string {
  if (error instanceof ConvexError) {
    const data = error.data as { code?: string; message?: string };
    return data.message ?? data.code ?? "Something went wrong.";
  }
  return error instanceof Error ? error.message : String(error);
}
