/**
 * Production sign-in with Clerk (loaded only when a publishable key is configured): the Convex
 * token comes from Clerk's `convex` template, and the organization switcher sits in the header.
 * Switching organization remounts the app so it provisions and shows the new one.
 */
import { ClerkProvider, OrganizationSwitcher, SignIn, useAuth } from "@clerk/clerk-react";
import { Center } from "@mantine/core";
import { Authenticated, AuthLoading, Unauthenticated, type ConvexReactClient } from "convex/react";
import { ConvexProviderWithClerk } from "convex/react-clerk";
import { App } from "../App";
import { PageLoader } from "../ui/States";

function SignedInApp() {
  const { orgId } = useAuth();
  return <App key={orgId ?? "none"} identity={<OrganizationSwitcher hidePersonal />} />;
}

export default function ClerkRoot({
  client,
  publishableKey,
}: {
  client: ConvexReactClient;
  publishableKey: string;
}) {
  return (
    <ClerkProvider publishableKey={publishableKey}>
      <ConvexProviderWithClerk client={client} useAuth={useAuth}>
        <AuthLoading>
          <PageLoader label="Signing in…" />
        </AuthLoading>
        <Unauthenticated>
          <Center mih="100vh">
            <SignIn />
          </Center>
        </Unauthenticated>
        <Authenticated>
          <SignedInApp />
        </Authenticated>
      </ConvexProviderWithClerk>
    </ClerkProvider>
  );
}
