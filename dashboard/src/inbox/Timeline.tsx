/**
 * The conversation's timeline, oldest at the top: messages and ownership changes (take over,
 * release, handoffs with their reason and summary) in one column; keeps to the newest message.
 */
import { Button, Center, Divider, ScrollArea, Stack, Text } from "@mantine/core";
import { useEffect, useRef } from "react";
import { formatTime } from "../lib/format";
import { MessageBubble } from "./MessageBubble";
import type { HandoffEventView, MessageView, RunView } from "./types";

const REASON: Record<string, string> = {
  customer_asked: "the customer asked for a person",
  frustration: "the customer seemed frustrated",
  out_of_scope: "out of the AI's scope",
  sensitive: "a sensitive topic",
  escalation_keyword: "an escalation keyword",
  repeated_failure: "the AI kept failing",
  human_replied: "a teammate replied",
  business_app_reply: "a teammate replied from the WhatsApp app",
  manual: "manual",
  inactivity: "no human activity",
};

type Item = { at: number; message?: MessageView; event?: HandoffEventView };

function EventLine({ event }: { event: HandoffEventView }) {
  const to = event.to === "human" ? "Handed to a human" : "Released to the AI";
  return (
    <Divider
      my={4}
      labelPosition="center"
      label={
        <Text size="xs" c="dimmed" className="handoff-event">
          {to} ({REASON[event.reason] ?? event.reason}) · {formatTime(event.at)}
          {event.summary ? ` — ${event.summary}` : ""}
        </Text>
      }
    />
  );
}

type Props = {
  newestFirst: MessageView[];
  events: HandoffEventView[];
  runs: Map<string, RunView>;
  agentNames: Map<string, string>;
  canLoadOlder: boolean;
  onLoadOlder: () => void;
};

export function Timeline({
  newestFirst,
  events,
  runs,
  agentNames,
  canLoadOlder,
  onLoadOlder,
}: Props) {
  const viewport = useRef<HTMLDivElement>(null);
  const oldest = newestFirst.at(-1)?.createdAt ?? 0;
  const items: Item[] = [
    ...newestFirst.map((m) => ({ at: m.createdAt, message: m })),
    ...events.filter((e) => e.at >= oldest || !canLoadOlder).map((e) => ({ at: e.at, event: e })),
  ].sort((a, b) => a.at - b.at);
  const newestId = newestFirst[0]?._id;
  useEffect(() => {
    viewport.current?.scrollTo({ top: viewport.current.scrollHeight });
  }, [newestId]);
  return (
    <ScrollArea style={{ flex: 1 }} viewportRef={viewport} type="auto">
      <Stack gap="xs" p="xs" aria-label="Messages" role="log" aria-live="polite">
        {canLoadOlder && (
          <Center>
            <Button size="xs" variant="subtle" onClick={onLoadOlder}>
              Load older messages
            </Button>
          </Center>
        )}
        {items.map((item) =>
          item.message ? (
            <MessageBubble
              key={item.message._id}
              message={item.message}
              run={item.message.agentRunId ? runs.get(item.message.agentRunId) : undefined}
              agentName={
                item.message.agentRunId
                  ? agentNames.get(runs.get(item.message.agentRunId)?.agentId ?? "")
                  : undefined
              }
            />
          ) : (
            <EventLine key={item.event!._id} event={item.event!} />
          ),
        )}
      </Stack>
    </ScrollArea>
  );
}
