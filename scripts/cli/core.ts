/**
 * The CLI's building blocks: the typed `Caller` (a ConvexHttpClient in use, a recording fake in
 * tests), how a command declares its positional arguments and `--options` (parsed by Node's
 * `util.parseArgs`, typed from the declaration), and the small helpers commands share.
 */
import type { ConvexHttpClient } from "convex/browser";
import type { FunctionArgs, FunctionReference, FunctionReturnType } from "convex/server";
import { api } from "../../convex/_generated/api";
import type { Id, TableNames } from "../../convex/_generated/dataModel";
import type { Environment } from "../../convex/lib/validators";

/** The part of ConvexHttpClient the CLI uses, typed by the `api.*` reference called. */
export type Caller = {
  query<F extends FunctionReference<"query">>(
    fn: F,
    args: FunctionArgs<F>,
  ): Promise<FunctionReturnType<F>>;
  mutation<F extends FunctionReference<"mutation">>(
    fn: F,
    args: FunctionArgs<F>,
  ): Promise<FunctionReturnType<F>>;
  action<F extends FunctionReference<"action">>(
    fn: F,
    args: FunctionArgs<F>,
  ): Promise<FunctionReturnType<F>>;
};

/** Wraps a ConvexHttpClient: every CLI call carries arguments, so none is optional here. */
export function httpCaller(client: ConvexHttpClient): Caller {
  return {
    query: (fn, args) => client.query(fn, args),
    mutation: (fn, args) => client.mutation(fn, args),
    action: (fn, args) => client.action(fn, args),
  };
}

/**
 * A Caller that opens its connection on the first call, so `--help` and usage errors work
 * without a deployment, and a connection failure is reported like any other error.
 */
export function lazyCaller(open: () => Promise<Caller>): Caller {
  let opened: Promise<Caller> | undefined;
  const caller = () => (opened ??= open());
  return {
    query: async (fn, args) => (await caller()).query(fn, args),
    mutation: async (fn, args) => (await caller()).mutation(fn, args),
    action: async (fn, args) => (await caller()).action(fn, args),
  };
}

/** A failure the CLI itself detects (`USAGE`, `NOT_FOUND`); backend errors keep their own code. */
export class CliError extends Error {
  constructor(
    public code: string,
    message: string,
  ) {
    super(message);
  }
}

export type Env = { environment: Environment };

export type OptionSpec = {
  type: "string" | "boolean";
  /** Placeholder shown in usage and help, e.g. `<id>`. */
  value?: string;
  help: string;
  /** One-letter alias, e.g. `h` for `-h`. */
  short?: string;
  required?: boolean;
  /** Accepted values of a string option; anything else is a usage error. */
  choices?: readonly string[];
};
export type Options = Record<string, OptionSpec>;

type RequiredKeys<O extends Options> = {
  [K in keyof O]: O[K] extends { required: true } ? K : never;
}[keyof O];
type ValueOf<S extends OptionSpec> = S extends { type: "boolean" }
  ? boolean
  : S extends { choices: readonly (infer C)[] }
    ? C
    : string;
/** The parsed `--options` of a command: required ones are present, the others may be absent. */
export type Values<O extends Options> = { [K in RequiredKeys<O>]: ValueOf<O[K]> } & {
  [K in Exclude<keyof O, RequiredKeys<O>>]?: ValueOf<O[K]>;
};

export type Input<O extends Options> = {
  call: Caller;
  env: Env;
  values: Values<O>;
  /** The positional arguments, one per name in `args` (all present). */
  args: string[];
};

export type Command<O extends Options = Options, D = unknown> = {
  /** Words that select the command, e.g. `["whatsapp", "status"]`. */
  name: [string, string];
  summary: string;
  /** Names of required positional arguments, e.g. `["templateId"]`. */
  args?: string[];
  options: O;
  run(input: Input<O>): Promise<D>;
  human(data: D): string;
};

/** Declares a command; its options' types flow into `run` and its result's type into `human`. */
export function defineCommand<const O extends Options, D>(command: Command<O, D>): Command {
  return command as unknown as Command;
}

/** A document id typed for the API from a command-line string (the backend validates it). */
export const asId = <T extends TableNames>(value: string) => value as Id<T>;

/** Drops keys whose value is undefined, so an update changes only the fields given. */
export function defined<T extends Record<string, unknown>>(obj: T): T {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}

/** The JSON of an option that must hold an array. */
export function jsonArray(value: string, flag: string): unknown[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new CliError("USAGE", `--${flag} must be a JSON array`);
  }
  if (!Array.isArray(parsed)) throw new CliError("USAGE", `--${flag} must be a JSON array`);
  return parsed;
}

/** A number option, optionally required to be a positive integer. */
export function numberOption(value: string, flag: string, integer = false): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || (integer && (!Number.isInteger(n) || n < 1))) {
    throw new CliError("USAGE", `--${flag} must be ${integer ? "a positive integer" : "a number"}`);
  }
  return n;
}

/** A comma-separated list option (`a,b`); an empty value is an empty list. */
export const listOption = (value: string) =>
  value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");

/** `--connection <id>`, or the only connected number of the environment. */
export async function connectionId(
  call: Caller,
  env: Env,
  given: string | undefined,
): Promise<Id<"whatsappConnections">> {
  if (given !== undefined) return asId<"whatsappConnections">(given);
  const status = await call.query(api.whatsapp.connections.getStatus, env);
  const connected = status.connections.filter((c) => c.status === "connected");
  if (connected.length === 1) return connected[0]!._id;
  throw new CliError(
    "USAGE",
    connected.length === 0
      ? "No connected number in this environment."
      : "Several connected numbers: pass --connection <id>.",
  );
}

/** The agent with this slug in the environment, or NOT_FOUND. */
export async function agentBySlug(call: Caller, env: Env, slug: string) {
  const agent = await call.query(api.agents.definitions.getBySlug, { ...env, slug });
  if (agent === null) throw new CliError("NOT_FOUND", `No agent with slug "${slug}".`);
  return agent;
}

/** Resolves agent slugs with one read of the agent list (NOT_FOUND for an unknown slug). */
export async function agentResolver(call: Caller, env: Env) {
  const agents = await call.query(api.agents.definitions.list, env);
  return (slug: string): Id<"agents"> => {
    const agent = agents.find((a) => a.slug === slug);
    if (agent === undefined) throw new CliError("NOT_FOUND", `No agent with slug "${slug}".`);
    return agent._id;
  };
}

/** An `on|off` option: accepted values for `choices`, and its value as a boolean. */
export const ON_OFF = ["on", "off"] as const;
export const onOff = (value: "on" | "off" | undefined) =>
  value === undefined ? undefined : value === "on";

export const time = (ms: number | undefined) => (ms ? new Date(ms).toISOString() : "-");

/** Aligned columns; the first row is the header. */
export function table(rows: string[][]): string {
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
}
