/**
 * The environment is part of every URL (`/development/inbox`, `/production/numbers/…`), so a
 * link always says which environment it is about and the switch keeps the page.
 */
import { useParams } from "react-router";
import type { Environment } from "../../../convex/lib/validators";

export const ENVIRONMENTS: readonly Environment[] = ["development", "production"];

export function isEnvironment(value: string | undefined): value is Environment {
  return value === "development" || value === "production";
}

/** The environment of the current route (routes without one are redirected before render). */
export function useEnvironment(): Environment {
  const { env } = useParams();
  return isEnvironment(env) ? env : "development";
}

/** The same page in another environment: `/development/agents/x` → `/production/agents`. */
export function switchEnvironmentPath(pathname: string, to: Environment): string {
  const [, , section] = pathname.split("/");
  return `/${to}/${section || "inbox"}`;
}
