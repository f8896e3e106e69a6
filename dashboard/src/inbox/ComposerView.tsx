/**
 * The composer in its modes. AI handling: read-only, with Take over. Human owned: reply (Enter
 * sends, Shift+Enter adds a line) and Release, with an optional note for the AI. Window closed:
 * the template picker. A failed last message adds a red banner with WhatsApp's reason in any mode.
 */
import { Alert, Button, Group, Paper, Stack, Text, TextInput } from "@mantine/core";
import { IconAlertTriangle, IconRobot } from "@tabler/icons-react";
import { useState, type RefObject } from "react";
import type { TemplateParameters } from "../../../convex/lib/validators";
import { ReleaseButton } from "./ReleaseButton";
import { ReplyBox } from "./ReplyBox";
import { TemplatePicker } from "./TemplatePicker";
import type { ComposerMode } from "./threadState";
import { failureText } from "./Ticks";
import type { MessageView, TemplateView } from "./types";

export type ComposerViewProps = {
  mode: ComposerMode;
  failure: MessageView | null;
  templates: TemplateView[] | undefined;
  pending: boolean;
  error: string | null;
  replyRef?: RefObject<HTMLTextAreaElement | null>;
  onTakeOver: (note?: string) => void;
  onRelease: (note?: string) => void;
  /** The release dialog, when the "r" shortcut or the command menu opens it. */
  releaseOpen?: boolean;
  onReleaseOpenChange?: (open: boolean) => void;
  onSend: (text: string) => Promise<boolean>;
  onSendTemplate: (template: TemplateView, parameters: TemplateParameters) => Promise<boolean>;
};

function FailureBanner({ failure }: { failure: MessageView }) {
  const code = failure.channelData.error?.code;
  return (
    <Alert
      color="red"
      icon={<IconAlertTriangle size={18} />}
      title="The last message was not delivered"
      role="alert"
      py="xs"
    >
      <Text size="sm">{failureText(failure)}</Text>
      {code === 131047 && (
        <Text size="xs" c="dimmed">
          More than 24 hours since the customer wrote: only a template can reach them now.
        </Text>
      )}
    </Alert>
  );
}

function AiMode({ pending, onTakeOver }: Pick<ComposerViewProps, "pending" | "onTakeOver">) {
  const [note, setNote] = useState("");
  return (
    <Group justify="space-between" wrap="wrap" gap="xs">
      <Group gap="xs">
        <IconRobot size={18} />
        <Text size="sm">The AI is answering this conversation.</Text>
      </Group>
      <Group gap="xs">
        <TextInput
          size="xs"
          aria-label="Note for the timeline (optional)"
          placeholder="Note (optional)"
          value={note}
          onChange={(e) => setNote(e.currentTarget.value)}
        />
        <Button onClick={() => onTakeOver(note.trim() || undefined)} loading={pending}>
          Take over
        </Button>
      </Group>
    </Group>
  );
}

export function ComposerView(props: ComposerViewProps) {
  const { mode, failure, error, pending } = props;
  const release = (size?: "xs") => (
    <ReleaseButton
      size={size}
      pending={pending}
      onRelease={props.onRelease}
      opened={props.releaseOpen}
      onOpenedChange={props.onReleaseOpenChange}
    />
  );
  return (
    <Paper withBorder p="sm" data-composer-mode={mode}>
      <Stack gap="xs">
        {failure && <FailureBanner failure={failure} />}
        {error && (
          <Alert color="red" role="alert" py="xs">
            {error}
          </Alert>
        )}
        {mode === "ai" && <AiMode pending={pending} onTakeOver={props.onTakeOver} />}
        {mode === "human" && (
          <ReplyBox
            replyRef={props.replyRef}
            pending={pending}
            onSend={props.onSend}
            release={release()}
          />
        )}
        {mode === "window_closed" && (
          <>
            <Group justify="space-between">
              <Text size="sm" fw={500}>
                The 24-hour window is closed: send an approved template to reopen the conversation.
              </Text>
              {release("xs")}
            </Group>
            <TemplatePicker
              templates={props.templates}
              pending={pending}
              onSend={props.onSendTemplate}
            />
          </>
        )}
      </Stack>
    </Paper>
  );
}
