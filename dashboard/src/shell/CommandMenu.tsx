/**
 * The ⌘K command menu: type to filter, arrows to move, Enter to run. Offers every page, the
 * other environment, dark mode, the shortcut sheet, and the current page's own commands.
 */
import { useComputedColorScheme, useMantineColorScheme } from "@mantine/core";
import { useMemo } from "react";
import { useLocation, useNavigate } from "react-router";
import { switchEnvironmentPath, useEnvironment } from "../lib/environment";
import { CommandList } from "./CommandList";
import { useCommands, type Command } from "./commands";
import { NAV_ITEMS } from "./nav";

function useShellCommands(): Command[] {
  const navigate = useNavigate();
  const environment = useEnvironment();
  const { pathname } = useLocation();
  const { setColorScheme } = useMantineColorScheme();
  const scheme = useComputedColorScheme("light");
  const { setHelpOpen } = useCommands();
  return useMemo(() => {
    const other = environment === "development" ? "production" : "development";
    const go: Command[] = NAV_ITEMS.map((item) => ({
      id: `go-${item.path}`,
      label: `Go to ${item.label}`,
      group: "Navigate",
      run: () => void navigate(`/${environment}/${item.path}`),
    }));
    return [
      ...go,
      {
        id: "new-agent",
        label: "New agent",
        group: "Create",
        run: () => void navigate(`/${environment}/agents/new`),
      },
      {
        id: "new-router",
        label: "New router",
        group: "Create",
        run: () => void navigate(`/${environment}/routers/new`),
      },
      {
        id: "switch-env",
        label: `Switch to ${other}`,
        group: "Environment",
        run: () => void navigate(switchEnvironmentPath(pathname, other)),
      },
      {
        id: "scheme",
        label: scheme === "dark" ? "Light mode" : "Dark mode",
        group: "Appearance",
        run: () => setColorScheme(scheme === "dark" ? "light" : "dark"),
      },
      {
        id: "help",
        label: "Keyboard shortcuts",
        group: "Help",
        shortcut: "?",
        run: () => setHelpOpen(true),
      },
    ];
  }, [navigate, environment, pathname, scheme, setColorScheme, setHelpOpen]);
}

export function CommandMenu({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const shell = useShellCommands();
  const { pageCommands } = useCommands();
  const commands = useMemo(() => [...pageCommands, ...shell], [pageCommands, shell]);
  return <CommandList opened={opened} onClose={onClose} commands={commands} />;
}
