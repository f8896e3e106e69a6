/** One playground session: the conversation, the run details of each turn, and the message box. */
import {
  Badge,
  Button,
  Group,
  Paper,
  ScrollArea,
  SimpleGrid,
  Stack,
  Text,
  Textarea,
} from "@mantine/core";
import { useMutation, useQuery } from "convex/react";
import type { FunctionReturnType } from "convex/server";
import { useState } from "react";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { useEnvironment } from "../lib/environment";
import { formatUsd } from "../lib/format";
import { useRun } from "../lib/useRun";
import { ActionResult, ListSkeleton } from "../ui/States";

type Message = FunctionReturnType<typeof api.console.playground.messages>["messages"][number];

function Bubble({ m }: { m: Message }) {
  if (m.role === "event")
    return (
      <Text size="xs" c="dimmed" ta="center">
        {m.content}
      </Text>
    );
  const mine = m.role === "user";
  return (
    <Paper
      withBorder
      px="sm"
      py={6}
      radius="lg"
      maw="80%"
      style={{
        alignSelf: mine ? "flex-start" : "flex-end",
        background: mine ? undefined : "var(--mantine-color-violet-light)",
      }}
    >
      <Text size="xs" c="dimmed" fw={600}>
        {mine ? "You (customer)" : "Agent"}
      </Text>
      <Text size="sm" style={{ whiteSpace: "pre-wrap" }}>
        {m.content}
      </Text>
    </Paper>
  );
}

function RunCard({ m }: { m: Message }) {
  const run = m.run!;
  return (
    <Paper withBorder p="xs">
      <Group gap={4} mb={4}>
        <Badge
          size="xs"
          color={run.state === "failed" ? "red" : run.state === "running" ? "yellow" : "teal"}
        >
          {run.state}
        </Badge>
        <Text size="xs" c="dimmed" truncate>
          “{m.content}”
        </Text>
      </Group>
      <Text size="xs">{run.decision}</Text>
      <Text size="xs" c="dimmed">
        {run.tokensIn} in / {run.tokensOut} out · {formatUsd(run.costUsd)}
        {run.latencyMs !== undefined ? ` · ${run.latencyMs} ms` : ""}
      </Text>
      {run.toolCalls.map((c, i) => (
        <Text key={i} size="xs" ff="monospace" c={c.ok ? undefined : "red"}>
          {c.name}({c.arguments.slice(0, 80)})
        </Text>
      ))}
      {run.error && (
        <Text size="xs" c="red">
          {run.error}
        </Text>
      )}
    </Paper>
  );
}

export function PlaygroundChat({ sessionId }: { sessionId: Id<"playgroundSessions"> }) {
  const environment = useEnvironment();
  const data = useQuery(api.console.playground.messages, { environment, sessionId });
  const send = useMutation(api.console.playground.send);
  const [text, setText] = useState("");
  const { run, pending, error } = useRun();
  if (data === undefined) return <ListSkeleton rows={4} />;
  const busy = data.messages.some((m) => m.run?.state === "running");
  const submit = async () => {
    if (text.trim() === "") return;
    if (await run(() => send({ environment, sessionId, text }))) setText("");
  };
  return (
    <SimpleGrid cols={{ base: 1, lg: 2 }}>
      <Stack gap="xs">
        <ScrollArea h={360} type="auto">
          <Stack gap="xs" p="xs" role="log" aria-label="Playground conversation">
            {data.messages.map((m) => (
              <Bubble key={m._id} m={m} />
            ))}
          </Stack>
        </ScrollArea>
        <Textarea
          aria-label="Message as the customer"
          placeholder="Write as the customer…"
          autosize
          minRows={2}
          value={text}
          onChange={(e) => setText(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter" && !e.shiftKey) {
              e.preventDefault();
              void submit();
            }
          }}
        />
        <ActionResult error={error} />
        <Group justify="flex-end">
          <Button
            onClick={() => void submit()}
            loading={pending || busy}
            disabled={text.trim() === ""}
          >
            Send
          </Button>
        </Group>
      </Stack>
      <Stack gap="xs">
        <Text size="sm" fw={600}>
          Run details
        </Text>
        {data.messages
          .filter((m) => m.run)
          .map((m) => (
            <RunCard key={m._id} m={m} />
          ))}
      </Stack>
    </SimpleGrid>
  );
}
