/**
 * The business profile every agent reads (`{{business.context}}`, `{{business.hours}}`, …):
 * name, opening hours, address, policies and language. Empty fields are left out of prompts.
 */
import { Button, Group, Paper, Stack, Text, Textarea, TextInput } from "@mantine/core";
import { useMutation, useQuery } from "convex/react";
import type { FunctionReturnType } from "convex/server";
import { useState } from "react";
import { api } from "../../../convex/_generated/api";
import { useEnvironment } from "../lib/environment";
import { formatTime } from "../lib/format";
import { useRun } from "../lib/useRun";
import { useIsAdmin } from "../lib/who";
import { ActionResult, ListSkeleton } from "../ui/States";

type Profile = NonNullable<FunctionReturnType<typeof api.business.profile.get>>;
type Fields = { name: string; hours: string; address: string; policies: string; language: string };

function ProfileForm({ profile }: { profile: Profile | null }) {
  const environment = useEnvironment();
  const update = useMutation(api.business.profile.update);
  const admin = useIsAdmin();
  const [f, setF] = useState<Fields>({
    name: profile?.name ?? "",
    hours: profile?.hours ?? "",
    address: profile?.address ?? "",
    policies: profile?.policies ?? "",
    language: profile?.language ?? "",
  });
  const { run, pending, error, done } = useRun();
  const set = (key: keyof Fields) => (e: { currentTarget: { value: string } }) =>
    setF({ ...f, [key]: e.currentTarget.value });
  return (
    <Paper withBorder p="md" maw={760}>
      <Stack>
        <TextInput
          label="Business name"
          description="Defaults to the organization's name."
          value={f.name}
          onChange={set("name")}
          maxLength={200}
        />
        <Textarea
          label="Opening hours"
          autosize
          minRows={2}
          value={f.hours}
          onChange={set("hours")}
          maxLength={1000}
        />
        <Textarea
          label="Address"
          autosize
          minRows={2}
          value={f.address}
          onChange={set("address")}
          maxLength={500}
        />
        <Textarea
          label="Policies"
          description="Returns, delivery, payment… (at most 4,000 characters)."
          autosize
          minRows={4}
          value={f.policies}
          onChange={set("policies")}
          maxLength={4000}
        />
        <TextInput
          label="Language"
          placeholder="English"
          value={f.language}
          onChange={set("language")}
          maxLength={50}
        />
        <Group justify="space-between">
          <Text size="xs" c="dimmed">
            {profile ? `Last saved ${formatTime(profile.updatedAt)}` : "Not written yet."}
          </Text>
          <Button
            disabled={!admin}
            loading={pending}
            onClick={() => void run(() => update({ environment, ...f }), "Saved.")}
          >
            Save
          </Button>
        </Group>
        <ActionResult error={error} done={done} />
      </Stack>
    </Paper>
  );
}

export function BusinessProfileForm() {
  const environment = useEnvironment();
  const profile = useQuery(api.business.profile.get, { environment });
  if (profile === undefined) return <ListSkeleton />;
  return <ProfileForm profile={profile} />;
}
