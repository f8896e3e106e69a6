/**
 * The CLI's command table: each command names the public functions it calls, builds their
 * arguments from the parsed flags, and formats the result for humans. `--json` prints the
 * returned `data` unchanged inside a stable envelope (see README, "CLI").
 */
import { makeFunctionReference } from "convex/server";

export type Flags = Record<string, string | boolean>;
export type Parsed = { words: string[]; flags: Flags };

/** The part of ConvexHttpClient the CLI uses (tests pass a recording fake). */
export type Caller = {
  query(path: string, args: Record<string, unknown>): Promise<unknown>;
  mutation(path: string, args: Record<string, unknown>): Promise<unknown>;
  action(path: string, args: Record<string, unknown>): Promise<unknown>;
};

export class CliError extends Error {
  constructor(
    public code: string,
    message: string,
  ) {
    super(message);
  }
}

export type Command = {
  /** Words that select the command, e.g. `["whatsapp", "status"]`. */
  name: string[];
  usage: string;
  run(call: Caller, p: Parsed, env: Record<string, unknown>): Promise<unknown>;
  human(data: unknown): string;
};

/** Wraps a ConvexHttpClient (function names as strings, `module:export`). */
export function httpCaller(client: {
  query: (...a: never[]) => Promise<unknown>;
  mutation: (...a: never[]) => Promise<unknown>;
  action: (...a: never[]) => Promise<unknown>;
}): Caller {
  const c = client as unknown as {
    query(ref: unknown, args: unknown): Promise<unknown>;
    mutation(ref: unknown, args: unknown): Promise<unknown>;
    action(ref: unknown, args: unknown): Promise<unknown>;
  };
  return {
    query: (path, args) => c.query(makeFunctionReference<"query">(path), args),
    mutation: (path, args) => c.mutation(makeFunctionReference<"mutation">(path), args),
    action: (path, args) => c.action(makeFunctionReference<"action">(path), args),
  };
}

function need(p: Parsed, flag: string): string {
  const value = p.flags[flag];
  if (typeof value !== "string" || value === "") {
    throw new CliError("USAGE", `--${flag} <value> is required`);
  }
  return value;
}

function positional(p: Parsed, index: number, what: string): string {
  const value = p.words[index];
  if (value === undefined) throw new CliError("USAGE", `${what} is required`);
  return value;
}

type ConnectionView = {
  _id: string;
  label: string;
  status: string;
  provider: string;
  phoneNumber?: string;
  agentId?: string;
  routerId?: string;
};
type Status = {
  enabled: boolean;
  integrationStatus: string;
  connections: ConnectionView[];
};

/** `--connection <id>`, or the only connected number of the environment. */
async function connectionId(call: Caller, p: Parsed, env: Record<string, unknown>) {
  if (typeof p.flags.connection === "string") return p.flags.connection;
  const status = (await call.query("whatsapp/connections:getStatus", env)) as Status;
  const connected = status.connections.filter((c) => c.status === "connected");
  if (connected.length === 1) return connected[0]!._id;
  throw new CliError(
    "USAGE",
    connected.length === 0
      ? "No connected number in this environment."
      : "Several connected numbers: pass --connection <id>.",
  );
}

const time = (ms: number | undefined) => (ms ? new Date(ms).toISOString() : "-");
const table = (rows: string[][]) => {
  if (rows.length <= 1) return "(none)";
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
};

type Page<T> = { page: T[]; isDone: boolean; continueCursor: string };

