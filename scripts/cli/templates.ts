/**
 * CLI commands about a number's message templates (listed from the database with status,
 * quality and category; synced, created and deleted at the provider through the templates
 * module).
 */
import { api } from "../../convex/_generated/api";
import { asId, connectionId, defineCommand, jsonArray, table } from "./core";

const connectionOption = {
  type: "string",
  value: "<id>",
  help: "The number's connection (default: the only connected number).",
} as const;

const templatesList = defineCommand({
  name: ["templates", "list"],
  summary: "Lists a number's templates with their review status.",
  options: { connection: connectionOption },
  run: async ({ call, env, values }) =>
    call.query(api.whatsapp.templates.list, {
      ...env,
      connectionId: await connectionId(call, env, values.connection),
    }),
  human: (templates) =>
    table([
      ["ID", "NAME", "LANGUAGE", "CATEGORY", "STATUS", "QUALITY"],
      ...templates.map((t) => [
        t._id,
        t.name,
        t.language,
        t.categoryChange ? `${t.category} → ${t.categoryChange.to}` : t.category,
        t.statusReason ? `${t.status} (${t.statusReason})` : t.status,
        t.quality?.score ?? "",
      ]),
    ]),
});

const templatesSync = defineCommand({
  name: ["templates", "sync"],
  summary: "Fetches a number's templates, review status and quality from the provider now.",
  options: { connection: connectionOption },
  run: async ({ call, env, values }) => {
    const id = await connectionId(call, env, values.connection);
    const synced = await call.action(api.whatsapp.templates.sync, { ...env, connectionId: id });
    return { connectionId: id, synced };
  },
  human: (d) => `${d.synced} template(s) synced.`,
});

const templatesCreate = defineCommand({
  name: ["templates", "create"],
  summary: "Submits a new template for review at the provider.",
  options: {
    name: { type: "string", value: "<name>", help: "Lowercase name.", required: true },
    language: { type: "string", value: "<code>", help: "e.g. en_US.", required: true },
    category: {
      type: "string",
      value: "UTILITY|MARKETING|AUTHENTICATION",
      help: "Meta's template category.",
      required: true,
      choices: ["UTILITY", "MARKETING", "AUTHENTICATION"],
    },
    components: {
      type: "string",
      value: "'<json>'",
      help: 'Meta\'s components, e.g. \'[{"type":"BODY","text":"Hi {{1}}"}]\'.',
      required: true,
    },
    "parameter-format": {
      type: "string",
      value: "named|positional",
      help: "Variables as {{name}} or {{1}} (default positional).",
      choices: ["named", "positional"],
    },
    connection: connectionOption,
  },
  run: async ({ call, env, values }) => {
    const components = jsonArray(values.components, "components");
    const format = values["parameter-format"];
    const templateId = await call.action(api.whatsapp.templates.create, {
      ...env,
      connectionId: await connectionId(call, env, values.connection),
      name: values.name,
      language: values.language,
      category: values.category,
      ...(format !== undefined ? { parameterFormat: format } : {}),
      components,
    });
    return { templateId };
  },
  human: (d) => `Template created: ${d.templateId}`,
});

const templatesDelete = defineCommand({
  name: ["templates", "delete"],
  summary: "Deletes a template at the provider and here.",
  args: ["templateId"],
  options: {},
  run: async ({ call, env, args }) => {
    const templateId = args[0]!;
    await call.action(api.whatsapp.templates.remove, {
      ...env,
      templateId: asId<"templates">(templateId),
    });
    return { templateId, deleted: true };
  },
  human: (d) => `Template ${d.templateId} deleted.`,
});

export const TEMPLATE_COMMANDS = [templatesList, templatesSync, templatesCreate, templatesDelete];
