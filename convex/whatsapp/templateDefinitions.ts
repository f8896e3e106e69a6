"use node";
/**
 * Template definition checks before creation: the official Kapso client's schema of Meta's
 * template components (`buildTemplateDefinition`: names, categories, component shapes and
 * lengths, header formats, examples, button kinds and counts) plus the rules it lacks
 * (templateRules.ts). A Node action because the client's package also loads `node:crypto`,
 * which the Convex runtime lacks; `templates.create` calls it before the provider sees anything.
 */
import { TemplateDefinition as KapsoTemplates } from "@kapso/whatsapp-cloud-api";
import { v } from "convex/values";
import { internalAction } from "../_generated/server";
import { vTemplateCategory } from "../lib/validators";
import {
  localDefinitionProblems,
  type DefinitionProblem,
  type TemplateComponentDefinition,
  type TemplateDefinition,
} from "./templateRules";

/** Every problem of a definition, as readable sentences; empty when the provider may see it. */
export const check = internalAction({
  args: {
    name: v.string(),
    language: v.string(),
    category: vTemplateCategory,
    parameterFormat: v.union(v.literal("named"), v.literal("positional")),
    components: v.array(v.any()),
  },
  returns: v.array(v.string()),
  handler: async (_ctx, definition) => definitionProblems(definition),
});

export function definitionProblems(definition: TemplateDefinition): string[] {
  const local = localDefinitionProblems(definition);
  const covered = (path: (string | number)[] = []) =>
    local.some((p) => p.path !== undefined && p.path.every((key, i) => path[i] === key));
  const official = officialProblems(definition).filter((p) => !covered(p.path));
  return [...official, ...local].map((p) => p.message);
}

/** A zod issue, as far as it is read here (unions carry the issues of each branch). */
type Issue = {
  code: string;
  path: PropertyKey[];
  message: string;
  errors?: Issue[][];
  discriminator?: string;
};

/** The client's findings; its language pattern is too strict (see templateRules.ts). */
function officialProblems(definition: TemplateDefinition): DefinitionProblem[] {
  const input = {
    name: definition.name,
    language: definition.language,
    category: definition.category,
    parameterFormat: definition.parameterFormat.toUpperCase(),
    components: camelKeys(definition.components) as TemplateComponentDefinition[],
  };
  try {
    KapsoTemplates.buildTemplateDefinition(input as never);
    return [];
  } catch (error) {
    const issues = (error as { issues?: Issue[] }).issues;
    if (!Array.isArray(issues)) return [{ message: (error as Error).message }];
    return issues
      .flatMap((issue) => flatten(issue, input, []))
      .filter((issue) => issue.path[0] !== "language")
      .map((issue) => readable(issue, input.components));
  }
}

/** The client reads camelCase keys; definitions may use Meta's snake_case. */
function camelKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(camelKeys);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [
      key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()),
      camelKeys(inner),
    ]),
  );
}

function valueAt(root: unknown, path: PropertyKey[]): unknown {
  return path.reduce<unknown>(
    (node, key) =>
      node !== null && typeof node === "object"
        ? (node as Record<PropertyKey, unknown>)[key]
        : undefined,
    root,
  );
}

/**
 * A component failing the union of component kinds is reported with the issues of its own
 * kind: the branch that rejects neither its `type` nor a discriminator it lacks.
 */
function flatten(issue: Issue, root: unknown, base: PropertyKey[]): Issue[] {
  const path = [...base, ...issue.path];
  if (issue.code !== "invalid_union" || !issue.errors?.length) return [{ ...issue, path }];
  const value = valueAt(root, path);
  const rejectsKind = (i: Issue) =>
    (i.path.length === 1 && i.path[0] === "type") ||
    (i.discriminator !== undefined && valueAt(value, [i.discriminator]) === undefined);
  const own = issue.errors.find((branch) => !branch.some(rejectsKind));
  return own === undefined ? [{ ...issue, path }] : own.flatMap((i) => flatten(i, root, path));
}

const capitalized = (word: string) => word.charAt(0).toUpperCase() + word.slice(1).toLowerCase();
const snakeCase = (key: PropertyKey) =>
  typeof key === "string" ? key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`) : String(key);

/** "Header format: …", "Buttons: button 1 text: …", "Name: …". */
function readable(issue: Issue, components: TemplateComponentDefinition[]): DefinitionProblem {
  const [head, index, ...rest] = issue.path;
  if (head !== "components" || typeof index !== "number") {
    const where = capitalized(typeof head === "string" ? head : "template");
    return {
      path: head === undefined ? [] : [String(head)],
      message: `${where}: ${issue.message}`,
    };
  }
  let where = capitalized(String(components[index]?.type ?? "component"));
  let tail = rest;
  if (tail[0] === "buttons" && typeof tail[1] === "number") {
    where += `: button ${tail[1]}`;
    tail = tail.slice(2);
  } else if (tail[0] === "buttons") {
    tail = tail.slice(1);
  }
  const fieldPath = tail.map(snakeCase).join(".");
  return {
    path: ["components", index],
    message: `${where}${fieldPath ? ` ${fieldPath}` : ""}: ${issue.message}`,
  };
}
