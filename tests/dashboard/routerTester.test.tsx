// @vitest-environment jsdom
/** The router tester shows, for a typed message, which rule and agent would answer, before saving. */
import { fireEvent, screen } from "@testing-library/react";
import { expect, test, vi } from "vitest";
import type { Id } from "../../convex/_generated/dataModel";
import {
  RouterTesterView,
  type RouterPreview,
  type TesterInput,
} from "../../dashboard/src/routers/RouterTesterView";
import { renderUi } from "./render";

const sales = { agentId: "agents:sales" as Id<"agents">, slug: "sales", name: "Sales" };
const support = { agentId: "agents:support" as Id<"agents">, slug: "support", name: "Support" };

const ruleMatch: RouterPreview = {
  outcome: "rule",
  agent: sales,
  matchedRule: 1,
  reason: 'rule 2 matched (keyword "price")',
  rules: [
    { index: 0, matches: false, agent: support },
    { index: 1, matches: true, agent: sales },
  ],
  classifierCandidates: [],
};

const typed: TesterInput = { text: "What is the price?", interactiveReplyId: "" };

test("before a message is typed the tester asks for one", () => {
  renderUi(
    <RouterTesterView
      input={{ text: "", interactiveReplyId: "" }}
      onChange={() => {}}
      preview={undefined}
    />,
  );
  expect(screen.getByText("Type a message to see who would answer it.")).toBeTruthy();
});

test("typing a message reports it to the editor", () => {
  const onChange = vi.fn();
  renderUi(
    <RouterTesterView
      input={{ text: "", interactiveReplyId: "" }}
      onChange={onChange}
      preview={undefined}
    />,
  );
  fireEvent.change(screen.getByLabelText("Customer message"), { target: { value: "refund" } });
  expect(onChange).toHaveBeenCalledWith({ text: "refund", interactiveReplyId: "" });
});

test("a matching rule is named with the agent that would answer", () => {
  renderUi(<RouterTesterView input={typed} onChange={() => {}} preview={ruleMatch} />);
  const result = screen.getByTestId("router-test-result");
  expect(result.textContent).toContain("Rule matched");
  expect(result.textContent).toContain("Rule 2");
  expect(result.textContent).toContain("→ Sales (sales)");
  expect(result.textContent).toContain('rule 2 matched (keyword "price")');
});

test("without a match the fallback is shown, with the broken rules explained", () => {
  const preview: RouterPreview = {
    outcome: "fallback",
    agent: support,
    matchedRule: null,
    reason: "No rule matched: the fallback agent answers.",
    rules: [{ index: 0, matches: false, agent: sales, problem: "Give at least one keyword." }],
    classifierCandidates: [],
  };
  renderUi(<RouterTesterView input={typed} onChange={() => {}} preview={preview} />);
  const result = screen.getByTestId("router-test-result");
  expect(result.textContent).toContain("Fallback");
  expect(result.textContent).toContain("→ Support (support)");
  expect(result.textContent).toContain("Rule 1: Give at least one keyword.");
});

test("a router that would leave the message unanswered says so", () => {
  const preview: RouterPreview = {
    outcome: "no_agent",
    agent: null,
    matchedRule: null,
    reason: "No rule matched and the router has no usable fallback agent.",
    rules: [],
    classifierCandidates: [],
  };
  renderUi(<RouterTesterView input={typed} onChange={() => {}} preview={preview} />);
  expect(screen.getByTestId("router-test-result").textContent).toContain("Nobody answers");
});
