/**
 * The whole system message the model would receive (persona, memories, handoff notes, safety
 * rules, knowledge), rendered by the backend's prompt builder for a sample customer or for a
 * real conversation, with its size against the prompt budget.
 */
import { Code, Group, Progress, ScrollArea, Select, Stack, Text } from "@mantine/core";
import { usePaginatedQuery, useQuery } from "convex/react";
import { useDeferredValue, useState } from "react";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { useEnvironment } from "../lib/environment";
import { countOf } from "../lib/format";
import { ListSkeleton } from "../ui/States";

export function FullPromptPreview({
  template,
  agentId,
}: {
  template: string;
  agentId?: Id<"agents">;
}) {
  const environment = useEnvironment();
  const [threadId, setThreadId] = useState<string | null>(null);
  const deferred = useDeferredValue(template);
  const threads = usePaginatedQuery(
    api.inbox.threads.list,
    { environment },
    { initialNumItems: 20 },
  );
  const preview = useQuery(api.console.promptPreview.render, {
    environment,
    systemPrompt: deferred,
    ...(agentId ? { agentId } : {}),
    ...(threadId ? { threadId: threadId as Id<"threads"> } : { sample: {} }),
  });
  return (
    <Stack gap="xs">
      <Select
        label="Render for"
        placeholder="A sample customer"
        clearable
        value={threadId}
        onChange={setThreadId}
        data={threads.results.map((t) => ({
          value: t._id,
          label: t.channelParams.contactName ?? t.channelParams.phoneNumber ?? t._id,
        }))}
      />
      {preview === undefined ? (
        <ListSkeleton rows={3} />
      ) : (
        <>
          <Group justify="space-between">
            <Text size="xs" c="dimmed">
              {preview.promptChars.toLocaleString()} of {preview.budgetChars.toLocaleString()}{" "}
              characters
              {preview.historyMessages > 0
                ? `, plus ${countOf(preview.historyMessages, "message")} of history`
                : ""}
            </Text>
          </Group>
          <Progress
            value={Math.min(100, (preview.promptChars / preview.budgetChars) * 100)}
            size="sm"
            aria-label="Prompt budget used"
          />
          <ScrollArea.Autosize mah={420}>
            <Code block style={{ whiteSpace: "pre-wrap" }}>
              {preview.system}
            </Code>
          </ScrollArea.Autosize>
        </>
      )}
    </Stack>
  );
}
