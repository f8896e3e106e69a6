/** The credentials of a Meta-direct number; secrets are sent once and never shown again. */
import { Button, Group, PasswordInput, SimpleGrid, Stack, TextInput } from "@mantine/core";
import { useMutation } from "convex/react";
import { useState, type FormEvent } from "react";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { useEnvironment } from "../lib/environment";
import { useRun } from "../lib/useRun";
import { ActionResult } from "../ui/States";

const FIELDS = [
  ["label", "Label", "Support line", false],
  ["phoneNumber", "Phone number (international format)", "+15550100200", false],
  ["phoneNumberId", "Phone number ID", "From WhatsApp → API setup", false],
  ["businessAccountId", "WhatsApp Business Account ID", "", false],
  ["appId", "App ID", "", false],
  ["graphApiVersion", "Graph API version", "v23.0", false],
  ["appSecret", "App secret", "Verifies Meta's signatures", true],
  ["accessToken", "Access token", "A system user token", true],
] as const;

type Values = Record<(typeof FIELDS)[number][0], string>;
const EMPTY = Object.fromEntries(FIELDS.map(([k]) => [k, ""])) as Values;

type Props = { onConnected: (id: Id<"whatsappConnections">) => void };

export function MetaCredentialsForm({ onConnected }: Props) {
  const environment = useEnvironment();
  const connect = useMutation(api.whatsapp.connections.connectMeta);
  const [values, setValues] = useState<Values>(EMPTY);
  const { run, pending, error } = useRun();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const id = await run(() =>
      connect({ environment, ...values, graphApiVersion: values.graphApiVersion || undefined }),
    );
    if (id) onConnected(id);
  };
  return (
    <form onSubmit={(e) => void submit(e)}>
      <Stack>
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          {FIELDS.map(([name, label, placeholder, secret]) => {
            const Input = secret ? PasswordInput : TextInput;
            return (
              <Input
                key={name}
                label={label}
                placeholder={placeholder}
                required={name !== "graphApiVersion" && name !== "label"}
                value={values[name]}
                onChange={(e) => setValues({ ...values, [name]: e.currentTarget.value })}
              />
            );
          })}
        </SimpleGrid>
        <ActionResult error={error} />
        <Group justify="flex-end">
          <Button type="submit" loading={pending}>
            Connect number
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
