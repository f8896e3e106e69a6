/**
 * The CLI's command table and runner: finds the command from its two words, parses its options
 * with Node's `util.parseArgs` (strict: unknown options and missing values are usage errors),
 * prints `--help` per command, and wraps the result in the stable `--json` envelope
 * (see README, "CLI"). The commands themselves live next to this file, one file per area.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { AGENT_COMMANDS } from "./agents";
import { BUSINESS_COMMANDS } from "./business";
import { CliError, type Caller, type Command, type Env, type Options, type Values } from "./core";
import { DELIVERY_COMMANDS } from "./deliveries";
import { HANDOFF_COMMANDS } from "./handoff";
import { INBOX_COMMANDS } from "./inbox";
import { ROUTER_COMMANDS } from "./routers";
import { TEMPLATE_COMMANDS } from "./templates";
import { WHATSAPP_COMMANDS } from "./whatsapp";

export { CliError, httpCaller, type Caller, type Command } from "./core";

export const COMMANDS: Command[] = [
  ...WHATSAPP_COMMANDS,
  ...INBOX_COMMANDS,
  ...HANDOFF_COMMANDS,
  ...TEMPLATE_COMMANDS,
  ...DELIVERY_COMMANDS,
  ...AGENT_COMMANDS,
  ...ROUTER_COMMANDS,
  ...BUSINESS_COMMANDS,
];

/** Options every command accepts. */
const GLOBAL_OPTIONS: Options = {
  json: { type: "boolean", help: "Print one JSON document: { ok, command, data | error }." },
  env: {
    type: "string",
    value: "development|production",
    help: "The environment (default: $SWITCHBOARD_ENV or development).",
    choices: ["development", "production"],
  },
  help: { type: "boolean", short: "h", help: "Show this command's options." },
};

const HEADER = "Usage: npm run cli -- <command> [options] [--json] [--env development|production]";

const flagText = (flag: string, spec: Options[string]) =>
  spec.type === "boolean" ? `--${flag}` : `--${flag} ${spec.value ?? "<value>"}`;

/** One line: the words, positional arguments, required options, then optional ones. */
export function usageLine(command: Command, abbreviate = false): string {
  const entries = Object.entries(command.options);
  const required = entries.filter(([, spec]) => spec.required).map(([f, s]) => flagText(f, s));
  const optional = entries.filter(([, spec]) => !spec.required).map(([f, s]) => flagText(f, s));
  const args = (command.args ?? []).map((a) => `<${a}>`);
  const full = [...command.name, ...args, ...required, ...optional.map((o) => `[${o}]`)];
  if (!abbreviate || full.join(" ").length <= 100) return full.join(" ");
  return [...command.name, ...args, ...required, "[options]"].join(" ");
}

export function usage(): string {
  const lines = COMMANDS.map((c) => `  ${usageLine(c, true)}`);
  return [HEADER, "", ...lines, "", "  <command> --help   the command's options"].join("\n");
}

/** `--help` of one command: its usage line, what it does, and every option. */
export function commandHelp(command: Command): string {
  const rows = Object.entries({ ...command.options, ...GLOBAL_OPTIONS }).map(([flag, spec]) => [
    (spec.short ? `-${spec.short}, ` : "") + flagText(flag, spec),
    (spec.required ? "(required) " : "") + spec.help,
  ]);
  const width = Math.max(...rows.map(([left]) => left!.length));
  return [
    `Usage: npm run cli -- ${usageLine(command)}`,
    "",
    command.summary,
    "",
    "Options:",
    ...rows.map(([left, right]) => `  ${left!.padEnd(width)}  ${right}`),
  ].join("\n");
}

/** Finds the command by its two words, wherever they stand among the options. */
function findCommand(argv: string[]): { command: Command; rest: string[] } | undefined {
  for (let i = 0; i + 1 < argv.length; i++) {
    const command = COMMANDS.find((c) => c.name[0] === argv[i] && c.name[1] === argv[i + 1]);
    if (command) return { command, rest: [...argv.slice(0, i), ...argv.slice(i + 2)] };
  }
  return undefined;
}

