/** The template's buttons: quick replies, links (one variable at the end, with an example) and a phone number. */
import { ActionIcon, Button, Group, Menu, Paper, Stack, Text, TextInput } from "@mantine/core";
import { IconPlus, IconTrash } from "@tabler/icons-react";
import { variablesOf } from "../../../convex/whatsapp/templateRules";
import type { ButtonDraft } from "./definition";

type Props = { buttons: ButtonDraft[]; onChange: (buttons: ButtonDraft[]) => void };

const NEW: Record<ButtonDraft["type"], ButtonDraft> = {
  QUICK_REPLY: { type: "QUICK_REPLY", text: "" },
  URL: { type: "URL", text: "", url: "https://", example: "" },
  PHONE_NUMBER: { type: "PHONE_NUMBER", text: "", phone: "" },
};

function ButtonRow({
  b,
  i,
  set,
  remove,
}: {
  b: ButtonDraft;
  i: number;
  set: (b: ButtonDraft) => void;
  remove: () => void;
}) {
  return (
    <Paper withBorder p="xs">
      <Group gap="xs" align="flex-end" wrap="wrap">
        <Text size="xs" fw={600} w={90}>
          {b.type.replace("_", " ").toLowerCase()}
        </Text>
        <TextInput
          aria-label={`Button ${i + 1} text`}
          placeholder="Text"
          value={b.text}
          onChange={(e) => set({ ...b, text: e.currentTarget.value })}
        />
        {b.type === "URL" && (
          <TextInput
            aria-label={`Button ${i + 1} URL`}
            placeholder="https://shop.example/track/{{1}}"
            value={b.url}
            onChange={(e) => set({ ...b, url: e.currentTarget.value })}
            style={{ flex: 1 }}
          />
        )}
        {b.type === "URL" && variablesOf(b.url).length > 0 && (
          <TextInput
            aria-label={`Button ${i + 1} URL example`}
            placeholder="Example ending"
            value={b.example}
            onChange={(e) => set({ ...b, example: e.currentTarget.value })}
          />
        )}
        {b.type === "PHONE_NUMBER" && (
          <TextInput
            aria-label={`Button ${i + 1} phone`}
            placeholder="+15550100100"
            value={b.phone}
            onChange={(e) => set({ ...b, phone: e.currentTarget.value })}
          />
        )}
        <ActionIcon
          variant="subtle"
          color="red"
          aria-label={`Remove button ${i + 1}`}
          onClick={remove}
        >
          <IconTrash size={16} />
        </ActionIcon>
      </Group>
    </Paper>
  );
}

export function ButtonsEditor({ buttons, onChange }: Props) {
  return (
    <Stack gap="xs">
      {buttons.map((b, i) => (
        <ButtonRow
          key={i}
          b={b}
          i={i}
          set={(next) => onChange(buttons.map((x, j) => (j === i ? next : x)))}
          remove={() => onChange(buttons.filter((_, j) => j !== i))}
        />
      ))}
      <Menu>
        <Menu.Target>
          <Button variant="default" w="fit-content" leftSection={<IconPlus size={16} />}>
            Add button
          </Button>
        </Menu.Target>
        <Menu.Dropdown>
          <Menu.Item onClick={() => onChange([...buttons, NEW.QUICK_REPLY])}>Quick reply</Menu.Item>
          <Menu.Item onClick={() => onChange([...buttons, NEW.URL])}>Link</Menu.Item>
          <Menu.Item onClick={() => onChange([...buttons, NEW.PHONE_NUMBER])}>
            Phone number
          </Menu.Item>
        </Menu.Dropdown>
      </Menu>
    </Stack>
  );
}
