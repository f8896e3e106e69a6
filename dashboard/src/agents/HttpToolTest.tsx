/**
 * "Test call" of a saved HTTP tool: the admin types sample arguments (JSON, checked as typed),
 * the backend calls the tool exactly as a turn would for a sample customer, and the answer is
 * shown: status, time, content type and the start of the body (secret header values redacted).
 */
import { Alert, Badge, Button, Code, Group, JsonInput, Stack, Text } from "@mantine/core";
import { IconPlayerPlay } from "@tabler/icons-react";
import { useAction } from "convex/react";
import type { FunctionReturnType } from "convex/server";
import { useState } from "react";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { useEnvironment } from "../lib/environment";
import { useRun } from "../lib/useRun";
import { useIsAdmin } from "../lib/who";
import { ActionResult } from "../ui/States";
import { sampleArgumentsFor, sampleArgumentsProblem } from "./httpToolRules";

export type TestCallResult = FunctionReturnType<typeof api.agents.httpToolTest.testCall>;

export type HttpToolTestViewProps = {
  toolName: string;
  /** The saved tool's JSON Schema (the call uses the saved tool). */
  parameters: string;
  /** The editor holds changes to this tool that are not saved yet. */
  unsaved: boolean;
  canRun: boolean;
  pending: boolean;
  error: string | null;
  result: TestCallResult | null;
  onRun: (argumentsText: string) => void;
};

function ResultPanel({ result }: { result: TestCallResult }) {
  return (
    <Stack gap={6} data-testid="test-call-result">
      <Group gap="xs">
        <Badge color={result.ok ? "teal" : "red"} variant="light">
          {result.status === null ? "No answer" : `HTTP ${result.status}`}
        </Badge>
        <Text size="sm">{result.durationMs} ms</Text>
        {result.contentType && (
          <Text size="sm" c="dimmed">
            {result.contentType}
          </Text>
        )}
      </Group>
      {result.error && (
        <Text size="sm" c="red">
          {result.error}
        </Text>
      )}
      {result.overLimit && (
        <Text size="sm" c="orange">
          The response is larger than the tool&apos;s limit: in a turn the model would get an error.
        </Text>
      )}
      {result.ignoredArguments.length > 0 && (
        <Text size="sm" c="orange">
          Left out (they would replace the URL&apos;s own parameters or the context):{" "}
          {result.ignoredArguments.join(", ")}
        </Text>
      )}
      {result.body !== "" && (
        <Code block style={{ maxHeight: 320, overflow: "auto", whiteSpace: "pre-wrap" }}>
          {result.body}
        </Code>
      )}
      {result.truncated && (
        <Text size="xs" c="dimmed">
          Only the start of the body is shown.
        </Text>
      )}
    </Stack>
  );
}

export function HttpToolTestView(props: HttpToolTestViewProps) {
  const [text, setText] = useState(() => sampleArgumentsFor(props.parameters));
  const problem = sampleArgumentsProblem(props.parameters, text);
  return (
    <Stack gap="xs">
      <Text size="xs" c="dimmed">
        Sent as a turn sends it, with the stored secret headers, for a sample customer (Alex Sample,
        +15550109999).
      </Text>
      {props.unsaved && (
        <Alert color="yellow" py="xs">
          This tool has unsaved changes: the test uses the saved version.
        </Alert>
      )}
      <JsonInput
        label={`Sample arguments for ${props.toolName}`}
        autosize
        minRows={3}
        value={text}
        error={problem}
        onChange={setText}
      />
      <Group>
        <Button
          size="xs"
          leftSection={<IconPlayerPlay size={14} />}
          disabled={!props.canRun || problem !== undefined}
          loading={props.pending}
          onClick={() => props.onRun(text)}
        >
          Send test call
        </Button>
        {!props.canRun && (
          <Text size="xs" c="dimmed">
            Only admins can make test calls.
          </Text>
        )}
      </Group>
      <ActionResult error={props.error} />
      {props.result && <ResultPanel result={props.result} />}
    </Stack>
  );
}

export function HttpToolTest({
  agentId,
  toolName,
  parameters,
  unsaved,
}: {
  agentId: Id<"agents">;
  toolName: string;
  parameters: string;
  unsaved: boolean;
}) {
  const environment = useEnvironment();
  const testCall = useAction(api.agents.httpToolTest.testCall);
  const admin = useIsAdmin();
  const { run, pending, error } = useRun();
  const [result, setResult] = useState<TestCallResult | null>(null);
  const onRun = (argumentsText: string) =>
    void run(async () => {
      setResult(null);
      setResult(await testCall({ environment, agentId, toolName, arguments: argumentsText }));
    });
  return (
    <HttpToolTestView
      toolName={toolName}
      parameters={parameters}
      unsaved={unsaved}
      canRun={admin}
      pending={pending}
      error={error}
      result={result}
      onRun={onRun}
    />
  );
}
