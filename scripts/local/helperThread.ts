/**
 * The entry of a helper thread (threads.ts): starts one helper server from a script module,
 * reports its URL, and closes it when the runtime says so.
 */
import { pathToFileURL } from "node:url";
import { parentPort, workerData } from "node:worker_threads";
import { failure } from "./protocol";
import type { HelperMessage, HelperThreadData } from "./threads";

type Helper = { url: string; close(): Promise<void> | void };

const { file, exportName, options } = workerData as HelperThreadData;
const port = parentPort!;
const post = (message: HelperMessage) => port.postMessage(message);

async function start(): Promise<Helper> {
  const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  const startHelper = mod[exportName] as (options: unknown) => Promise<Helper>;
  return await startHelper(options);
}

start().then(
  (helper) => {
    port.once("message", () => {
      Promise.resolve(helper.close()).then(
        () => port.close(),
        (error: unknown) => {
          console.error(`[local] closing ${file} failed`, error);
          port.close();
        },
      );
    });
    post({ type: "ready", url: helper.url });
  },
  (error: unknown) => {
    post({ type: "failed", message: failure(error).errorMessage });
    port.close();
  },
);
