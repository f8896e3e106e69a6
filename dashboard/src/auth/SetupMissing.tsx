/** Shown when the dashboard was built without a deployment URL or sign-in configuration. */
import { Center, Code, Paper, Stack, Text, Title } from "@mantine/core";

export function SetupMissing() {
  return (
    <Center mih="100vh" p="md">
      <Paper withBorder p="xl" maw={560}>
        <Stack>
          <Title order={1} size="h3">
            Switchboard is not configured
          </Title>
          <Text size="sm">
            Set <Code>VITE_CONVEX_URL</Code> and <Code>VITE_CLERK_PUBLISHABLE_KEY</Code> (see
            .env.example) to use the dashboard, or run <Code>npm run local</Code>.
          </Text>
        </Stack>
      </Paper>
    </Center>
  );
}
