/** Small object helpers shared by the domain modules. */

/** Drops keys whose value is undefined, so partial updates never erase fields. */
export function stripUndefined<T extends Record<string, unknown>>(obj: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(obj).filter(([, value]) => value !== undefined),
  ) as Partial<T>;
}
