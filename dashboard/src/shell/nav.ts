/** The pages of the navigation, in order, with their icons (also the ⌘K "Go to" commands). */
import {
  IconActivity,
  IconChartBar,
  IconGitFork,
  IconInbox,
  IconPhone,
  IconRobot,
  IconSettings,
  IconTemplate,
} from "@tabler/icons-react";

export const NAV_ITEMS = [
  { path: "inbox", label: "Inbox", icon: IconInbox },
  { path: "numbers", label: "Numbers", icon: IconPhone },
  { path: "agents", label: "Agents", icon: IconRobot },
  { path: "routers", label: "Routers", icon: IconGitFork },
  { path: "templates", label: "Templates", icon: IconTemplate },
  { path: "activity", label: "Activity", icon: IconActivity },
  { path: "analytics", label: "Analytics", icon: IconChartBar },
  { path: "settings", label: "Settings", icon: IconSettings },
] as const;
