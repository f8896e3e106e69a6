/**
 * Interactive and template messages: the buttons or list the business sent (as the customer
 * sees them), the reply the customer tapped, and templates with their name and rendered body.
 */
import { Badge, Button, Group, Stack, Text } from "@mantine/core";
import { IconTemplate } from "@tabler/icons-react";
import type { MessageView } from "./types";

type Sent =
  | {
      kind: "buttons";
      body: string;
      header?: string;
      footer?: string;
      buttons: { id: string; title: string }[];
    }
  | {
      kind: "list";
      body: string;
      buttonText: string;
      header?: string;
      footer?: string;
      sections: { title?: string; rows: { id: string; title: string }[] }[];
    };

function Paragraph({ text, dimmed }: { text: string; dimmed?: boolean }) {
  return (
    <Text
      size="sm"
      c={dimmed ? "dimmed" : undefined}
      style={{ whiteSpace: "pre-wrap", overflowWrap: "anywhere" }}
    >
      {text}
    </Text>
  );
}

function SentInteractive({ sent }: { sent: Sent }) {
  const options = sent.kind === "buttons" ? sent.buttons : sent.sections.flatMap((s) => s.rows);
  return (
    <Stack gap={6}>
      {sent.header && (
        <Text fw={600} size="sm">
          {sent.header}
        </Text>
      )}
      <Paragraph text={sent.body} />
      {sent.footer && <Paragraph text={sent.footer} dimmed />}
      {sent.kind === "list" && <Badge variant="outline">{sent.buttonText}</Badge>}
      <Group gap={4}>
        {options.map((o) => (
          <Button key={o.id} size="compact-xs" variant="default" component="span" tabIndex={-1}>
            {o.title}
          </Button>
        ))}
      </Group>
    </Stack>
  );
}

export function InteractiveBody({ message }: { message: MessageView }) {
  const { type, payload, templateName, direction } = message.channelData;
  if (type === "template") {
    const body = message.content.replace(/^\[Template: [^\]]*\]\n?/, "");
    return (
      <Stack gap={4}>
        <Badge variant="light" color="grape" leftSection={<IconTemplate size={12} />}>
          Template {templateName}
        </Badge>
        <Paragraph text={body} />
      </Stack>
    );
  }
  const sent = payload as Sent | undefined;
  if (direction === "outbound" && sent && (sent.kind === "buttons" || sent.kind === "list")) {
    return <SentInteractive sent={sent} />;
  }
  const reply = payload as { id?: string; payload?: string } | undefined;
  return (
    <Stack gap={4}>
      <Badge variant="light" color="gray" size="sm">
        Tapped
      </Badge>
      <Paragraph text={message.content} />
      {(reply?.id ?? reply?.payload) && (
        <Text size="xs" c="dimmed">
          id {reply?.id ?? reply?.payload}
        </Text>
      )}
    </Stack>
  );
}
