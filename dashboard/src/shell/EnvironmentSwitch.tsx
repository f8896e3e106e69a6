/**
 * The environment badge and switch, always in the header: development is blue, production
 * orange. Switching keeps the section (agents stay agents) in the other environment.
 */
import { Badge, Group, SegmentedControl, VisuallyHidden } from "@mantine/core";
import { useLocation, useNavigate } from "react-router";
import type { Environment } from "../../../convex/lib/validators";
import { ENVIRONMENTS, switchEnvironmentPath, useEnvironment } from "../lib/environment";
import { ENVIRONMENT_COLOR } from "../theme";

export function EnvironmentBadge({ environment }: { environment: Environment }) {
  return (
    <Badge
      color={ENVIRONMENT_COLOR[environment]}
      variant="filled"
      size="lg"
      data-testid="env-badge"
    >
      {environment}
    </Badge>
  );
}

export function EnvironmentSwitch() {
  const environment = useEnvironment();
  const navigate = useNavigate();
  const { pathname } = useLocation();
  return (
    <Group gap="xs" wrap="nowrap">
      <EnvironmentBadge environment={environment} />
      <VisuallyHidden id="env-switch-label">Environment</VisuallyHidden>
      <SegmentedControl
        size="xs"
        aria-labelledby="env-switch-label"
        value={environment}
        color={ENVIRONMENT_COLOR[environment]}
        onChange={(value) => void navigate(switchEnvironmentPath(pathname, value as Environment))}
        data={ENVIRONMENTS.map((e) => ({ value: e, label: e === "development" ? "Dev" : "Prod" }))}
        visibleFrom="sm"
      />
    </Group>
  );
}
