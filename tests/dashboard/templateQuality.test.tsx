// @vitest-environment jsdom
/**
 * Template quality and category, in the list and on an existing template: the rating is a
 * coloured badge that also says it in words, a template not rated yet reads "Unknown", and an
 * announced category change is shown beside the category.
 */
import { screen } from "@testing-library/react";
import type { ReactElement } from "react";
import { expect, test, vi } from "vitest";
import { WhoContext, type Who } from "../../dashboard/src/lib/who";
import { TemplateOverview } from "../../dashboard/src/templates/ExistingTemplate";
import { QualityBadge } from "../../dashboard/src/templates/QualityBadge";
import { TemplateTable, type Template } from "../../dashboard/src/templates/TemplateTable";
import { renderUi } from "./render";

vi.mock("convex/react", () => ({ useAction: () => vi.fn() }));

const template = {
  _id: "templates:1",
  connectionId: "whatsappConnections:1",
  name: "order_update",
  language: "en_US",
  category: "MARKETING",
  previousCategory: "UTILITY",
  categoryChange: { to: "UTILITY", at: Date.UTC(2025, 10, 1) },
  parameterFormat: "positional",
  status: "APPROVED",
  quality: { score: "YELLOW", previousScore: "GREEN", updatedAt: Date.UTC(2025, 9, 20) },
  updatedAt: 0,
  components: [
    { type: "BODY", text: "Hi {{1}}, your order ships today.", example: { body_text: [["Ana"]] } },
  ],
} as unknown as Template;

const admin = { role: "admin" } as unknown as Who;
const asAdmin = (ui: ReactElement) => <WhoContext.Provider value={admin}>{ui}</WhoContext.Provider>;

test.each([
  ["GREEN", "High · GREEN", "teal"],
  ["YELLOW", "Medium · YELLOW", "yellow"],
  ["RED", "Low · RED", "red"],
  ["UNKNOWN", "Unknown · UNKNOWN", "gray"],
])("a %s rating reads %s in %s", (score, text, color) => {
  renderUi(<QualityBadge quality={{ score, updatedAt: 0 }} />);
  const badge = screen.getByTestId("template-quality");
  expect(badge.textContent).toBe(text);
  expect(badge.getAttribute("style")).toContain(`--mantine-color-${color}`);
});

test("a template Meta has not rated yet reads Unknown", () => {
  renderUi(<QualityBadge quality={undefined} />);
  expect(screen.getByTestId("template-quality").textContent).toBe("Unknown · UNKNOWN");
});

test("the list shows each template's quality and category", () => {
  renderUi(asAdmin(<TemplateTable templates={[template]} />));
  const row = screen.getByTestId("template-row");
  expect(row.textContent).toContain("Medium · YELLOW");
  expect(row.textContent).toContain("MARKETING(was UTILITY)becomes UTILITY");
  expect(screen.getByRole("columnheader", { name: "Quality" })).toBeTruthy();
});

test("an existing template shows its quality, category and a preview with its examples", () => {
  renderUi(asAdmin(<TemplateOverview t={template} onDelete={async () => {}} />));
  expect(screen.getByRole("heading", { name: "order_update" })).toBeTruthy();
  const facts = screen.getByRole("table", { name: "Template" });
  expect(facts.textContent).toContain("QualityMedium · YELLOW");
  expect(facts.textContent).toContain("CategoryMARKETING");
  expect(screen.getByLabelText("Template preview").textContent).toContain(
    "Hi Ana, your order ships today.",
  );
});
