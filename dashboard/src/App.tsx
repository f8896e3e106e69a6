/**
 * The signed-in dashboard: provisions the organization on first visit, then hands over to the
 * router (every page, thread and setting has a URL; see routes.tsx).
 */
import { useMutation } from "convex/react";
import { useCallback, useEffect, useState, type ReactNode } from "react";
import { BrowserRouter } from "react-router";
import { api } from "../../convex/_generated/api";
import { errorMessage } from "./lib/errors";
import { WhoContext, type Who } from "./lib/who";
import { AppRoutes } from "./routes";
import { ErrorPanel, PageLoader } from "./ui/States";
import { Center, Box } from "@mantine/core";

export function App({ identity }: { identity: ReactNode }) {
  const ensure = useMutation(api.organizations.ensure);
  const [who, setWho] = useState<Who | null>(null);
  const [error, setError] = useState<string | null>(null);
  const provision = useCallback(() => {
    setError(null);
    ensure({})
      .then(setWho)
      .catch((e: unknown) => setError(errorMessage(e)));
  }, [ensure]);
  useEffect(provision, [provision]);
  if (error) {
    return (
      <Center mih="100vh" p="md">
        <Box maw={560}>
          <ErrorPanel
            title="Could not open your organization"
            message={error}
            onRetry={provision}
          />
        </Box>
      </Center>
    );
  }
  if (who === null) return <PageLoader label="Preparing your organization…" />;
  return (
    <WhoContext.Provider value={who}>
      <BrowserRouter>
        <AppRoutes identity={identity} />
      </BrowserRouter>
    </WhoContext.Provider>
  );
}
