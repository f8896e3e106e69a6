/**
 * Every page, thread and setting has a URL under its environment: `/:env/inbox/:threadId`,
 * `/:env/agents/:agentId?tab=prompt`, `/:env/activity/deliveries/:deliveryId`, … Pages are loaded
 * on first visit, so the first screen downloads only the shell and the inbox.
 */
import { lazy, type ReactNode } from "react";
import { Navigate, Route, Routes } from "react-router";
import { EnvironmentLayout } from "./shell/EnvironmentLayout";
import { NotFound } from "./shell/NotFound";

const named = <K extends string>(load: () => Promise<Record<K, React.ComponentType>>, key: K) =>
  lazy(async () => ({ default: (await load())[key] }));

const InboxPage = named(() => import("./inbox/InboxPage"), "InboxPage");
const NumbersPage = named(() => import("./numbers/NumbersPage"), "NumbersPage");
const NumberPage = named(() => import("./numbers/NumberPage"), "NumberPage");
const MetaConnectPage = named(() => import("./numbers/MetaConnectPage"), "MetaConnectPage");
const AgentsPage = named(() => import("./agents/AgentsPage"), "AgentsPage");
const AgentEditorPage = named(() => import("./agents/AgentEditorPage"), "AgentEditorPage");
const RoutersPage = named(() => import("./routers/RoutersPage"), "RoutersPage");
const RouterEditorPage = named(() => import("./routers/RouterEditorPage"), "RouterEditorPage");
const TemplatesPage = named(() => import("./templates/TemplatesPage"), "TemplatesPage");
const TemplateEditorPage = named(
  () => import("./templates/TemplateEditorPage"),
  "TemplateEditorPage",
);
const SettingsPage = named(() => import("./settings/SettingsPage"), "SettingsPage");
const ActivityPage = named(() => import("./activity/ActivityPage"), "ActivityPage");
const AnalyticsPage = named(() => import("./analytics/AnalyticsPage"), "AnalyticsPage");

export function AppRoutes({ identity }: { identity: ReactNode }) {
  return (
    <Routes>
      <Route path="/" element={<Navigate to="/development/inbox" replace />} />
      <Route path="/:env" element={<EnvironmentLayout identity={identity} />}>
        <Route index element={<Navigate to="inbox" replace />} />
        <Route path="inbox" element={<InboxPage />} />
        <Route path="inbox/:threadId" element={<InboxPage />} />
        <Route path="numbers" element={<NumbersPage />} />
        <Route path="numbers/connect/meta" element={<MetaConnectPage />} />
        <Route path="numbers/:connectionId" element={<NumberPage />} />
        <Route path="agents" element={<AgentsPage />} />
        <Route path="agents/new" element={<AgentEditorPage />} />
        <Route path="agents/:agentId" element={<AgentEditorPage />} />
        <Route path="routers" element={<RoutersPage />} />
        <Route path="routers/new" element={<RouterEditorPage />} />
        <Route path="routers/:routerId" element={<RouterEditorPage />} />
        <Route path="templates" element={<TemplatesPage />} />
        <Route path="templates/new" element={<TemplateEditorPage />} />
        <Route path="templates/:templateId" element={<TemplateEditorPage />} />
        <Route path="settings" element={<Navigate to="handoff" replace />} />
        <Route path="settings/:section" element={<SettingsPage />} />
        <Route path="activity" element={<Navigate to="deliveries" replace />} />
        <Route path="activity/:tab" element={<ActivityPage />} />
        <Route path="activity/:tab/:itemId" element={<ActivityPage />} />
        <Route path="analytics" element={<AnalyticsPage />} />
        <Route path="*" element={<NotFound />} />
      </Route>
    </Routes>
  );
}