export const COMMANDS: Command[] = [
  {
    name: ["whatsapp", "status"],
    usage: "whatsapp status",
    run: (call, _p, env) => call.query("whatsapp/connections:getStatus", env),
    human: (data) => {
      const s = data as Status;
      return [
        `WhatsApp: ${s.enabled ? "enabled" : "not enabled"} (${s.integrationStatus})`,
        table([
          ["ID", "LABEL", "NUMBER", "STATUS", "HANDLER"],
          ...s.connections.map((c) => [
            c._id,
            c.label,
            c.phoneNumber ?? "-",
            c.status,
            c.agentId ? `agent ${c.agentId}` : c.routerId ? `router ${c.routerId}` : "NONE",
          ]),
        ]),
      ].join("\n");
    },
  },
  {
    name: ["whatsapp", "set-agent"],
    usage: "whatsapp set-agent --slug <agent> [--connection <id>]",
    run: async (call, p, env) => {
      const slug = need(p, "slug");
      const agent = (await call.query("agents/definitions:getBySlug", { ...env, slug })) as {
        _id: string;
      } | null;
      if (agent === null) throw new CliError("NOT_FOUND", `No agent with slug "${slug}".`);
      const id = await connectionId(call, p, env);
      await call.mutation("whatsapp/connections:setAgent", {
        ...env,
        connectionId: id,
        agentId: agent._id,
        replaceRouter: true,
      });
      return { connectionId: id, agentId: agent._id, slug };
    },
    human: (data) => {
      const d = data as { connectionId: string; slug: string };
      return `Connection ${d.connectionId} now answers with agent "${d.slug}".`;
    },
  },
  {
    name: ["whatsapp", "set-router"],
    usage: "whatsapp set-router --slug <router> [--connection <id>]",
    run: async (call, p, env) => {
      const slug = need(p, "slug");
      const routers = (await call.query("agents/routers:list", env)) as {
        _id: string;
        slug: string;
      }[];
      const router = routers.find((r) => r.slug === slug);
      if (router === undefined) throw new CliError("NOT_FOUND", `No router with slug "${slug}".`);
      const id = await connectionId(call, p, env);
      await call.mutation("whatsapp/connections:setRouter", {
        ...env,
        connectionId: id,
        routerId: router._id,
        replaceAgent: true,
      });
      return { connectionId: id, routerId: router._id, slug };
    },
    human: (data) => {
      const d = data as { connectionId: string; slug: string };
      return `Connection ${d.connectionId} now routes through "${d.slug}".`;
    },
  },
  {
    name: ["threads", "list"],
    usage: "threads list [--limit <n>]",
    run: async (call, p, env) => {
      const numItems = Number(p.flags.limit ?? 20);
      const page = (await call.query("inbox/threads:list", {
        ...env,
        paginationOpts: { numItems, cursor: null },
      })) as Page<unknown>;
      return page.page;
    },
    human: (data) =>
      table([
        ["ID", "CUSTOMER", "NAME", "OWNER", "LAST MESSAGE"],
        ...(
          data as {
            _id: string;
            owner: string;
            lastMessageAt: number;
            channelParams: { phoneNumber?: string; contactName?: string };
          }[]
        ).map((t) => [
          t._id,
          t.channelParams.phoneNumber ?? "-",
          t.channelParams.contactName ?? "-",
          t.owner,
          time(t.lastMessageAt),
        ]),
      ]),
  },
  {
    name: ["messages", "list"],
    usage: "messages list --thread <id> [--limit <n>]",
    run: async (call, p, env) => {
      const page = (await call.query("inbox/threads:messages", {
        ...env,
        threadId: need(p, "thread"),
        paginationOpts: { numItems: Number(p.flags.limit ?? 50), cursor: null },
      })) as Page<unknown>;
      return [...page.page].reverse(); // oldest first
    },
    human: (data) =>
      (
        data as {
          role: string;
          content: string;
          createdAt: number;
          channelData: { status: string; direction: string };
        }[]
      )
        .map(
          (m) =>
            `${time(m.createdAt)}  ${m.role.padEnd(9)} ${m.content}` +
            (m.channelData.direction === "outbound" ? `  [${m.channelData.status}]` : ""),
        )
        .join("\n") || "(no messages)",
  },
  {
    name: ["handoff", "take"],
    usage: "handoff take --thread <id> [--summary <text>]",
    run: async (call, p, env) => {
      const threadId = need(p, "thread");
      const summary = typeof p.flags.summary === "string" ? p.flags.summary : undefined;
      const changed = await call.mutation("inbox/threads:takeOver", {
        ...env,
        threadId,
        ...(summary ? { summary } : {}),
      });
      return { threadId, owner: "human", changed };
    },
    human: (data) => {
      const d = data as { threadId: string; changed: boolean };
      return d.changed
        ? `You now own thread ${d.threadId}; the AI stays silent.`
        : `Thread ${d.threadId} was already owned by a human.`;
    },
  },
  {
    name: ["handoff", "release"],
    usage: "handoff release --thread <id>",
    run: async (call, p, env) => {
      const threadId = need(p, "thread");
      const changed = await call.mutation("inbox/threads:release", { ...env, threadId });
      return { threadId, owner: "ai", changed };
    },
    human: (data) => {
      const d = data as { threadId: string; changed: boolean };
      return d.changed
        ? `Thread ${d.threadId} is back with the AI.`
        : `Thread ${d.threadId} was already with the AI.`;
    },
  },
  {
    name: ["templates", "list"],
    usage: "templates list [--connection <id>]",
    run: async (call, p, env) =>
      call.query("whatsapp/templates:list", {
        ...env,
        connectionId: await connectionId(call, p, env),
      }),
    human: (data) =>
      table([
        ["ID", "NAME", "LANGUAGE", "CATEGORY", "STATUS"],
        ...(
          data as {
            _id: string;
            name: string;
            language: string;
            category: string;
            status: string;
          }[]
        ).map((t) => [t._id, t.name, t.language, t.category, t.status]),
      ]),
  },
  {
    name: ["templates", "create"],
    usage:
      "templates create --name <name> --language <code> --category UTILITY|MARKETING|AUTHENTICATION --components '<json>' [--parameter-format NAMED|POSITIONAL] [--connection <id>]",
    run: async (call, p, env) => {
      let components: unknown;
      try {
        components = JSON.parse(need(p, "components"));
      } catch (error) {
        if (error instanceof CliError) throw error;
        throw new CliError("USAGE", "--components must be a JSON array");
      }
      if (!Array.isArray(components))
        throw new CliError("USAGE", "--components must be a JSON array");
      const format = p.flags["parameter-format"];
      const templateId = await call.action("whatsapp/templates:create", {
        ...env,
        connectionId: await connectionId(call, p, env),
        name: need(p, "name"),
        language: need(p, "language"),
        category: need(p, "category"),
        ...(typeof format === "string" ? { parameterFormat: format } : {}),
        components,
      });
      return { templateId };
    },
    human: (data) => `Template created: ${(data as { templateId: string }).templateId}`,
  },
  {
    name: ["templates", "delete"],
    usage: "templates delete <templateId>",
    run: async (call, p, env) => {
      const templateId = positional(p, 2, "templateId");
      await call.action("whatsapp/templates:remove", { ...env, templateId });
      return { templateId, deleted: true };
    },
    human: (data) => `Template ${(data as { templateId: string }).templateId} deleted.`,
  },
  {
    name: ["deliveries", "list"],
    usage: "deliveries list [--failed] [--limit <n>]",
    run: (call, p, env) =>
      call.query("whatsapp/deliveries:list", {
        ...env,
        ...(p.flags.failed === true ? { failedOnly: true } : {}),
        ...(p.flags.limit !== undefined ? { limit: Number(p.flags.limit) } : {}),
      }),
    human: (data) =>
      table([
        ["ID", "RECEIVED", "SOURCE", "EVENT", "VERDICT", "OUTCOME"],
        ...(
          data as {
            _id: string;
            receivedAt: number;
            source: string;
            eventType?: string;
            verdict: string;
            failed: boolean;
            deadLetter?: { reason: string };
            replays: number;
          }[]
        ).map((d) => [
          d._id,
          time(d.receivedAt),
          d.source,
          d.eventType ?? "-",
          d.verdict,
          d.failed ? `failed: ${d.deadLetter?.reason ?? "?"}` : "ok",
        ]),
      ]),
  },
  {
    name: ["deliveries", "replay"],
    usage: "deliveries replay <deliveryId>",
    run: (call, p, env) =>
      call.mutation("whatsapp/deliveries:replay", {
        ...env,
        deliveryId: positional(p, 2, "deliveryId"),
      }),
    human: (data) => {
      const d = data as { _id: string; replays: number; failed: boolean };
      return `Delivery ${d._id} replayed (${d.replays} replay(s) so far; ${d.failed ? "still failing" : "ok"}).`;
    },
  },
];

