/** Activity (`/:env/activity/deliveries|runs|hooks`): what came in, what the agents did, what went out to hooks. */
import { Tabs } from "@mantine/core";
import { useNavigate, useParams } from "react-router";
import { useEnvironment } from "../lib/environment";
import { PageHeader } from "../ui/PageHeader";
import { DeliveriesTab } from "./DeliveriesTab";
import { HooksTab } from "./HooksTab";
import { RunsTab } from "./RunsTab";

const TABS = [
  { value: "deliveries", label: "Webhook deliveries" },
  { value: "runs", label: "Agent runs" },
  { value: "hooks", label: "Hook calls" },
];

export function ActivityPage() {
  const environment = useEnvironment();
  const { tab } = useParams();
  const navigate = useNavigate();
  const current = TABS.find((t) => t.value === tab)?.value ?? "deliveries";
  return (
    <>
      <PageHeader
        title="Activity"
        description="Webhook deliveries with their verdict and replay, agent runs, and calls to your hooks."
      />
      <Tabs
        value={current}
        onChange={(v) => void navigate(`/${environment}/activity/${v}`)}
        keepMounted={false}
      >
        <Tabs.List mb="md">
          {TABS.map((t) => (
            <Tabs.Tab key={t.value} value={t.value}>
              {t.label}
            </Tabs.Tab>
          ))}
        </Tabs.List>
        <Tabs.Panel value="deliveries">
          <DeliveriesTab />
        </Tabs.Panel>
        <Tabs.Panel value="runs">
          <RunsTab />
        </Tabs.Panel>
        <Tabs.Panel value="hooks">
          <HooksTab />
        </Tabs.Panel>
      </Tabs>
    </>
  );
}
