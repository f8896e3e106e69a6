/** Small object helpers shared by the domain modules. */

/** Keys of `T` whose value may be undefined. */
type MaybeUndefinedKeys<T> = { [K in keyof T]-?: undefined extends T[K] ? K : never }[keyof T];

/** `T` without undefined values: keys that may hold undefined become optional, the rest stay. */
export type WithoutUndefined<T> = {
  [K in keyof T as K extends MaybeUndefinedKeys<T> ? never : K]: T[K];
} & { [K in MaybeUndefinedKeys<T>]?: Exclude<T[K], undefined> };

/**
 * Drops keys whose value is undefined: for partial updates (`ctx.db.patch` deletes a field set
 * to undefined) and for provider calls whose inputs must not carry empty keys.
 */
export function stripUndefined<T extends Record<string, unknown>>(obj: T): WithoutUndefined<T> {
  return Object.fromEntries(
    Object.entries(obj).filter(([, value]) => value !== undefined),
  ) as WithoutUndefined<T>;
}
