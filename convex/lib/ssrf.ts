/**
 * Outgoing calls an admin or a model can aim (tenant hooks, custom HTTP tools) go through
 * `safeFetch`: https only (http and private networks only when the local runtime allows them),
 * no loopback, private, link-local (cloud metadata), CGNAT, multicast or reserved addresses, no
 * internal host names, every redirect hop re-checked, a time limit and a response size limit.
 *
 * Convex's default runtime has no DNS API, so the checks see the URL's host: literal addresses
 * (in every spelling `new URL()` normalises: decimal, octal, hex, IPv4-mapped IPv6) and names.
 * When a resolver is given (`resolve`, e.g. DNS-over-HTTPS via `SWITCHBOARD_SSRF_DOH_URL`), the
 * addresses a name resolves to are checked too. A name that resolves to a public address when
 * checked and to a private one when fetched (DNS rebinding) is not caught here: that needs the
 * connection itself pinned to the checked address, which only a Node HTTP agent can do.
 */
import { env } from "../_generated/server";
import { appError } from "./errors";

/** Why a URL was refused; `safeFetch` throws it before any byte is sent to that host. */
export class BlockedUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BlockedUrlError";
  }
}

export class FetchTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`No answer within ${timeoutMs} ms.`);
    this.name = "FetchTimeoutError";
  }
}

export type UrlPolicy = {
  /** The local runtime: http and loopback/private addresses allowed (never link-local). */
  allowLocalNetwork: boolean;
};

/** `SWITCHBOARD_ALLOW_LOCAL_NETWORK=true` is set by the local runtime only. */
export function urlPolicy(): UrlPolicy {
  return { allowLocalNetwork: env.SWITCHBOARD_ALLOW_LOCAL_NETWORK === "true" };
}

// --- Addresses -------------------------------------------------------------------------------

type Verdict = "public" | "local" | "forbidden";

function parseIpv4(host: string): number[] | null {
  const parts = host.split(".");
  if (parts.length !== 4) return null;
  const bytes = parts.map((p) => (/^\d{1,3}$/.test(p) ? Number(p) : NaN));
  return bytes.every((b) => Number.isInteger(b) && b <= 255) ? bytes : null;
}

/** Eight 16-bit groups, or null when `host` is not an IPv6 address. */
function parseIpv6(raw: string): number[] | null {
  let host = raw.replace(/^\[|\]$/g, "").toLowerCase();
  if (!host.includes(":") || host.includes("%")) return null;
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(host);
  if (tail) {
    const v4 = parseIpv4(tail[1]!);
    if (v4 === null) return null;
    host = `${host.slice(0, -tail[1]!.length)}${((v4[0]! << 8) | v4[1]!).toString(16)}:${((v4[2]! << 8) | v4[3]!).toString(16)}`;
  }
  const halves = host.split("::");
  if (halves.length > 2) return null;
  const groups = (s: string) => (s === "" ? [] : s.split(":"));
  const head = groups(halves[0]!);
  const rest = halves.length === 2 ? groups(halves[1]!) : [];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...rest];
  const words = all.map((g) => (/^[0-9a-f]{1,4}$/.test(g) ? parseInt(g, 16) : NaN));
  return words.every((w) => !Number.isNaN(w)) ? words : null;
}

