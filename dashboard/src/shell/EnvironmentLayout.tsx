/**
 * The layout of every page: validates the environment in the URL, then renders the shell with
 * the page inside a loading boundary and an error boundary (reset when the URL changes).
 */
import { Suspense, type ReactNode } from "react";
import { Navigate, Outlet, useLocation, useParams } from "react-router";
import { isEnvironment } from "../lib/environment";
import { ErrorBoundary } from "../ui/ErrorBoundary";
import { PageLoader } from "../ui/States";
import { Shell } from "./Shell";

export function EnvironmentLayout({ identity }: { identity: ReactNode }) {
  const { env } = useParams();
  const location = useLocation();
  if (!isEnvironment(env)) return <Navigate to="/development/inbox" replace />;
  return (
    <Shell identity={identity}>
      <ErrorBoundary resetKey={location.pathname}>
        <Suspense fallback={<PageLoader />}>
          <Outlet />
        </Suspense>
      </ErrorBoundary>
    </Shell>
  );
}
