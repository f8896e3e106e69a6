/**
 * Connect a number with the business's own Meta app, step by step: (1) the number's
 * credentials, (2) the callback URL and verify token to paste into Meta's App Dashboard, with a
 * handshake check, (3) choose who answers it.
 */
import { Anchor, Button, Group, Paper, Stack, Stepper, Text } from "@mantine/core";
import { IconArrowLeft } from "@tabler/icons-react";
import { useState } from "react";
import { Link } from "react-router";
import type { Id } from "../../../convex/_generated/dataModel";
import { useEnvironment } from "../lib/environment";
import { PageHeader } from "../ui/PageHeader";
import { MetaCredentialsForm } from "./MetaCredentialsForm";
import { MetaWebhookPanel } from "./MetaWebhookPanel";

export function MetaConnectPage() {
  const environment = useEnvironment();
  const [step, setStep] = useState(0);
  const [connectionId, setConnectionId] = useState<Id<"whatsappConnections"> | null>(null);
  return (
    <>
      <Anchor component={Link} to={`/${environment}/numbers`} size="sm">
        <Group gap={4}>
          <IconArrowLeft size={14} /> Numbers
        </Group>
      </Anchor>
      <PageHeader
        title="Connect with Meta directly"
        description="For numbers on your own Meta app (Cloud API), without Kapso."
      />
      <Paper withBorder p="lg" maw={860}>
        <Stepper active={step} onStepClick={(s) => connectionId && s > 0 && setStep(s)}>
          <Stepper.Step label="Credentials" description="The number and its app">
            <MetaCredentialsForm
              onConnected={(id) => {
                setConnectionId(id);
                setStep(1);
              }}
            />
          </Stepper.Step>
          <Stepper.Step label="Webhook" description="URL, verify token, handshake">
            {connectionId && (
              <Stack>
                <Text size="sm">
                  In your Meta app (developers.facebook.com → your app → WhatsApp → Configuration),
                  edit the webhook: paste the callback URL and the verify token, then press{" "}
                  <b>Verify and save</b>.
                </Text>
                <MetaWebhookPanel connectionId={connectionId} />
                <Group justify="flex-end">
                  <Button onClick={() => setStep(2)}>Next</Button>
                </Group>
              </Stack>
            )}
          </Stepper.Step>
          <Stepper.Step label="Answer" description="Agent or router">
            <Stack>
              <Text size="sm">
                The number is connected. Choose the agent or router that answers it.
              </Text>
              <Group>
                <Button component={Link} to={`/${environment}/numbers/${connectionId}`}>
                  Open the number
                </Button>
              </Group>
            </Stack>
          </Stepper.Step>
        </Stepper>
      </Paper>
    </>
  );
}
