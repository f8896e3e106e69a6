/** Random tokens for webhook secrets and verify tokens (Web Crypto: works in every runtime). */

export function randomToken(prefix: string, bytes = 24): string {
  const buf = new Uint8Array(bytes);
  crypto.getRandomValues(buf);
  return prefix + Array.from(buf, (b) => b.toString(16).padStart(2, "0")).join("");
}
