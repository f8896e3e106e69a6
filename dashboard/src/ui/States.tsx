/**
 * Loading, empty and error states: every page and panel shows one of these instead of a blank
 * area, so "still loading", "nothing yet" and "it failed" never look alike.
 */
import {
  Alert,
  Button,
  Center,
  EmptyState,
  Group,
  Loader,
  Skeleton,
  Stack,
  Text,
} from "@mantine/core";
import { IconAlertTriangle, IconInbox } from "@tabler/icons-react";
import type { ReactNode } from "react";

export function PageLoader({ label = "Loading…" }: { label?: string }) {
  return (
    <Center h="60vh" role="status" aria-live="polite">
      <Stack align="center" gap="xs">
        <Loader />
        <Text c="dimmed" size="sm">
          {label}
        </Text>
      </Stack>
    </Center>
  );
}

/** Placeholder rows while a list or table loads. */
export function ListSkeleton({ rows = 4, height = 44 }: { rows?: number; height?: number }) {
  return (
    <Stack gap="xs" role="status" aria-label="Loading">
      {Array.from({ length: rows }, (_, i) => (
        <Skeleton key={i} height={height} radius="sm" />
      ))}
    </Stack>
  );
}

export function Empty({
  title,
  description,
  icon,
  action,
}: {
  title: string;
  description?: ReactNode;
  icon?: ReactNode;
  action?: ReactNode;
}) {
  return (
    <EmptyState
      py="xl"
      title={title}
      description={description}
      icon={icon ?? <IconInbox size={28} />}
      withIndicatorBackground
    >
      {action && <EmptyState.Actions>{action}</EmptyState.Actions>}
    </EmptyState>
  );
}

export function ErrorPanel({
  title = "Something went wrong",
  message,
  onRetry,
}: {
  title?: string;
  message: string;
  onRetry?: () => void;
}) {
  return (
    <Alert color="red" title={title} icon={<IconAlertTriangle size={18} />} role="alert">
      <Stack gap="xs">
        <Text size="sm">{message}</Text>
        {onRetry && (
          <Group>
            <Button size="xs" variant="light" color="red" onClick={onRetry}>
              Try again
            </Button>
          </Group>
        )}
      </Stack>
    </Alert>
  );
}

/** The inline result of an action: its error (red) or its confirmation (green). */
export function ActionResult({ error, done }: { error: string | null; done?: string | null }) {
  if (error) {
    return (
      <Alert color="red" role="alert" py="xs" icon={<IconAlertTriangle size={16} />}>
        {error}
      </Alert>
    );
  }
  if (done) {
    return (
      <Text size="sm" c="teal" role="status">
        {done}
      </Text>
    );
  }
  return null;
}
