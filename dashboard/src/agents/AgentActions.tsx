/**
 * Save (create or update), duplicate (server-side, so secret headers are copied without
 * passing through the browser) and delete, which is refused while the agent is in use: the
 * refusal lists where.
 */
import { Alert, Button, Group, Text } from "@mantine/core";
import { useMutation } from "convex/react";
import { useNavigate } from "react-router";
import { api } from "../../../convex/_generated/api";
import { useEnvironment } from "../lib/environment";
import { useRun } from "../lib/useRun";
import { useIsAdmin } from "../lib/who";
import { ConfirmButton } from "../ui/ConfirmButton";
import { AgentUsage } from "./AgentUsage";
import { agentArgs, type AgentDraft, type AgentView } from "./draft";
import { DuplicateButton } from "./DuplicateButton";

export function AgentActions({ agent, draft }: { agent: AgentView | null; draft: AgentDraft }) {
  const environment = useEnvironment();
  const navigate = useNavigate();
  const create = useMutation(api.agents.definitions.create);
  const update = useMutation(api.agents.definitions.update);
  const remove = useMutation(api.agents.definitions.remove);
  const admin = useIsAdmin();
  const { run, pending, error, done } = useRun();
  const save = async () => {
    if (agent)
      return void run(
        () => update({ environment, agentId: agent._id, ...agentArgs(draft) }),
        "Saved.",
      );
    const id = await run(() => create({ environment, ...agentArgs(draft) }));
    if (id) void navigate(`/${environment}/agents/${id}?tab=prompt`, { replace: true });
  };
  return (
    <Group gap="xs" align="flex-start">
      {(error || done) && (
        <Alert color={error ? "red" : "teal"} py={4} role={error ? "alert" : "status"} maw={420}>
          <Text size="sm">{error ?? done}</Text>
        </Alert>
      )}
      {agent && <DuplicateButton agent={agent} />}
      {agent && (
        <ConfirmButton
          variant="default"
          color="red"
          disabled={!admin}
          title={`Delete ${agent.name}?`}
          confirmLabel="Delete agent"
          message={
            <>
              <Text size="sm" mb="xs">
                An agent still answering a number, named by a router or set as the default cannot be
                deleted.
              </Text>
              <AgentUsage agentId={agent._id} />
            </>
          }
          onConfirm={async () => {
            await remove({ environment, agentId: agent._id });
            void navigate(`/${environment}/agents`);
          }}
        >
          Delete
        </ConfirmButton>
      )}
      <Button onClick={() => void save()} loading={pending} disabled={!admin}>
        {agent ? "Save" : "Create agent"}
      </Button>
    </Group>
  );
}
