/**
 * The local JWT issuer: an ES256 key pair kept under `.local/`, tokens shaped like Clerk's
 * `convex` template (`sub`, `org_id`, `org_role`, `org_name`, `aud: "convex"`), and the
 * verifier the runtime uses for the sync protocol, `/api/*` and the HTTP actions port.
 */
import {
  exportJWK,
  generateKeyPair,
  importJWK,
  jwtVerify,
  SignJWT,
  type CryptoKey,
  type JWK,
  type JWTPayload,
} from "jose";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

export const LOCAL_ISSUER = "https://switchboard.local";
export const LOCAL_AUDIENCE = "convex";

export type LocalClaims = {
  /** User id (`sub`). */
  subject: string;
  org_id: string;
  org_role: "org:admin" | "org:member";
  org_name: string;
  /** Clerk's `org_permissions`, e.g. `org:production:manage` for a member allowed in production. */
  org_permissions?: string[];
};

/** The identity handed to the engine (`ctx.auth.getUserIdentity()`). */
export type Identity = {
  subject: string;
  issuer: string;
  tokenIdentifier: string;
  [claim: string]: unknown;
};

export type Issuer = {
  sign(claims: LocalClaims, ttlSeconds?: number): Promise<string>;
  /** Verifies signature, issuer, audience and expiry; throws on a bad token. */
  verify(token: string): Promise<Identity>;
  publicJwk: JWK;
};

/** The demo member the dashboard, CLI and simulator use by default. */
export const DEMO_CLAIMS: LocalClaims = {
  subject: "user_local_admin",
  org_id: "org_local_demo",
  org_role: "org:admin",
  org_name: "Demo Org",
};

const STANDARD = new Set(["iss", "sub", "aud", "exp", "iat", "nbf", "jti"]);

export function identityFromPayload(payload: JWTPayload): Identity {
  const issuer = payload.iss ?? LOCAL_ISSUER;
  const subject = payload.sub ?? "";
  const identity: Identity = { subject, issuer, tokenIdentifier: `${issuer}|${subject}` };
  for (const [key, value] of Object.entries(payload)) {
    if (!STANDARD.has(key)) identity[key] = value;
  }
  return identity;
}

/** Loads the key pair from `keyPath`, creating it on first use (`null`: an ephemeral key). */
export async function loadIssuer(keyPath: string | null): Promise<Issuer> {
  let privateJwk: JWK;
  if (keyPath !== null && existsSync(keyPath)) {
    privateJwk = JSON.parse(readFileSync(keyPath, "utf8")) as JWK;
  } else {
    const pair = await generateKeyPair("ES256", { extractable: true });
    privateJwk = await exportJWK(pair.privateKey);
    if (keyPath !== null) {
      mkdirSync(path.dirname(keyPath), { recursive: true });
      writeFileSync(keyPath, JSON.stringify(privateJwk), { mode: 0o600 });
    }
  }
  const { d: _d, ...publicJwk } = privateJwk;
  const privateKey = (await importJWK(privateJwk, "ES256")) as CryptoKey;
  const publicKey = (await importJWK(publicJwk, "ES256")) as CryptoKey;
  return {
    publicJwk: { ...publicJwk, alg: "ES256", use: "sig", kid: "local" },
    sign: (claims, ttlSeconds = 12 * 3600) =>
      new SignJWT({
        org_id: claims.org_id,
        org_role: claims.org_role,
        org_name: claims.org_name,
        ...(claims.org_permissions ? { org_permissions: claims.org_permissions } : {}),
      })
        .setProtectedHeader({ alg: "ES256", kid: "local" })
        .setIssuer(LOCAL_ISSUER)
        .setAudience(LOCAL_AUDIENCE)
        .setSubject(claims.subject)
        .setIssuedAt()
        .setExpirationTime(`${ttlSeconds}s`)
        .sign(privateKey),
    verify: async (token) => {
      const { payload } = await jwtVerify(token, publicKey, {
        issuer: LOCAL_ISSUER,
        audience: LOCAL_AUDIENCE,
        algorithms: ["ES256"],
      });
      return identityFromPayload(payload);
    },
  };
}
