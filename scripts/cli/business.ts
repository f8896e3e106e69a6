/**
 * CLI commands about the tenant's business profile: what every agent is told about the
 * business (name, opening hours, address, policies, language) through `{{business.context}}`.
 */
import type { FunctionReturnType } from "convex/server";
import { api } from "../../convex/_generated/api";
import { CliError, defined, defineCommand, time } from "./core";

const FIELDS = [
  ["name", "Name"],
  ["hours", "Opening hours"],
  ["address", "Address"],
  ["policies", "Policies"],
  ["language", "Language"],
] as const;

type Profile = FunctionReturnType<typeof api.business.profile.get>;

function profileText(profile: Profile): string {
  if (profile === null) return "No business profile yet (set one with `business set`).";
  const lines = FIELDS.map(([field, label]) => {
    const value = profile[field];
    if (value === undefined) return `${label}: -`;
    return value.includes("\n") ? `${label}:\n${value.replace(/^/gm, "  ")}` : `${label}: ${value}`;
  });
  return [...lines, `Updated: ${time(profile.updatedAt)}`].join("\n");
}

const businessShow = defineCommand({
  name: ["business", "show"],
  summary: "Shows the business profile the environment's agents are told about.",
  options: {},
  run: ({ call, env }) => call.query(api.business.profile.get, env),
  human: profileText,
});

const text = (help: string) => ({ type: "string", value: "<text>", help }) as const;

const businessSet = defineCommand({
  name: ["business", "set"],
  summary: 'Changes the business profile; options not given stay, "" clears a field.',
  options: {
    name: text("The business's name."),
    hours: text("Opening hours, e.g. 'Mon-Fri 9-18'."),
    address: text("Where the business is."),
    policies: text("Returns, delivery, payment... (up to 4000 characters)."),
    language: text("The language the business speaks with customers, e.g. es."),
  },
  run: async ({ call, env, values }) => {
    const changes = defined({
      name: values.name,
      hours: values.hours,
      address: values.address,
      policies: values.policies,
      language: values.language,
    });
    const changed = Object.keys(changes);
    if (changed.length === 0) {
      throw new CliError("USAGE", "Nothing to update: pass at least one option (see --help).");
    }
    await call.mutation(api.business.profile.update, { ...env, ...changes });
    return { changed, profile: await call.query(api.business.profile.get, env) };
  },
  human: (d) => `Business profile updated (${d.changed.join(", ")}).\n${profileText(d.profile)}`,
});

export const BUSINESS_COMMANDS = [businessShow, businessSet];
