// @vitest-environment jsdom
/** The template editor applies the template rules as the author types, before anything is sent. */
import { fireEvent, screen } from "@testing-library/react";
import { expect, test, vi } from "vitest";
import { TemplateEditorForm } from "../../dashboard/src/templates/TemplateEditorForm";
import { renderUi } from "./render";

const type = (label: string | RegExp, value: string) =>
  fireEvent.change(screen.getByLabelText(label), { target: { value } });
const problems = () => screen.queryByTestId("template-problems")?.textContent ?? "";
const submit = () => screen.getByRole("button", { name: "Submit for review" });

test("an empty template lists what is missing and cannot be submitted", () => {
  renderUi(<TemplateEditorForm pending={false} error={null} onSubmit={() => {}} />);
  expect(problems()).toContain("Name: lowercase letters");
  expect(problems()).toContain("Body: text is required.");
  expect(submit()).toHaveProperty("disabled", true);
});

test("a body variable asks for its example, and the template is ready once given", () => {
  const onSubmit = vi.fn();
  renderUi(<TemplateEditorForm pending={false} error={null} onSubmit={onSubmit} />);
  type("Name", "order_shipped");
  type("Body", "Your order {{1}} has shipped today.");
  expect(problems()).toContain("Body: an example is required for each variable.");
  type("Example for {{1}}", "A-1042");
  expect(screen.queryByTestId("template-problems")).toBeNull();
  expect(screen.getByTestId("template-ok")).toBeTruthy();
  fireEvent.click(submit());
  const [, components] = onSubmit.mock.calls[0]!;
  expect(components).toEqual([
    {
      type: "BODY",
      text: "Your order {{1}} has shipped today.",
      example: { body_text: [["A-1042"]] },
    },
  ]);
});

test("a variable ending the body is refused while typing", () => {
  renderUi(<TemplateEditorForm pending={false} error={null} onSubmit={() => {}} />);
  type("Name", "greeting");
  type("Body", "Hello {{1}}");
  type("Example for {{1}}", "Ana");
  expect(problems()).toContain("Body: a variable may not start or end the text.");
});

test("numbered variables must follow each other from {{1}}", () => {
  renderUi(<TemplateEditorForm pending={false} error={null} onSubmit={() => {}} />);
  type("Name", "reminder");
  type("Body", "Dear customer, your visit {{2}} is confirmed.");
  expect(problems()).toContain("positional variables must be {{1}} to {{1}}");
});

test("a variable in the footer is refused", () => {
  renderUi(<TemplateEditorForm pending={false} error={null} onSubmit={() => {}} />);
  type("Name", "receipt");
  type("Body", "Thanks for your purchase.");
  type("Footer (optional)", "Order {{1}}");
  expect(problems()).toContain("Footer: variables are not allowed.");
});

test("a body made mostly of variables is accepted with advice, not blocked", () => {
  renderUi(<TemplateEditorForm pending={false} error={null} onSubmit={() => {}} />);
  type("Name", "dense");
  type("Body", "Hi {{1}} {{2}} ok");
  type("Example for {{1}}", "a");
  type("Example for {{2}}", "b");
  expect(screen.getByText(/Two variables side by side/)).toBeTruthy();
  expect(submit()).toHaveProperty("disabled", false);
});