/** `--flag value`, `--flag=value` and bare `--flag` (true); everything else is a word. */
export function parseArgs(argv: string[]): Parsed {
  const words: string[] = [];
  const flags: Flags = {};
  const BOOLEAN = new Set(["json", "failed", "help"]);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith("--")) {
      words.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    if (eq !== -1) {
      flags[arg.slice(2, eq)] = arg.slice(eq + 1);
    } else if (BOOLEAN.has(arg.slice(2)) || i + 1 >= argv.length || argv[i + 1]!.startsWith("--")) {
      flags[arg.slice(2)] = true;
    } else {
      flags[arg.slice(2)] = argv[++i]!;
    }
  }
  return { words, flags };
}

export function findCommand(words: string[]): Command | undefined {
  return COMMANDS.find((c) => c.name.every((w, i) => words[i] === w));
}

export function usage(): string {
  return ["Usage: npm run cli -- <command> [--json] [--env development|production]", ""]
    .concat(COMMANDS.map((c) => `  ${c.usage}`))
    .join("\n");
}

/** Runs one command line; returns the exit code. Output goes through `out`. */
export async function runCli(
  argv: string[],
  call: Caller,
  out: (text: string) => void,
): Promise<number> {
  const parsed = parseArgs(argv);
  const json = parsed.flags.json === true;
  const command = findCommand(parsed.words);
  const name = command?.name.join(" ") ?? parsed.words.join(" ");
  if (command === undefined || parsed.flags.help === true) {
    if (json) {
      out(JSON.stringify({ ok: false, command: name, error: { code: "USAGE", message: usage() } }));
    } else {
      out(usage());
    }
    return command === undefined ? 2 : 0;
  }
  const environment =
    typeof parsed.flags.env === "string"
      ? parsed.flags.env
      : (process.env.SWITCHBOARD_ENV ?? "development");
  try {
    const data = await command.run(call, parsed, { environment });
    out(json ? JSON.stringify({ ok: true, command: name, data }, null, 2) : command.human(data));
    return 0;
  } catch (error) {
    const data = (error as { data?: { code?: string; message?: string } }).data;
    const code = error instanceof CliError ? error.code : (data?.code ?? "ERROR");
    const message =
      error instanceof CliError
        ? error.message
        : (data?.message ?? (error instanceof Error ? error.message : String(error)));
    out(
      json
        ? JSON.stringify({ ok: false, command: name, error: { code, message } }, null, 2)
        : `Error (${code}): ${message}`,
    );
    return 1;
  }
}
