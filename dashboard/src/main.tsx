/**
 * Dashboard entry: connects to the Convex deployment named by VITE_CONVEX_URL. In production it
 * signs in with Clerk (JWT template `convex`, organizations on; loaded only then); offline
 * (`npm run local` sets VITE_SWITCHBOARD_LOCAL_AUTH) it uses the local runtime's issuer as the
 * demo org's admin.
 */
import "@mantine/core/styles.css";
import { MantineProvider } from "@mantine/core";
import { ConvexReactClient } from "convex/react";
import { lazy, StrictMode, Suspense } from "react";
import { createRoot } from "react-dom/client";
import { LocalRoot } from "./auth/LocalRoot";
import { SetupMissing } from "./auth/SetupMissing";
import { cssVariablesResolver, theme } from "./theme";
import { PageLoader } from "./ui/States";

const convexUrl = import.meta.env.VITE_CONVEX_URL as string | undefined;
const clerkKey = import.meta.env.VITE_CLERK_PUBLISHABLE_KEY as string | undefined;
const localAuthUrl = import.meta.env.VITE_SWITCHBOARD_LOCAL_AUTH as string | undefined;
/** One client for the page's lifetime (it holds the WebSocket and the query cache). */
const convex = convexUrl ? new ConvexReactClient(convexUrl) : null;
const ClerkRoot = lazy(() => import("./auth/ClerkRoot"));

function Root() {
  if (convex && localAuthUrl) return <LocalRoot client={convex} tokenUrl={localAuthUrl} />;
  if (!convex || !clerkKey) return <SetupMissing />;
  return (
    <Suspense fallback={<PageLoader label="Loading sign-in…" />}>
      <ClerkRoot client={convex} publishableKey={clerkKey} />
    </Suspense>
  );
}

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <MantineProvider
      theme={theme}
      cssVariablesResolver={cssVariablesResolver}
      defaultColorScheme="auto"
    >
      <Root />
    </MantineProvider>
  </StrictMode>,
);
