/**
 * Local sign-in (`npm run local`): tokens from the local runtime's issuer (`/local/token`), no
 * accounts; the identity shown in the header is the demo organization's admin.
 */
import { Badge, Tooltip } from "@mantine/core";
import {
  Authenticated,
  AuthLoading,
  ConvexProviderWithAuth,
  Unauthenticated,
  type ConvexReactClient,
} from "convex/react";
import { useCallback, useMemo } from "react";
import { App } from "../App";
import { ErrorPanel, PageLoader } from "../ui/States";

function useLocalAuth(tokenUrl: string) {
  const fetchAccessToken = useCallback(async () => {
    const response = await fetch(tokenUrl);
    if (!response.ok) return null;
    const { token } = (await response.json()) as { token: string };
    return token;
  }, [tokenUrl]);
  return useMemo(
    () => ({ isLoading: false, isAuthenticated: true, fetchAccessToken }),
    [fetchAccessToken],
  );
}

export function LocalRoot({ client, tokenUrl }: { client: ConvexReactClient; tokenUrl: string }) {
  const useAuth = useCallback(() => useLocalAuth(tokenUrl), [tokenUrl]);
  return (
    <ConvexProviderWithAuth client={client} useAuth={useAuth}>
      <AuthLoading>
        <PageLoader label="Signing in locally…" />
      </AuthLoading>
      <Unauthenticated>
        <ErrorPanel
          title="Local sign-in refused"
          message="The local runtime refused the local sign-in token. Restart `npm run local`."
        />
      </Unauthenticated>
      <Authenticated>
        <App
          identity={
            <Tooltip label="Signed in locally as the Demo Org admin (npm run local)">
              <Badge variant="light" color="gray" size="lg">
                Local sign-in
              </Badge>
            </Tooltip>
          }
        />
      </Authenticated>
    </ConvexProviderWithAuth>
  );
}
