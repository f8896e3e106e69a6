/**
 * Customers (`contacts`), which this module owns: one per memory pool and person, found by
 * phone number, then by business-scoped user id (BSUID), completed as identities appear, and
 * re-keyed when WhatsApp reports that the person's BSUID or phone number changed, so their
 * threads and history continue under the new identity.
 */
import type { Doc } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { rekeyContactThreads } from "../inbox/threads";

type Connection = Doc<"whatsappConnections">;
type Contact = Doc<"contacts">;

/** How a customer is known: phone (E.164) and/or BSUID. */
export type CustomerIdentity = { phoneNumber?: string; bsuid?: string };

/** Contacts are per memory pool: pooled numbers share them, an unpooled number has its own. */
export function poolKeyOf(connection: Connection) {
  return connection.memoryPoolId
    ? `pool:${connection.memoryPoolId}`
    : `connection:${connection._id}`;
}

/** The contact of an identity in the connection's pool: by phone first, then by BSUID. */
export async function findContact(
  ctx: MutationCtx,
  connection: Connection,
  identity: CustomerIdentity,
): Promise<Contact | null> {
  const poolKey = poolKeyOf(connection);
  const org = connection.organizationId;
  const { phoneNumber, bsuid } = identity;
  if (phoneNumber) {
    const byPhone = await ctx.db
      .query("contacts")
      .withIndex("by_organizationId_and_poolKey_and_phoneNumber", (q) =>
        q.eq("organizationId", org).eq("poolKey", poolKey).eq("phoneNumber", phoneNumber),
      )
      .first();
    if (byPhone !== null) return byPhone;
  }
  if (!bsuid) return null;
  return await ctx.db
    .query("contacts")
    .withIndex("by_organizationId_and_poolKey_and_bsuid", (q) =>
      q.eq("organizationId", org).eq("poolKey", poolKey).eq("bsuid", bsuid),
    )
    .first();
}

async function insertContact(
  ctx: MutationCtx,
  connection: Connection,
  identity: CustomerIdentity & { name?: string },
  now: number,
): Promise<Contact> {
  const id = await ctx.db.insert("contacts", {
    organizationId: connection.organizationId,
    environment: connection.environment,
    poolKey: poolKeyOf(connection),
    ...identity,
    attributes: {},
    createdAt: now,
    updatedAt: now,
  });
  return (await ctx.db.get("contacts", id))!;
}

/**
 * The contact of a phone number in the connection's pool, created with `name` when missing; an
 * existing contact is left as it is (the escalation contact's own thread, escalation.ts).
 */
export async function getOrCreateContactByPhone(
  ctx: MutationCtx,
  connection: Connection,
  person: { phoneNumber: string; name?: string },
  now: number,
): Promise<Contact> {
  const { phoneNumber, name } = person;
  const found = await findContact(ctx, connection, { phoneNumber });
  return (
    found ?? (await insertContact(ctx, connection, { phoneNumber, ...(name ? { name } : {}) }, now))
  );
}

/** The contact of a message (by phone, then BSUID), completed with what it adds, or created. */
export async function getOrCreateContact(
  ctx: MutationCtx,
  connection: Connection,
  identity: CustomerIdentity & { name?: string },
  now: number,
): Promise<Contact> {
  const contact = await findContact(ctx, connection, identity);
  const { phoneNumber, bsuid, name } = identity;
  if (contact === null)
    return await insertContact(ctx, connection, { phoneNumber, bsuid, name }, now);
  const update: Partial<Contact> = {};
  if (!contact.phoneNumber && phoneNumber) update.phoneNumber = phoneNumber;
  if (!contact.bsuid && bsuid) update.bsuid = bsuid;
  if (name && contact.name !== name) update.name = name;
  if (Object.keys(update).length === 0) return contact;
  await ctx.db.patch("contacts", contact._id, { ...update, updatedAt: now });
  return { ...contact, ...update };
}

export type IdentityChange = {
  previousBsuid?: string;
  bsuid?: string;
  previousPhone?: string;
  phone?: string;
};

/**
 * WhatsApp reported a new BSUID or phone number for a person: the contact known by the
 * previous identity takes the new one, and its threads follow (`rekeyContactThreads`). A person
 * never seen before gets a contact under the new identity. When another contact already holds
 * the new identity (its message overtook the notice), nothing is merged: `conflict` says so and
 * the previous contact is returned unchanged.
 */
export async function applyIdentityChange(
  ctx: MutationCtx,
  connection: Connection,
  change: IdentityChange,
  now: number,
): Promise<{ contact: Contact; conflict?: Contact }> {
  const next: CustomerIdentity = {
    ...(change.phone ? { phoneNumber: change.phone } : {}),
    ...(change.bsuid ? { bsuid: change.bsuid } : {}),
  };
  const previous = await findContact(ctx, connection, {
    phoneNumber: change.previousPhone,
    bsuid: change.previousBsuid,
  });
  if (previous === null) return { contact: await getOrCreateContact(ctx, connection, next, now) };
  const holder = await findContact(ctx, connection, next);
  if (holder !== null && holder._id !== previous._id)
    return { contact: previous, conflict: holder };
  const contact = { ...previous, ...next, updatedAt: now };
  await ctx.db.patch("contacts", previous._id, { ...next, updatedAt: now });
  await rekeyContactThreads(ctx, contact);
  return { contact };
}
