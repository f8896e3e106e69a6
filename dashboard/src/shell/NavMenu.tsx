/** The left navigation: one link per page; the inbox shows how many threads need a person. */
import { Badge, NavLink, Stack } from "@mantine/core";
import { useQuery } from "convex/react";
import { NavLink as RouterNavLink, useLocation } from "react-router";
import { api } from "../../../convex/_generated/api";
import { useEnvironment } from "../lib/environment";
import { NAV_ITEMS } from "./nav";

function NeedsHumanBadge() {
  const environment = useEnvironment();
  const alerts = useQuery(api.inbox.handoff.notifications, { environment, unreadOnly: true });
  if (!alerts || alerts.length === 0) return null;
  return (
    <Badge size="sm" color="red" circle aria-label={`${alerts.length} need a person`}>
      {alerts.length > 99 ? "99+" : alerts.length}
    </Badge>
  );
}

export function NavMenu({ onNavigate }: { onNavigate: () => void }) {
  const environment = useEnvironment();
  const { pathname } = useLocation();
  return (
    <Stack gap={2} component="nav" aria-label="Main">
      {NAV_ITEMS.map((item) => {
        const to = `/${environment}/${item.path}`;
        return (
          <NavLink
            key={item.path}
            component={RouterNavLink}
            to={to}
            label={item.label}
            leftSection={<item.icon size={18} stroke={1.6} />}
            rightSection={item.path === "inbox" ? <NeedsHumanBadge /> : null}
            active={pathname.startsWith(to)}
            onClick={onNavigate}
            variant="light"
          />
        );
      })}
    </Stack>
  );
}
