/**
 * The stand-in model (scripts/standInModel.ts): labelled as a stand-in, deterministic, able to
 * request tool calls, scriptable, failure-injectable, and usable by the real OpenAI SDK over
 * loopback HTTP. It records what it was sent so tests can assert on prompts.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import OpenAI, { toFile } from "openai";
import { afterEach, expect, test } from "vitest";
import {
  createStandInModel,
  standInTurn,
  startStandInModel,
  STAND_IN_MODEL_NAME,
  STAND_IN_TRANSCRIPT_LABEL,
  type ChatRequest,
} from "../scripts/standInModel";

const tools = [
  { type: "function" as const, function: { name: "handoff_toHuman" } },
  { type: "function" as const, function: { name: "memory_store" } },
];

function ask(text: string, system = "You help."): ChatRequest {
  return {
    model: "any",
    messages: [
      { role: "system", content: system },
      { role: "user", content: text },
    ],
    tools,
  };
}

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

test("asked for a person, it calls handoff.toHuman", () => {
  expect(standInTurn(ask("Can I talk to a human please?"))).toEqual({
    toolCalls: [{ name: "handoff_toHuman", arguments: { summary: "Customer asked for a person" } }],
  });
});

test("it greets by the customer name found in its prompt, the same way every time", () => {
  const request = ask("hola!", "You help.\nCustomer name: Rosa");
  expect(standInTurn(request)).toEqual({ content: "Hello Rosa! How can I help you today?" });
  expect(standInTurn(request)).toEqual(standInTurn(request));
});

test("it answers from the knowledge lines of its system prompt", () => {
  const turn = standInTurn(ask("When are you open?", "## Knowledge\n- Opening hours: open 9 to 5"));
  expect(turn.content).toBe("From what I know: Opening hours: open 9 to 5");
});

test("it asks to store a memory when told to remember something", () => {
  expect(standInTurn(ask("Remember that I am allergic to nuts")).toolCalls).toEqual([
    { name: "memory_store", arguments: { content: "I am allergic to nuts" } },
  ]);
});

test("scripted turns and injected failures come first, in order", async () => {
  const model = createStandInModel();
  model.failNext("500");
  model.script({ content: "scripted" });
  const post = () =>
    model.fetch("http://x/v1/chat/completions", {
      method: "POST",
      body: JSON.stringify(ask("hi")),
    });
  expect((await post()).status).toBe(500);
  const body = (await (await post()).json()) as { choices: { message: { content: string } }[] };
  expect(body.choices[0]!.message.content).toBe("scripted");
  expect(model.requests).toHaveLength(2);
});

test("a malformed failure returns a tool call whose arguments are not JSON", async () => {
  const model = createStandInModel();
  model.failNext("malformed");
  const response = await model.fetch("http://x/v1/chat/completions", {
    method: "POST",
    body: JSON.stringify(ask("hi")),
  });
  const body = (await response.json()) as {
    choices: { message: { tool_calls: { function: { arguments: string } }[] } }[];
  };
  expect(() => JSON.parse(body.choices[0]!.message.tool_calls[0]!.function.arguments)).toThrow();
});

test("the OpenAI SDK talks to it over loopback, and it labels itself a stand-in", async () => {
  const server = await startStandInModel();
  close = server.close;
  expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
  const client = new OpenAI({ baseURL: server.url, apiKey: "none", maxRetries: 0 });
  const completion = await client.chat.completions.create({
    model: "gpt-4o-mini",
    messages: [{ role: "user", content: "I want a person" }],
    tools: [{ type: "function", function: { name: "handoff_toHuman", parameters: {} } }],
  });
  expect(completion.model).toBe(STAND_IN_MODEL_NAME);
  expect(completion.choices[0]!.message.tool_calls![0]).toMatchObject({
    type: "function",
    function: { name: "handoff_toHuman" },
  });
  expect(server.requests[0]!.messages[0]!.content).toBe("I want a person");
});

test("a timeout failure hangs until the caller's timeout aborts it", async () => {
  const server = await startStandInModel();
  close = server.close;
  server.failNext("timeout");
  const client = new OpenAI({ baseURL: server.url, apiKey: "none", maxRetries: 0, timeout: 50 });
  await expect(
    client.chat.completions.create({ model: "m", messages: [{ role: "user", content: "hi" }] }),
  ).rejects.toThrow(/timed out/i);
});

test("in process, a hung request is cut by the caller's abort even after its Request was collected", async () => {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  const model = createStandInModel();
  model.failNext("timeout");
  const caller = new AbortController();
  const answer = model.fetch("http://model.test/v1/chat/completions", {
    method: "POST",
    body: JSON.stringify(ask("hi")),
    signal: caller.signal,
  });
  const outcome = answer.then(
    () => "answered",
    (error: Error) => error.name,
  );
  // Nothing but the pending call refers to the Request the fetch built; collect it.
  for (let i = 0; i < 5; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    gc();
  }
  caller.abort();
  expect(await outcome).toBe("AbortError");
});

test("it transcribes uploaded audio over loopback: labelled, from the bytes, as .ogg only", async () => {
  const server = await startStandInModel();
  close = server.close;
  const client = new OpenAI({ baseURL: server.url, apiKey: "none", maxRetries: 0 });
  const bytes = new TextEncoder().encode("OggS\u0000SPOKEN: Where is my order?");
  const result = await client.audio.transcriptions.create({
    file: await toFile(bytes, "voice.ogg", { type: "audio/ogg" }),
    model: "gpt-4o-mini-transcribe",
  });
  expect(result.text).toBe(`${STAND_IN_TRANSCRIPT_LABEL} Where is my order?`);
  expect(server.transcriptions).toEqual([
    {
      model: "gpt-4o-mini-transcribe",
      filename: "voice.ogg",
      type: "audio/ogg",
      bytes: bytes.length,
    },
  ]);
  await expect(
    client.audio.transcriptions.create({
      file: await toFile(bytes, "voice.opus", { type: "audio/ogg" }),
      model: "gpt-4o-mini-transcribe",
    }),
  ).rejects.toThrow(/Unsupported file format opus/);
});
