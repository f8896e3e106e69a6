/**
 * The agent playground: chat with the saved agent as a customer would, in a test session that
 * never reaches WhatsApp, with the run details (decision, tools, tokens, latency) beside each
 * reply. Save the editor first: the playground runs the saved agent.
 */
import { Button, Group, Select, Stack, Text } from "@mantine/core";
import { useQuery } from "convex/react";
import { useState } from "react";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { useEnvironment } from "../lib/environment";
import { formatTime } from "../lib/format";
import { Empty, ListSkeleton } from "../ui/States";
import { PlaygroundChat } from "./PlaygroundChat";
import { StartSessionButton } from "./StartSessionButton";

export function Playground({ agentId }: { agentId: Id<"agents"> }) {
  const environment = useEnvironment();
  const sessions = useQuery(api.console.playground.sessions, { environment, agentId });
  const [chosen, setChosen] = useState<string | null>(null);
  if (sessions === undefined) return <ListSkeleton rows={3} />;
  const sessionId = (chosen ?? sessions[0]?._id ?? null) as Id<"playgroundSessions"> | null;
  return (
    <Stack>
      <Group justify="space-between" align="flex-end">
        <Select
          label="Session"
          placeholder="No session yet"
          data={sessions.map((s) => ({
            value: s._id,
            label: `${s.customer.contactName ?? "Customer"} · ${formatTime(s.createdAt)}`,
          }))}
          value={sessionId}
          onChange={setChosen}
          allowDeselect={false}
          w={320}
        />
        <StartSessionButton agentId={agentId} onStarted={setChosen} />
      </Group>
      <Text size="xs" c="dimmed">
        Test sessions never reach WhatsApp, the inbox, analytics or customer memory. The playground
        runs the saved agent.
      </Text>
      {sessionId ? (
        <PlaygroundChat key={sessionId} sessionId={sessionId} />
      ) : (
        <Empty
          title="Try the agent"
          description="Start a session and write as a customer would."
          action={
            <Button variant="light" disabled>
              Start a session above
            </Button>
          }
        />
      )}
    </Stack>
  );
}
