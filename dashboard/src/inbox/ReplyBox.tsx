/** The free-text reply of a teammate who owns the conversation (Enter sends, Shift+Enter: new line). */
import { Button, Group, Textarea } from "@mantine/core";
import { IconSend } from "@tabler/icons-react";
import { useState, type ReactNode, type RefObject } from "react";

type Props = {
  replyRef?: RefObject<HTMLTextAreaElement | null>;
  pending: boolean;
  onSend: (text: string) => Promise<boolean>;
  /** The Release to AI control, beside Send. */
  release: ReactNode;
};

export function ReplyBox({ replyRef, pending, onSend, release }: Props) {
  const [draft, setDraft] = useState("");
  const send = async () => {
    const text = draft.trim();
    if (text === "" || pending) return;
    if (await onSend(text)) setDraft("");
  };
  return (
    <>
      <Textarea
        ref={replyRef}
        aria-label="Reply"
        placeholder="Reply as a human (the AI stays silent while you own the conversation)"
        autosize
        minRows={2}
        maxRows={8}
        value={draft}
        onChange={(e) => setDraft(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === "Enter" && !e.shiftKey) {
            e.preventDefault();
            void send();
          } else if (e.key === "Escape") {
            e.currentTarget.blur();
          }
        }}
      />
      <Group justify="space-between">
        {release}
        <Button
          rightSection={<IconSend size={16} />}
          onClick={() => void send()}
          loading={pending}
          disabled={draft.trim() === ""}
        >
          Send
        </Button>
      </Group>
    </>
  );
}