function inV4(b: number[], prefix: number[], bits: number): boolean {
  const value = (b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!;
  const base = (prefix[0]! << 24) | (prefix[1]! << 16) | (prefix[2]! << 8) | prefix[3]!;
  const mask = bits === 0 ? 0 : ~0 << (32 - bits);
  return (value & mask) === (base & mask);
}

const V4_LOCAL: [number[], number][] = [
  [[10, 0, 0, 0], 8],
  [[127, 0, 0, 0], 8],
  [[172, 16, 0, 0], 12],
  [[192, 168, 0, 0], 16],
  [[100, 64, 0, 0], 10],
];
const V4_FORBIDDEN: [number[], number][] = [
  [[0, 0, 0, 0], 8],
  [[169, 254, 0, 0], 16], // link-local, cloud metadata (169.254.169.254)
  [[192, 0, 0, 0], 24],
  [[192, 0, 2, 0], 24],
  [[192, 88, 99, 0], 24],
  [[198, 18, 0, 0], 15],
  [[198, 51, 100, 0], 24],
  [[203, 0, 113, 0], 24],
  [[224, 0, 0, 0], 4], // multicast
  [[240, 0, 0, 0], 4], // reserved and broadcast
];

function classifyV4(b: number[]): Verdict {
  if (V4_FORBIDDEN.some(([p, bits]) => inV4(b, p, bits))) return "forbidden";
  if (V4_LOCAL.some(([p, bits]) => inV4(b, p, bits))) return "local";
  return "public";
}

function embeddedV4(w: number[], at: number): number[] {
  return [w[at]! >> 8, w[at]! & 255, w[at + 1]! >> 8, w[at + 1]! & 255];
}

function classifyV6(w: number[]): Verdict {
  const zeroUpTo = (n: number) => w.slice(0, n).every((x) => x === 0);
  if (zeroUpTo(7) && w[7] === 1) return "local"; // ::1
  if (zeroUpTo(8)) return "forbidden"; // ::
  if (zeroUpTo(5) && w[5] === 0xffff) return classifyV4(embeddedV4(w, 6)); // ::ffff:a.b.c.d
  if (zeroUpTo(6)) return "forbidden"; // IPv4-compatible (deprecated)
  if (w[0] === 0x64 && w[1] === 0xff9b) return classifyV4(embeddedV4(w, 6)); // NAT64
  if (w[0] === 0x2002) return classifyV4(embeddedV4(w, 1)); // 6to4
  if ((w[0]! & 0xfe00) === 0xfc00) return "local"; // fc00::/7 unique local
  if ((w[0]! & 0xffc0) === 0xfe80 || (w[0]! & 0xffc0) === 0xfec0) return "forbidden"; // link/site-local
  if (w[0] === 0x2001 && (w[1] === 0 || w[1] === 0xdb8)) return "forbidden"; // Teredo, documentation
  return (w[0]! & 0xe000) === 0x2000 ? "public" : "forbidden"; // only global unicast 2000::/3
}

/** Classifies a literal address; null when `host` is a name, not an address. */
export function classifyAddress(host: string): Verdict | null {
  const v4 = parseIpv4(host);
  if (v4 !== null) return classifyV4(v4);
  const v6 = parseIpv6(host);
  return v6 === null ? null : classifyV6(v6);
}

const FORBIDDEN_NAMES = [/^metadata(\.google\.internal)?$/, /(^|\.)internal$/, /^instance-data$/];
const LOCAL_NAMES = [/(^|\.)localhost$/, /\.local$/, /\.home\.arpa$/, /\.lan$/, /^[^.]+$/];

function classifyName(name: string): Verdict {
  if (FORBIDDEN_NAMES.some((re) => re.test(name))) return "forbidden";
  if (LOCAL_NAMES.some((re) => re.test(name))) return "local";
  return "public";
}

function allowed(verdict: Verdict, policy: UrlPolicy): boolean {
  return verdict === "public" || (verdict === "local" && policy.allowLocalNetwork);
}

/**
 * Checks a URL without resolving it: scheme, credentials, literal address and host name.
 * Returns the parsed URL; throws `BlockedUrlError` with the reason.
 */
export function checkUrl(raw: string | URL, policy: UrlPolicy): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new BlockedUrlError(`"${String(raw)}" is not a URL.`);
  }
  const httpAllowed = policy.allowLocalNetwork && url.protocol === "http:";
  if (url.protocol !== "https:" && !httpAllowed) {
    throw new BlockedUrlError(`Only https URLs may be called (got ${url.protocol}).`);
  }
  if (url.username !== "" || url.password !== "") {
    throw new BlockedUrlError("URLs with credentials are refused.");
  }
  const host = url.hostname.toLowerCase().replace(/\.$/, "");
  const verdict = classifyAddress(host) ?? classifyName(host);
  if (!allowed(verdict, policy)) {
    throw new BlockedUrlError(`${url.hostname} is a local, private or internal address.`);
  }
  return url;
}

/** Save-time check of a hook or tool URL: INVALID_ARGUMENT with the reason. */
export function assertCallableUrl(raw: string, what: string, policy: UrlPolicy = urlPolicy()) {
  try {
    checkUrl(raw, policy);
  } catch (error) {
    if (!(error instanceof BlockedUrlError)) throw error;
    throw appError("INVALID_ARGUMENT", `${what}: ${error.message}`);
  }
}

/** Resolves a host name to its addresses (A and AAAA). */
export type Resolver = (hostname: string) => Promise<string[]>;

async function checkResolved(url: URL, policy: UrlPolicy, resolve: Resolver | undefined) {
  if (resolve === undefined || classifyAddress(url.hostname) !== null) return;
  const addresses = await resolve(url.hostname);
  if (addresses.length === 0) throw new BlockedUrlError(`${url.hostname} does not resolve.`);
  for (const address of addresses) {
    if (!allowed(classifyAddress(address) ?? "forbidden", policy)) {
      throw new BlockedUrlError(`${url.hostname} resolves to a local or private address.`);
    }
  }
}

/**
 * A resolver over DNS-over-HTTPS (JSON API, e.g. https://cloudflare-dns.com/dns-query), the
 * only name resolution the Convex runtime offers. Unanswerable names resolve to nothing.
 */
