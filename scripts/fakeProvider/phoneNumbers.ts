/**
 * The Graph API's phone number node (`GET /{version}/{phone-number-id}`), which a Meta-direct
 * connect reads to verify the number. With `metaNumbers` given, only those numbers exist and
 * each answers only its own access token (like Meta: "does not exist, cannot be loaded due to
 * missing permissions"); without, any id answers (the local runtime and benchmarks).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { graphError, json } from "./http";
import type { ProviderState } from "./state";

export function handlePhoneNumber(
  state: ProviderState,
  req: IncomingMessage,
  res: ServerResponse,
  id: string,
) {
  const numbers = state.options.metaNumbers;
  const token = (req.headers.authorization ?? "").replace(/^Bearer\s+/i, "");
  if (numbers === undefined) {
    return json(res, 200, { id, display_phone_number: "+1 555-000-0000", verified_name: "Fake" });
  }
  const number = numbers.find((n) => n.phoneNumberId === id && n.accessToken === token);
  if (number === undefined) {
    return graphError(
      res,
      400,
      100,
      `Unsupported get request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation`,
    );
  }
  return json(res, 200, {
    id,
    display_phone_number: number.displayPhoneNumber,
    verified_name: number.verifiedName ?? "Fake business",
    quality_rating: "GREEN",
  });
}
