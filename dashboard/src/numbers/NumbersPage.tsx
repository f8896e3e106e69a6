/** Numbers of one environment: WhatsApp on/off, the default agent, every number, and connecting more. */
import { Button, SimpleGrid, Stack } from "@mantine/core";
import { IconPhoneOff } from "@tabler/icons-react";
import { Link } from "react-router";
import { useIsAdmin } from "../lib/who";
import { PageHeader } from "../ui/PageHeader";
import { Empty, ListSkeleton } from "../ui/States";
import { IntegrationCard } from "./IntegrationCard";
import { KapsoConnectButton } from "./KapsoConnectButton";
import { NumberCard } from "./NumberCard";
import { useNumbersData } from "./useNumbersData";

export function NumbersPage() {
  const data = useNumbersData();
  const admin = useIsAdmin();
  const canConnect = admin && data?.status.enabled === true;
  return (
    <>
      <PageHeader
        title="Numbers"
        description="Connect WhatsApp Business numbers and choose who answers each: an agent, or a router that picks one."
        actions={
          <>
            <KapsoConnectButton disabled={!canConnect} />
            <Button variant="default" component={Link} to="connect/meta" disabled={!canConnect}>
              Connect with Meta directly
            </Button>
          </>
        }
      />
      {data === null ? (
        <ListSkeleton rows={3} height={120} />
      ) : (
        <Stack>
          <IntegrationCard data={data} />
          {data.status.connections.length === 0 ? (
            <Empty
              icon={<IconPhoneOff size={28} />}
              title="No numbers yet"
              description="Connect a number through Kapso's setup link or with your own Meta app."
            />
          ) : (
            <SimpleGrid cols={{ base: 1, md: 2, xl: 3 }}>
              {data.status.connections.map((c) => (
                <NumberCard key={c._id} connection={c} data={data} />
              ))}
            </SimpleGrid>
          )}
        </Stack>
      )}
    </>
  );
}
