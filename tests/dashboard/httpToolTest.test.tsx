// @vitest-environment jsdom
/**
 * The HTTP tool's test call form: sample arguments start from the schema and are checked as
 * typed, the call gets what was typed, and the answer is shown with status, time, type and body.
 */
import { fireEvent, screen } from "@testing-library/react";
import { expect, test, vi } from "vitest";
import {
  HttpToolTestView,
  type HttpToolTestViewProps,
  type TestCallResult,
} from "../../dashboard/src/agents/HttpToolTest";
import { renderUi } from "./render";

const parameters = JSON.stringify({
  type: "object",
  properties: { orderId: { type: "string" }, verbose: { type: "boolean" } },
  required: ["orderId"],
});

function show(overrides: Partial<HttpToolTestViewProps> = {}) {
  const onRun = vi.fn();
  renderUi(
    <HttpToolTestView
      toolName="order_status"
      parameters={parameters}
      unsaved={false}
      canRun
      pending={false}
      error={null}
      result={null}
      onRun={onRun}
      {...overrides}
    />,
  );
  return onRun;
}

const argumentsBox = () => screen.getByLabelText("Sample arguments for order_status");
const sendButton = () => screen.getByRole("button", { name: "Send test call" });

test("the sample arguments start with every property of the schema", () => {
  show();
  expect(JSON.parse((argumentsBox() as HTMLTextAreaElement).value)).toEqual({
    orderId: "",
    verbose: false,
  });
});

test("arguments that are not JSON cannot be sent", () => {
  show();
  fireEvent.change(argumentsBox(), { target: { value: "{orderId:" } });
  expect(screen.getByText("Not valid JSON.")).toBeTruthy();
  expect((sendButton() as HTMLButtonElement).disabled).toBe(true);
});

test("a missing required argument is named before sending", () => {
  show();
  fireEvent.change(argumentsBox(), { target: { value: '{"verbose": true}' } });
  expect(screen.getByText("Missing required: orderId.")).toBeTruthy();
  expect((sendButton() as HTMLButtonElement).disabled).toBe(true);
});

test("sending passes the typed arguments to the call", () => {
  const onRun = show();
  fireEvent.change(argumentsBox(), { target: { value: '{"orderId": "A-1"}' } });
  fireEvent.click(sendButton());
  expect(onRun).toHaveBeenCalledWith('{"orderId": "A-1"}');
});

test("the answer shows its status, time, content type and the start of its body", () => {
  const result: TestCallResult = {
    ok: true,
    status: 200,
    durationMs: 184,
    contentType: "application/json",
    body: '{"status":"shipped","key":"[redacted]"}',
    truncated: true,
    overLimit: false,
    ignoredArguments: [],
  };
  show({ result });
  const panel = screen.getByTestId("test-call-result");
  expect(panel.textContent).toContain("HTTP 200");
  expect(panel.textContent).toContain("184 ms");
  expect(panel.textContent).toContain("application/json");
  expect(panel.textContent).toContain('"status":"shipped"');
  expect(panel.textContent).toContain("Only the start of the body is shown.");
});

test("a call that got no answer says why", () => {
  const result: TestCallResult = {
    ok: false,
    status: null,
    durationMs: 5000,
    contentType: null,
    body: "",
    truncated: false,
    overLimit: false,
    error: "The tool did not answer within 5000 ms.",
    ignoredArguments: [],
  };
  show({ result });
  const panel = screen.getByTestId("test-call-result");
  expect(panel.textContent).toContain("No answer");
  expect(panel.textContent).toContain("The tool did not answer within 5000 ms.");
});

test("a refused call shows the backend's reason", () => {
  show({
    error: "The tool's address is not allowed (10.0.0.7 is a local, private or internal address.).",
  });
  expect(screen.getByRole("alert").textContent).toContain("not allowed");
});

test("unsaved changes are flagged: the saved tool is what gets called", () => {
  show({ unsaved: true });
  expect(
    screen.getByText("This tool has unsaved changes: the test uses the saved version."),
  ).toBeTruthy();
});

test("members see the test call disabled, with the reason", () => {
  show({ canRun: false });
  expect((sendButton() as HTMLButtonElement).disabled).toBe(true);
  expect(screen.getByText("Only admins can make test calls.")).toBeTruthy();
});
