/**
 * Dashboard entry: connects to the Convex deployment named by VITE_CONVEX_URL. In production it
 * signs in with Clerk (JWT template `convex`, organizations on); offline (`npm run local` sets
 * VITE_SWITCHBOARD_LOCAL_AUTH) it uses the local runtime's issuer as the demo org's admin.
 */
import { ClerkProvider, OrganizationSwitcher, SignIn, useAuth } from "@clerk/clerk-react";
import {
  Authenticated,
  AuthLoading,
  ConvexProviderWithAuth,
  ConvexReactClient,
  Unauthenticated,
} from "convex/react";
import { ConvexProviderWithClerk } from "convex/react-clerk";
import { StrictMode, useCallback, useMemo, type ReactNode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";

const convexUrl = import.meta.env.VITE_CONVEX_URL as string | undefined;
const clerkKey = import.meta.env.VITE_CLERK_PUBLISHABLE_KEY as string | undefined;
const localAuthUrl = import.meta.env.VITE_SWITCHBOARD_LOCAL_AUTH as string | undefined;
/** One client for the page's lifetime (it holds the WebSocket and the query cache). */
const convex = convexUrl ? new ConvexReactClient(convexUrl) : null;

/** Local sign-in: tokens from the local runtime's issuer (`/local/token`), no accounts. */
function useLocalAuth() {
  const fetchAccessToken = useCallback(async () => {
    const response = await fetch(localAuthUrl!);
    if (!response.ok) return null;
    const { token } = (await response.json()) as { token: string };
    return token;
  }, []);
  return useMemo(
    () => ({ isLoading: false, isAuthenticated: true, fetchAccessToken }),
    [fetchAccessToken],
  );
}

function Gate({ children }: { children: ReactNode }) {
  return (
    <>
      <AuthLoading>Loading…</AuthLoading>
      <Unauthenticated>{children}</Unauthenticated>
    </>
  );
}

function Root() {
  if (convex && localAuthUrl) {
    return (
      <ConvexProviderWithAuth client={convex} useAuth={useLocalAuth}>
        <Gate>
          <p>The local runtime refused the local sign-in token. Restart `npm run local`.</p>
        </Gate>
        <Authenticated>
          <p>Signed in locally as the Demo Org admin.</p>
          <App />
        </Authenticated>
      </ConvexProviderWithAuth>
    );
  }
  if (!convex || !clerkKey) {
    return (
      <p>
        Set VITE_CONVEX_URL and VITE_CLERK_PUBLISHABLE_KEY (see .env.example) to use the dashboard,
        or run `npm run local`.
      </p>
    );
  }
  return (
    <ClerkProvider publishableKey={clerkKey}>
      <ConvexProviderWithClerk client={convex} useAuth={useAuth}>
        <Gate>
          <SignIn />
        </Gate>
        <Authenticated>
          <OrganizationSwitcher hidePersonal />
          <App />
        </Authenticated>
      </ConvexProviderWithClerk>
    </ClerkProvider>
  );
}

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <Root />
  </StrictMode>,
);