type RawValues = Record<string, string | boolean | undefined>;
type Parsed = { values: RawValues; args: string[] };

/** Strict parsing of one command's options, then its required options, choices and arguments. */
function parseCommand(command: Command, argv: string[]): Parsed {
  const specs = { ...command.options, ...GLOBAL_OPTIONS };
  const options: ParseArgsConfig["options"] = Object.fromEntries(
    Object.entries(specs).map(([flag, { type, short }]) => [
      flag,
      short === undefined ? { type } : { type, short },
    ]),
  );
  let parsed: { values: RawValues; positionals: string[] };
  try {
    // No option is `multiple`, so every value is a string or a boolean.
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true }) as {
      values: RawValues;
      positionals: string[];
    };
  } catch (error) {
    throw new CliError("USAGE", `${(error as Error).message}\nUsage: ${usageLine(command)}`);
  }
  const { values, positionals } = parsed;
  if (values.help === true) return { values, args: positionals };
  for (const [flag, spec] of Object.entries(specs)) {
    const value = values[flag];
    if (spec.required && (typeof value !== "string" || value === "")) {
      throw new CliError("USAGE", `--${flag} ${spec.value ?? "<value>"} is required`);
    }
    if (spec.choices && typeof value === "string" && !spec.choices.includes(value)) {
      throw new CliError("USAGE", `--${flag} must be one of ${spec.choices.join(", ")}`);
    }
  }
  const names = command.args ?? [];
  if (positionals.length < names.length) {
    throw new CliError("USAGE", `${names[positionals.length]} is required`);
  }
  if (positionals.length > names.length) {
    throw new CliError("USAGE", `Unexpected argument "${positionals[names.length]}"`);
  }
  return { values, args: positionals };
}

function environment(values: RawValues): Env {
  const name = typeof values.env === "string" ? values.env : process.env.SWITCHBOARD_ENV;
  if (name === undefined || name === "development") return { environment: "development" };
  if (name === "production") return { environment: "production" };
  throw new CliError("USAGE", `Unknown environment "${name}": development or production.`);
}

/** The envelope's error from a CLI error, a backend ConvexError (its code) or anything else. */
function errorOf(error: unknown): { code: string; message: string } {
  if (error instanceof CliError) return { code: error.code, message: error.message };
  const data = (error as { data?: { code?: string; message?: string } }).data;
  return {
    code: data?.code ?? "ERROR",
    message: data?.message ?? (error instanceof Error ? error.message : String(error)),
  };
}

const usageError = (message: string) => ({ code: "USAGE", message });

/** Runs one command line; returns the exit code (0 ok or --help, 1 failure, 2 usage). */
export async function runCli(
  argv: string[],
  call: Caller,
  out: (text: string) => void,
): Promise<number> {
  const json = argv.includes("--json");
  const found = findCommand(argv);
  const name = found?.command.name.join(" ") ?? argv.filter((a) => !a.startsWith("-")).join(" ");
  if (found === undefined) {
    const asked = argv.includes("--help") || argv.includes("-h");
    out(json ? JSON.stringify({ ok: false, command: name, error: usageError(usage()) }) : usage());
    return asked && name === "" ? 0 : 2;
  }
  const { command, rest } = found;
  try {
    const { values, args } = parseCommand(command, rest);
    if (values.help === true) {
      const help = commandHelp(command);
      out(json ? JSON.stringify({ ok: false, command: name, error: usageError(help) }) : help);
      return 0;
    }
    const input = { call, env: environment(values), values: values as Values<Options>, args };
    const data = await command.run(input);
    out(json ? JSON.stringify({ ok: true, command: name, data }, null, 2) : command.human(data));
    return 0;
  } catch (caught) {
    const error = errorOf(caught);
    out(
      json
        ? JSON.stringify({ ok: false, command: name, error }, null, 2)
        : `Error (${error.code}): ${error.message}`,
    );
    return caught instanceof CliError && caught.code === "USAGE" ? 2 : 1;
  }
}
