/**
 * Dashboard entry: connects to the Convex deployment named by VITE_CONVEX_URL and signs in
 * with Clerk (JWT template `convex`, organizations on).
 */
import { ClerkProvider, OrganizationSwitcher, SignIn, useAuth } from "@clerk/clerk-react";
import { Authenticated, AuthLoading, ConvexReactClient, Unauthenticated } from "convex/react";
import { ConvexProviderWithClerk } from "convex/react-clerk";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";

const convexUrl = import.meta.env.VITE_CONVEX_URL as string | undefined;
const clerkKey = import.meta.env.VITE_CLERK_PUBLISHABLE_KEY as string | undefined;

function Root() {
  if (!convexUrl || !clerkKey) {
    return (
      <p>
        Set VITE_CONVEX_URL and VITE_CLERK_PUBLISHABLE_KEY (see .env.example) to use the dashboard.
      </p>
    );
  }
  const convex = new ConvexReactClient(convexUrl);
  return (
    <ClerkProvider publishableKey={clerkKey}>
      <ConvexProviderWithClerk client={convex} useAuth={useAuth}>
        <AuthLoading>Loading…</AuthLoading>
        <Unauthenticated>
          <SignIn />
        </Unauthenticated>
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
