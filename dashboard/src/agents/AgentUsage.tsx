/** Where an agent is in use: the numbers it answers, the routers naming it, the default. */
import { Anchor, List, Text } from "@mantine/core";
import { useQuery } from "convex/react";
import { Link } from "react-router";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { useEnvironment } from "../lib/environment";

export function AgentUsage({ agentId }: { agentId: Id<"agents"> }) {
  const environment = useEnvironment();
  const usage = useQuery(api.console.agentAdmin.usage, { environment, agentId });
  if (usage === undefined)
    return (
      <Text size="sm" c="dimmed">
        Checking where it is used…
      </Text>
    );
  if (!usage.inUse) return <Text size="sm">It is not used anywhere: it can be deleted.</Text>;
  return (
    <List size="sm" data-testid="agent-usage">
      {usage.connections.map((c) => (
        <List.Item key={c.connectionId}>
          Answers{" "}
          <Anchor component={Link} to={`/${environment}/numbers/${c.connectionId}`}>
            {c.label}
          </Anchor>{" "}
          {c.phoneNumber}
        </List.Item>
      ))}
      {usage.routers.map((r) => (
        <List.Item key={r.routerId}>
          Router{" "}
          <Anchor component={Link} to={`/${environment}/routers/${r.routerId}`}>
            {r.name}
          </Anchor>
          {r.asFallback ? " (fallback)" : ""}
          {r.inRules.length > 0 ? ` (rules ${r.inRules.join(", ")})` : ""}
          {r.asClassifierChoice ? " (classifier choice)" : ""}
        </List.Item>
      ))}
      {usage.environmentDefault && <List.Item>The environment's default agent</List.Item>}
    </List>
  );
}
