/**
 * One webhook delivery (`/:env/activity/deliveries/:deliveryId`), loaded on its own so the
 * drawer has what the list leaves out (kept headers, failed items) and stays open, live, after
 * a replay resolves it: loading, not found and failure each have their own state.
 */
import { Drawer } from "@mantine/core";
import { useMutation, useQuery } from "convex/react";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { useEnvironment } from "../lib/environment";
import { useRun } from "../lib/useRun";
import { useIsAdmin } from "../lib/who";
import { ErrorBoundary } from "../ui/ErrorBoundary";
import { Empty, ListSkeleton } from "../ui/States";
import { DeliveryDetails } from "./DeliveryDetails";

function LoadedDelivery({ deliveryId }: { deliveryId: Id<"webhookDeliveries"> }) {
  const environment = useEnvironment();
  const delivery = useQuery(api.whatsapp.deliveries.get, { environment, deliveryId });
  const replay = useMutation(api.whatsapp.deliveries.replay);
  const admin = useIsAdmin();
  const { run, pending, error, done } = useRun();
  if (delivery === undefined) return <ListSkeleton rows={6} height={28} />;
  if (delivery === null) {
    return (
      <Empty
        title="No such delivery"
        description="It is not in this environment, or retention has deleted it."
      />
    );
  }
  return (
    <DeliveryDetails
      d={delivery}
      admin={admin}
      replay={{
        run: () =>
          void run(
            () => replay({ environment, deliveryId }),
            "Replayed: stored messages stay deduplicated.",
          ),
        pending,
        error,
        done,
      }}
    />
  );
}

type Props = { deliveryId: string | undefined; onClose: () => void };

export function DeliveryDrawer({ deliveryId, onClose }: Props) {
  return (
    <Drawer
      opened={deliveryId !== undefined}
      onClose={onClose}
      position="right"
      size="lg"
      title="Webhook delivery"
    >
      {deliveryId !== undefined && (
        <ErrorBoundary resetKey={deliveryId}>
          <LoadedDelivery key={deliveryId} deliveryId={deliveryId as Id<"webhookDeliveries">} />
        </ErrorBoundary>
      )}
    </Drawer>
  );
}
