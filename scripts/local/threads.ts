/**
 * Worker threads of the local runtime. Each thread registers tsx first (the app and scripts are
 * TypeScript), then loads its entry. `startInThread` runs a helper server (the fake provider,
 * the stand-in model) in a thread of its own, so what stands in for services that run elsewhere
 * in production does not take the engine's thread.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { SHARE_ENV, Worker } from "node:worker_threads";

/** tsx's ES module API (the file its `exports` name for `import`). */
function tsxApi(): string {
  const pkgPath = createRequire(import.meta.url).resolve("tsx/package.json");
  const pkg = JSON.parse(readFileSync(pkgPath, "utf8")) as {
    exports: Record<string, { import: { default: string } }>;
  };
  return pathToFileURL(path.join(path.dirname(pkgPath), pkg.exports["./esm/api"]!.import.default))
    .href;
}

/** A worker running `entry` (a .ts file) with tsx registered, sharing the process environment. */
export function tsWorker(entry: string, workerData: unknown): Worker {
  const source =
    `import(${JSON.stringify(tsxApi())}).then((tsx) => { tsx.register(); ` +
    `return import(${JSON.stringify(pathToFileURL(entry).href)}); });`;
  return new Worker(source, { eval: true, env: SHARE_ENV, workerData });
}

/** Resolves with the first message `accept` maps to a value; rejects if the worker fails first. */
export async function firstMessage<M, T>(
  worker: Worker,
  accept: (message: M) => T | undefined,
): Promise<T> {
  let onMessage: (message: M) => void = () => undefined;
  let onError: (error: Error) => void = () => undefined;
  let onExit: (code: number) => void = () => undefined;
  return await new Promise<T>((resolve, reject) => {
    onMessage = (message) => {
      try {
        const value = accept(message);
        if (value !== undefined) resolve(value);
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    };
    onError = reject;
    onExit = (code) => reject(new Error(`worker thread exited (${code}) before it was ready`));
    worker.on("message", onMessage).on("error", onError).on("exit", onExit);
  })
    .catch(async (error: unknown) => {
      await worker.terminate();
      throw error;
    })
    .finally(() => {
      worker.off("message", onMessage).off("error", onError).off("exit", onExit);
    });
}

export type HelperThreadData = { file: string; exportName: string; options: unknown };
export type HelperMessage = { type: "ready"; url: string } | { type: "failed"; message: string };

/** Asks a worker to close with `message`; terminates it if it has not exited within 2 s. */
export async function stopWorker(worker: Worker, message: unknown): Promise<void> {
  const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
  worker.postMessage(message);
  const timer = setTimeout(() => void worker.terminate(), 2_000);
  await exited;
  clearTimeout(timer);
}

/** Starts `exportName(options)` of `file` in its own thread; it must resolve with `{ url, close }`. */
export async function startInThread(
  file: string,
  exportName: string,
  options: Record<string, unknown>,
): Promise<{ url: string; close(): Promise<void> }> {
  const data: HelperThreadData = { file, exportName, options };
  const worker = tsWorker(path.join(import.meta.dirname, "helperThread.ts"), data);
  const url = await firstMessage(worker, (message: HelperMessage) => {
    if (message.type === "failed") throw new Error(`${file}: ${message.message}`);
    return message.type === "ready" ? message.url : undefined;
  });
  return {
    url,
    close: () => stopWorker(worker, "close"),
  };
}
