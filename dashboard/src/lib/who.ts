/** Who is signed in (organization and role), for the header and for admin-only controls. */
import { createContext, useContext } from "react";
import type { FunctionReturnType } from "convex/server";
import type { api } from "../../../convex/_generated/api";

export type Who = FunctionReturnType<typeof api.organizations.ensure>;

export const WhoContext = createContext<Who | null>(null);

export function useWho(): Who {
  const who = useContext(WhoContext);
  if (who === null) throw new Error("useWho outside the signed-in app");
  return who;
}

/** Admin-only controls are shown disabled, with this reason, to members. */
export function useIsAdmin(): boolean {
  return useWho().role === "admin";
}
