/** Settings of the environment (`/:env/settings/handoff|hooks|limits|…`), one tab per section. */
import { Button, Tabs } from "@mantine/core";
import { useQuery } from "convex/react";
import { Link, useNavigate, useParams } from "react-router";
import { api } from "../../../convex/_generated/api";
import { useEnvironment } from "../lib/environment";
import { PageHeader } from "../ui/PageHeader";
import { Empty, ListSkeleton } from "../ui/States";
import { BusinessProfileForm } from "./BusinessProfileForm";
import { HandoffForm } from "./HandoffForm";
import { HooksForm } from "./HooksForm";
import { LimitsSection } from "./LimitsSection";
import { MemoryPools } from "./MemoryPools";
import { SignalsForm } from "./SignalsForm";

const SECTIONS = [
  { value: "handoff", label: "Handoff" },
  { value: "signals", label: "Signals & escalation" },
  { value: "hooks", label: "Notifications & hooks" },
  { value: "memory", label: "Memory pools" },
  { value: "business", label: "Business profile" },
  { value: "limits", label: "Limits" },
];

/** Sections that do not belong to the WhatsApp integration, shown even while it is off. */
const WITHOUT_WHATSAPP = ["memory", "business", "limits"];

export function SettingsPage() {
  const environment = useEnvironment();
  const { section } = useParams();
  const navigate = useNavigate();
  const settings = useQuery(api.inbox.handoff.getSettings, { environment });
  const status = useQuery(api.whatsapp.connections.getStatus, { environment });
  const current = SECTIONS.find((s) => s.value === section)?.value ?? "handoff";
  const needsWhatsApp =
    status !== undefined && !status.enabled && !WITHOUT_WHATSAPP.includes(current);
  return (
    <>
      <PageHeader
        title="Settings"
        description={`How conversations reach people in ${environment}, and what numbers share.`}
      />
      <Tabs
        value={current}
        onChange={(v) => void navigate(`/${environment}/settings/${v}`)}
        keepMounted={false}
      >
        <Tabs.List mb="md">
          {SECTIONS.map((s) => (
            <Tabs.Tab key={s.value} value={s.value}>
              {s.label}
            </Tabs.Tab>
          ))}
        </Tabs.List>
        {needsWhatsApp ? (
          <Empty
            title="WhatsApp is not enabled here"
            description="Handoff settings belong to the environment's WhatsApp integration."
            action={
              <Button component={Link} to={`/${environment}/numbers`}>
                Enable it on Numbers
              </Button>
            }
          />
        ) : settings === undefined ? (
          <ListSkeleton />
        ) : (
          <>
            <Tabs.Panel value="handoff">
              <HandoffForm settings={settings} />
            </Tabs.Panel>
            <Tabs.Panel value="signals">
              <SignalsForm />
            </Tabs.Panel>
            <Tabs.Panel value="hooks">
              <HooksForm settings={settings} />
            </Tabs.Panel>
            <Tabs.Panel value="memory">
              <MemoryPools />
            </Tabs.Panel>
            <Tabs.Panel value="business">
              <BusinessProfileForm />
            </Tabs.Panel>
            <Tabs.Panel value="limits">
              <LimitsSection />
            </Tabs.Panel>
          </>
        )}
      </Tabs>
    </>
  );
}
