/**
 * Inbox threads as the dashboard receives them, for component tests: a WhatsApp thread of one
 * customer whose last message (and 24-hour window) started a minute before `now`.
 */
import type { ThreadView } from "../../dashboard/src/inbox/types";

export function threadView(
  now: number,
  id: string,
  contactName: string,
  overrides: Partial<ThreadView> = {},
): ThreadView {
  return {
    _id: id,
    _creationTime: 0,
    connectionId: "whatsappConnections:1",
    contactId: `contacts:${id}`,
    channel: "whatsapp",
    externalId: `whatsapp:1:${id}`,
    channelParams: { phoneNumber: "+15550000000", contactName, lastInboundAt: now - 60_000 },
    owner: "ai",
    ownerChangedAt: 0,
    lastMessageAt: now - 60_000,
    createdAt: 0,
    ...overrides,
  } as ThreadView;
}
