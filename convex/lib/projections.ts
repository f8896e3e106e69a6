/**
 * Views: what public functions return about a row. Each view validator derives from its table
 * in the schema (`doc(schema, table)` from convex-helpers, minus tenancy and secrets, plus any
 * computed fields), and `project` copies exactly the fields the view validator names. So a
 * field added to a table reaches its views without editing them, and a field a view omits
 * (tenancy, secrets) never leaves the server.
 */
import type { GenericValidator, Infer, VObject } from "convex/values";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any object validator
type ObjectValidator = VObject<any, Record<string, GenericValidator>, "required">;

/** The fields of `row` that `view` names (undefined ones left out), typed as the view. */
export function project<V extends ObjectValidator>(row: NoInfer<Infer<V>>, view: V): Infer<V> {
  const source = row as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(view.fields)) {
    if (source[key] !== undefined) out[key] = source[key];
  }
  return out as Infer<V>;
}
