/** The header bar: brand, organization and role, environment, live dot and quick actions. */
import { ActionIcon, Burger, Group, Kbd, Text, Tooltip, UnstyledButton } from "@mantine/core";
import { IconCommand, IconKeyboard } from "@tabler/icons-react";
import type { ReactNode } from "react";
import { Link } from "react-router";
import { useEnvironment } from "../lib/environment";
import { useWho } from "../lib/who";
import { ColorSchemeToggle } from "./ColorSchemeToggle";
import { useCommands } from "./commands";
import { ConnectionDot } from "./ConnectionDot";
import { EnvironmentSwitch } from "./EnvironmentSwitch";

type Props = {
  identity: ReactNode;
  navOpened: boolean;
  onToggleNav: () => void;
  onOpenMenu: () => void;
};

export function ShellHeader({ identity, navOpened, onToggleNav, onOpenMenu }: Props) {
  const who = useWho();
  const environment = useEnvironment();
  const { setHelpOpen } = useCommands();
  return (
    <Group h="100%" px="md" justify="space-between" wrap="nowrap">
      <Group gap="sm" wrap="nowrap">
        <Burger
          opened={navOpened}
          onClick={onToggleNav}
          hiddenFrom="sm"
          size="sm"
          aria-label="Toggle navigation"
        />
        <UnstyledButton component={Link} to={`/${environment}/inbox`} aria-label="Switchboard home">
          <Text fw={750} size="lg">
            Switchboard
          </Text>
        </UnstyledButton>
        <Text size="sm" c="dimmed" visibleFrom="md">
          {who.organizationName} · {who.role}
        </Text>
      </Group>
      <Group gap="sm" wrap="nowrap">
        <EnvironmentSwitch />
        <ConnectionDot />
        <Tooltip label="Command menu (⌘K / Ctrl+K)">
          <UnstyledButton onClick={onOpenMenu} aria-label="Open the command menu" visibleFrom="sm">
            <Group gap={4}>
              <IconCommand size={16} />
              <Kbd size="xs">K</Kbd>
            </Group>
          </UnstyledButton>
        </Tooltip>
        <Tooltip label="Keyboard shortcuts (?)">
          <ActionIcon
            variant="default"
            size="lg"
            onClick={() => setHelpOpen(true)}
            aria-label="Keyboard shortcuts"
          >
            <IconKeyboard size={18} />
          </ActionIcon>
        </Tooltip>
        <ColorSchemeToggle />
        {identity}
      </Group>
    </Group>
  );
}
