// @vitest-environment node
/**
 * Durable before acknowledged: the local runtime (`scripts/local/main.ts`, the real app, fake
 * provider and stand-in model) takes a storm of signed Kapso deliveries and is killed with
 * SIGKILL at a random point of it, twenty times over. After each kill, the state a restart
 * loads holds every delivery that was answered 200 exactly once, and the runtime restarts.
 * Kill points are counted in acknowledgements, so the outcome does not depend on machine speed.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createHmac } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { engineInternals } from "convex-test";
import { afterAll, expect, test } from "vitest";
import { demoNumber } from "../scripts/local/config";
import { recoverState } from "../scripts/local/durability";
import { kapsoInboundBody } from "../scripts/simulate";

const ROOT = path.join(import.meta.dirname, "..");
const CYCLES = Number(process.env.CRASH_CYCLES ?? 20);
const IN_FLIGHT = 8;
const dir = mkdtempSync(path.join(tmpdir(), "switchboard-crash-"));
const statePath = path.join(dir, "state.json");
const demo = demoNumber();
const children = new Set<ChildProcess>();

afterAll(() => {
  for (const proc of children) proc.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

/** A small seeded generator, so a failing run can be replayed. */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Runtime = { proc: ChildProcess; siteUrl: string };
type Standby = { proc: ChildProcess; start(): Promise<Runtime> };

/**
 * A runtime process that loads its modules now and opens the state in `dir` only when
 * started, so the next runtime warms up while the current one takes the storm.
 */
function standby(): Standby {
  const proc = spawn(process.execPath, ["--import", "tsx", "tests/fixtures/localRuntimeChild.ts"], {
    cwd: ROOT,
    env: { ...process.env, SWITCHBOARD_LOCAL_DIR: dir, KAPSO_API_KEY: "", OPENAI_API_KEY: "" },
    stdio: ["pipe", "pipe", "pipe"],
  });
  children.add(proc);
  proc.on("exit", () => children.delete(proc));
  let out = "";
  let err = "";
  proc.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  const started = new Promise<Runtime>((resolve, reject) => {
    proc.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /^site (\S+)$/m.exec(out);
      if (m) resolve({ proc, siteUrl: m[1]! });
    });
    proc.on("exit", (code) => reject(new Error(`runtime exited (${code}):\n${out}\n${err}`)));
  });
  started.catch(() => undefined);
  return {
    proc,
    start: () => {
      proc.stdin!.write("start\n");
      return started;
    },
  };
}

function post(siteUrl: string, messageId: string, from: string) {
  const body = kapsoInboundBody({
    from,
    name: "Storm",
    text: `storm ${messageId}`,
    phoneNumberId: demo.providerPhoneNumberId,
    messageId,
  });
  return fetch(`${siteUrl}/webhook/kapso/messages`, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      "X-Webhook-Event": "whatsapp.message.received",
      "X-Webhook-Signature": createHmac("sha256", demo.webhookSecret).update(body).digest("hex"),
      "X-Webhook-Payload-Version": "v2",
    },
    body,
  });
}

/**
 * Posts deliveries, a few at a time, and kills the runtime with SIGKILL as soon as `killAfter`
 * of them were answered 200 (others still in flight). Returns the ids answered 200.
 */
async function storm(proc: ChildProcess, siteUrl: string, cycle: number, killAfter: number) {
  const acknowledged: string[] = [];
  const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
  let next = 0;
  let killed = false;
  const lane = async () => {
    while (!killed) {
      const id = `wamid.CRASH${cycle}x${next++}`;
      try {
        const res = await post(siteUrl, id, `+1555000${1000 + (next % 7)}`);
        if (res.status === 200 && !killed) acknowledged.push(id);
      } catch {
        return; // the connection died with the runtime
      }
      if (acknowledged.length >= killAfter && !killed) {
        killed = true;
        proc.kill("SIGKILL");
      }
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  await exited;
  return acknowledged;
}

/** How many times each storm delivery is stored, in the state a restart would load. */
function storedCounts(): Map<string, number> {
  const counts = new Map<string, number>();
  const { snapshot } = recoverState(statePath);
  for (const doc of snapshot?.components[""]?.documents ?? []) {
    const d = doc as { _id: string; channelData?: { providerMessageId?: string } };
    const messageId = d.channelData?.providerMessageId;
    if (engineInternals.tableNameFromId(d._id) !== "messages") continue;
    if (messageId?.startsWith("wamid.CRASH")) {
      counts.set(messageId, (counts.get(messageId) ?? 0) + 1);
    }
  }
  return counts;
}

test("every delivery answered 200 before a SIGKILL is stored exactly once after restart", async () => {
  const rand = random(20261129);
  const acknowledged: string[] = [];
  let runtime = await standby().start();
  for (let cycle = 0; cycle < CYCLES; cycle++) {
    const next = standby();
    const killAfter = 1 + Math.floor(rand() * 20);
    acknowledged.push(...(await storm(runtime.proc, runtime.siteUrl, cycle, killAfter)));
    const counts = storedCounts();
    const missing = acknowledged.filter((id) => counts.get(id) !== 1);
    expect(missing, `cycle ${cycle}: acknowledged but not stored once`).toEqual([]);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    runtime = await next.start(); // the restart loads that state
  }
  runtime.proc.kill("SIGKILL");
  expect(acknowledged.length).toBeGreaterThanOrEqual(CYCLES);
}, 600_000);
