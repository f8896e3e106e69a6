/**
 * One page of a retention purge (ops/retention.ts): the module that owns a log table reads its
 * rows older than the cutoff by a time index and deletes, through this helper, those no longer
 * in use; the purge goes on from `continueCursor` until `isDone`.
 */
import type { PaginationOptions, PaginationResult } from "convex/server";
import type { MutationCtx } from "../_generated/server";

export type PurgedPage = { deleted: number; isDone: boolean; continueCursor: string };

/** A table owner's purge: one page of its rows from before `cutoff`, those in use kept. */
export type Purge = (
  ctx: MutationCtx,
  cutoff: number,
  page: PaginationOptions,
) => Promise<PurgedPage>;

/** Deletes the rows of a page that may go (`removable`: all by default), in order. */
export async function purgePage<Row>(
  page: PaginationResult<Row>,
  remove: (row: Row) => Promise<void>,
  removable: (row: Row) => boolean = () => true,
): Promise<PurgedPage> {
  let deleted = 0;
  for (const row of page.page) {
    if (!removable(row)) continue;
    await remove(row);
    deleted++;
  }
  return { deleted, isDone: page.isDone, continueCursor: page.continueCursor };
}
