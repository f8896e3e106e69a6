/** Save (create or update) and delete a router; deleting is refused while a number uses it. */
import { Alert, Button, Group, Text } from "@mantine/core";
import { useMutation } from "convex/react";
import { useNavigate } from "react-router";
import { api } from "../../../convex/_generated/api";
import { useEnvironment } from "../lib/environment";
import { useRun } from "../lib/useRun";
import { useIsAdmin } from "../lib/who";
import { ConfirmButton } from "../ui/ConfirmButton";
import { routerArgs, type RouterDraft, type RouterView } from "./draft";

export function RouterActions({
  router,
  draft,
}: {
  router: RouterView | null;
  draft: RouterDraft;
}) {
  const environment = useEnvironment();
  const navigate = useNavigate();
  const create = useMutation(api.agents.routers.create);
  const update = useMutation(api.agents.routers.update);
  const remove = useMutation(api.agents.routers.remove);
  const admin = useIsAdmin();
  const { run, pending, error, done } = useRun();
  const incomplete = draft.rules.some((r) => r.agentId === null);
  const save = async () => {
    const args = routerArgs(draft);
    if (router)
      return void run(() => update({ environment, routerId: router._id, ...args }), "Saved.");
    const id = await run(() => create({ environment, ...args }));
    if (id) void navigate(`/${environment}/routers/${id}`, { replace: true });
  };
  return (
    <Group gap="xs" align="flex-start">
      {(error || done) && (
        <Alert color={error ? "red" : "teal"} py={4} role={error ? "alert" : "status"} maw={420}>
          <Text size="sm">{error ?? done}</Text>
        </Alert>
      )}
      {router && (
        <ConfirmButton
          variant="default"
          color="red"
          disabled={!admin}
          title={`Delete ${router.name}?`}
          confirmLabel="Delete router"
          message="Numbers it answers must be given another agent or router first."
          onConfirm={async () => {
            await remove({ environment, routerId: router._id });
            void navigate(`/${environment}/routers`);
          }}
        >
          Delete
        </ConfirmButton>
      )}
      <Button
        onClick={() => void save()}
        loading={pending}
        disabled={!admin || incomplete}
        title={incomplete ? "Every rule needs an agent" : undefined}
      >
        {router ? "Save" : "Create router"}
      </Button>
    </Group>
  );
}
