/**
 * The app shell: header (environment badge and switch, live dot, command menu, dark mode,
 * organization), navigation, and the page. Global shortcuts: ⌘K / Ctrl+K for the command menu,
 * ? for the shortcut sheet.
 */
import { AppShell } from "@mantine/core";
import { useDisclosure, useHotkeys } from "@mantine/hooks";
import type { ReactNode } from "react";
import { useEnvironment } from "../lib/environment";
import { ENVIRONMENT_COLOR } from "../theme";
import { CommandMenu } from "./CommandMenu";
import { CommandsProvider, useCommands } from "./commands";
import { NavMenu } from "./NavMenu";
import { ShellHeader } from "./ShellHeader";
import { ShortcutHelp } from "./ShortcutHelp";

function ShellFrame({ identity, children }: { identity: ReactNode; children: ReactNode }) {
  const environment = useEnvironment();
  const [navOpened, nav] = useDisclosure(false);
  const [menuOpened, menu] = useDisclosure(false);
  const { helpOpen, setHelpOpen } = useCommands();
  useHotkeys([["mod+K", menu.toggle]], []);
  useHotkeys([["shift+?", () => setHelpOpen(true)]]);
  return (
    <AppShell
      header={{ height: 60 }}
      navbar={{ width: 220, breakpoint: "sm", collapsed: { mobile: !navOpened } }}
      padding="md"
      styles={{
        header: { borderTop: `3px solid var(--mantine-color-${ENVIRONMENT_COLOR[environment]}-6)` },
      }}
    >
      <AppShell.Header>
        <ShellHeader
          identity={identity}
          navOpened={navOpened}
          onToggleNav={nav.toggle}
          onOpenMenu={menu.open}
        />
      </AppShell.Header>
      <AppShell.Navbar p="xs">
        <NavMenu onNavigate={nav.close} />
      </AppShell.Navbar>
      <AppShell.Main>{children}</AppShell.Main>
      <CommandMenu opened={menuOpened} onClose={menu.close} />
      <ShortcutHelp opened={helpOpen} onClose={() => setHelpOpen(false)} />
    </AppShell>
  );
}

export function Shell(props: { identity: ReactNode; children: ReactNode }) {
  return (
    <CommandsProvider>
      <ShellFrame {...props} />
    </CommandsProvider>
  );
}
