/** Turns a Convex error into the message (and code) the backend meant for people. */
import { ConvexError } from "convex/values";

export function errorCode(error: unknown): string | undefined {
  if (error instanceof ConvexError) return (error.data as { code?: string }).code;
  return undefined;
}

export function errorMessage(error: unknown): string {
  if (error instanceof ConvexError) {
    const data = error.data as { code?: string; message?: string };
    return data.message ?? data.code ?? "Something went wrong.";
  }
  if (error instanceof Error) {
    // Errors thrown by functions arrive wrapped ("[CONVEX Q(...)] Server Error ..."); keep the gist.
    const match = /Uncaught (?:Convex)?Error: (.*)/.exec(error.message);
    return match?.[1] ?? error.message;
  }
  return String(error);
}
