/**
 * Commands of the ⌘K menu: the shell's own (go to a page, switch environment, dark mode) plus
 * those the current page registers (the inbox adds take over, release, next thread, …).
 */
import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from "react";

export type Command = {
  id: string;
  label: string;
  group: string;
  /** Shortcut shown beside the command, e.g. "t" or "mod+K". */
  shortcut?: string;
  run: () => void;
};

type CommandsState = {
  pageCommands: Command[];
  setPageCommands: (commands: Command[]) => void;
  helpOpen: boolean;
  setHelpOpen: (open: boolean) => void;
};

const CommandsContext = createContext<CommandsState | null>(null);

export function CommandsProvider({ children }: { children: ReactNode }) {
  const [pageCommands, setPageCommands] = useState<Command[]>([]);
  const [helpOpen, setHelpOpen] = useState(false);
  const value = useMemo(
    () => ({ pageCommands, setPageCommands, helpOpen, setHelpOpen }),
    [pageCommands, helpOpen],
  );
  return <CommandsContext.Provider value={value}>{children}</CommandsContext.Provider>;
}

export function useCommands(): CommandsState {
  const state = useContext(CommandsContext);
  if (state === null) throw new Error("useCommands outside CommandsProvider");
  return state;
}

/** Registers the current page's commands while it is mounted. */
export function usePageCommands(commands: Command[]) {
  const { setPageCommands } = useCommands();
  useEffect(() => {
    setPageCommands(commands);
    return () => setPageCommands([]);
  }, [commands, setPageCommands]);
}
