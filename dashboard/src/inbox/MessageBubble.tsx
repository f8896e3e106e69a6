/**
 * One message in the conversation: the customer on the left; the AI, teammates and the
 * WhatsApp Business app on the right, each labelled; time, ticks and the run behind AI replies.
 */
import { Box, Group, Paper, Text } from "@mantine/core";
import { formatTime } from "../lib/format";
import { MessageBody } from "./MessageBody";
import { RunDetails } from "./RunDetails";
import { Ticks } from "./Ticks";
import type { MessageView, RunView } from "./types";

function sender(message: MessageView, agentName: string | undefined): string {
  if (message.channelData.direction === "inbound") return "Customer";
  if (message.role === "assistant") return agentName ? `AI · ${agentName}` : "AI";
  if (message.channelData.origin === "business_app") return "Teammate (WhatsApp app)";
  if (message.role === "human") return "Teammate";
  return message.role;
}

const BACKGROUND: Record<string, string> = {
  assistant: "var(--mantine-color-violet-light)",
  human: "var(--mantine-color-teal-light)",
};

type Props = { message: MessageView; run?: RunView; agentName?: string };

export function MessageBubble({ message, run, agentName }: Props) {
  const inbound = message.channelData.direction === "inbound";
  const failed = message.channelData.status === "failed";
  return (
    <Box
      className={`message ${message.channelData.direction} ${message.role}`}
      style={{ alignSelf: inbound ? "flex-start" : "flex-end", maxWidth: "78%" }}
    >
      <Paper
        withBorder
        px="sm"
        py={6}
        radius="lg"
        style={{
          background: inbound ? undefined : BACKGROUND[message.role],
          borderColor: failed ? "var(--mantine-color-red-6)" : undefined,
        }}
      >
        <Text size="xs" fw={600} c="dimmed" mb={2}>
          {sender(message, agentName)}
        </Text>
        <MessageBody message={message} />
        <Group gap={6} justify="flex-end" mt={4} wrap="nowrap">
          <Text size="xs" c="dimmed">
            {formatTime(message.channelData.whatsappTimestamp ?? message.createdAt)}
          </Text>
          <Ticks message={message} />
          {run && <RunDetails run={run} />}
        </Group>
      </Paper>
    </Box>
  );
}
