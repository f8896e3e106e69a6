// @vitest-environment jsdom
/**
 * Settings → Limits: each tenant limit with its current use as a bar that refills with time,
 * and what happens once a limit is reached.
 */
import { screen } from "@testing-library/react";
import { expect, test } from "vitest";
import { LimitsView, type LimitUsage } from "../../dashboard/src/settings/LimitsSection";
import { renderUi } from "./render";

const T0 = Date.UTC(2026, 5, 1, 9, 0, 0);

const turns: LimitUsage = {
  limit: "turns",
  label: "Agent turns",
  unit: "turns",
  capacity: 20,
  refillPerMinute: 60,
  used: 10,
  measuredAt: T0,
  whenReached: "New turns are delayed, not dropped.",
};
const tokens: LimitUsage = {
  limit: "modelTokens",
  label: "Model tokens",
  unit: "tokens",
  capacity: 10_000,
  refillPerMinute: 10_000,
  used: 0,
  measuredAt: T0,
  whenReached: "New turns wait until the budget has refilled.",
};

test("each limit shows how much of it is used, as text and as a bar", () => {
  renderUi(<LimitsView usage={[turns, tokens]} now={T0} />);
  expect(screen.getByTestId("limit-turns").textContent).toContain("10 of 20 turns used");
  expect(screen.getByLabelText("Agent turns: 50% used")).toBeTruthy();
  expect(screen.getByTestId("limit-modelTokens").textContent).toContain("0 of 10,000 tokens used");
});

test("the use goes down as the bucket refills", () => {
  renderUi(<LimitsView usage={[turns]} now={T0 + 5_000} />);
  expect(screen.getByTestId("limit-turns").textContent).toContain("5 of 20 turns used");
});

test("a limit that is not reached says what would happen", () => {
  renderUi(<LimitsView usage={[turns]} now={T0} />);
  expect(screen.getByTestId("limit-turns").textContent).toContain(
    "When reached: New turns are delayed, not dropped.",
  );
  expect(screen.queryByText("Limit reached")).toBeNull();
});

test("a reached limit is flagged with what happens now", () => {
  renderUi(<LimitsView usage={[{ ...turns, used: 25 }]} now={T0} />);
  expect(screen.getByTestId("limit-turns").textContent).toContain("25 of 20 turns used");
  expect(screen.getByText("Limit reached")).toBeTruthy();
  expect(screen.getByLabelText("Agent turns: 100% used")).toBeTruthy();
});