export function dnsOverHttpsResolver(endpoint: string, fetcher: typeof fetch = fetch): Resolver {
  return async (hostname) => {
    const answers = await Promise.all(
      ["A", "AAAA"].map(async (type) => {
        const url = `${endpoint}?name=${encodeURIComponent(hostname)}&type=${type}`;
        const response = await fetcher(url, { headers: { accept: "application/dns-json" } });
        if (!response.ok) throw new Error(`DNS lookup of ${hostname} failed (${response.status}).`);
        const body = (await response.json()) as { Answer?: { type: number; data: string }[] };
        return (body.Answer ?? []).filter((a) => a.type === 1 || a.type === 28).map((a) => a.data);
      }),
    );
    return answers.flat();
  };
}

/** The resolver configured for this deployment (`SWITCHBOARD_SSRF_DOH_URL`), if any. */
export function configuredResolver(): Resolver | undefined {
  const endpoint = env.SWITCHBOARD_SSRF_DOH_URL?.trim();
  return endpoint ? dnsOverHttpsResolver(endpoint, (input, init) => fetch(input, init)) : undefined;
}

// --- Fetch -----------------------------------------------------------------------------------

export type FetchLimits = {
  /** For the whole call: every hop and the body. */
  timeoutMs: number;
  /** Response body bytes read at most; past it `bodyTooLarge` is set and `text` is cut. */
  maxBytes: number;
  /** Redirects followed at most (each hop checked like the first URL). */
  maxRedirects?: number;
};

export type SafeFetchOptions = {
  policy?: UrlPolicy;
  resolve?: Resolver;
  /** Header names (besides Authorization and Cookie) dropped when a redirect leaves the origin. */
  sensitiveHeaders?: string[];
  /** The fetch to use; the global one (looked up at call time) by default. */
  fetch?: typeof fetch;
};

export type SafeResponse = {
  status: number;
  ok: boolean;
  headers: Headers;
  /** The URL that answered (after redirects). */
  url: string;
  text: string;
  bodyTooLarge: boolean;
};

export const DEFAULT_MAX_REDIRECTS = 3;

/**
 * `fetch` for URLs an admin or a model chose: checks every hop (`redirect: "manual"`), keeps
 * a time and size limit, and never sends secret headers to another origin.
 */
export async function safeFetch(
  raw: string | URL,
  init: RequestInit,
  limits: FetchLimits,
  options: SafeFetchOptions = {},
): Promise<SafeResponse> {
  const policy = options.policy ?? urlPolicy();
  const resolve = options.resolve ?? configuredResolver();
  const doFetch = options.fetch ?? ((input, i) => fetch(input, i));
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, limits.timeoutMs);
  try {
    let url = checkUrl(raw, policy);
    let request: RequestInit = { ...init, redirect: "manual", signal: controller.signal };
    for (let hop = 0; ; hop++) {
      await checkResolved(url, policy, resolve);
      const response = await doFetch(url.toString(), request);
      const location = response.headers.get("location");
      if (response.type === "opaqueredirect") {
        throw new BlockedUrlError("A redirect could not be checked, so it was not followed.");
      }
      if (!(response.status >= 300 && response.status < 400 && location !== null)) {
        const { text, tooLarge } = await readLimited(response, limits.maxBytes);
        return {
          status: response.status,
          ok: response.ok,
          headers: response.headers,
          url: url.toString(),
          text,
          bodyTooLarge: tooLarge,
        };
      }
      await response.body?.cancel();
      if (hop >= (limits.maxRedirects ?? DEFAULT_MAX_REDIRECTS)) {
        throw new BlockedUrlError("Too many redirects.");
      }
      const next = checkUrl(new URL(location, url), policy);
      request = redirectedRequest(request, response.status, url, next, options.sensitiveHeaders);
      url = next;
    }
  } catch (error) {
    if (timedOut) throw new FetchTimeoutError(limits.timeoutMs);
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** The next hop's request: 301/302/303 turn a POST into a bodiless GET, as browsers do. */
function redirectedRequest(
  request: RequestInit,
  status: number,
  from: URL,
  to: URL,
  sensitive: string[] = [],
): RequestInit {
  const headers = new Headers(request.headers);
  if (from.origin !== to.origin) {
    for (const name of ["authorization", "cookie", "proxy-authorization", ...sensitive]) {
      headers.delete(name);
    }
  }
  const toGet = status === 303 || ((status === 301 || status === 302) && request.method === "POST");
  if (!toGet) return { ...request, headers };
  headers.delete("content-type");
  const { body: _dropped, ...rest } = request;
  return { ...rest, method: "GET", headers };
}

async function readLimited(response: Response, limit: number) {
  const reader = response.body?.getReader();
  if (!reader) return { text: "", tooLarge: false };
  const chunks: Uint8Array[] = [];
  let size = 0;
  let tooLarge = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (size + value.byteLength > limit) {
      chunks.push(value.subarray(0, limit - size));
      size = limit;
      tooLarge = true;
      await reader.cancel();
      break;
    }
    chunks.push(value);
    size += value.byteLength;
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return { text: new TextDecoder().decode(bytes), tooLarge };
}
