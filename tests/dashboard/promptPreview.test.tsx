// @vitest-environment jsdom
/** The agent editor's live prompt preview: sample values fill the template as the author types. */
import { fireEvent, screen } from "@testing-library/react";
import { useState } from "react";
import { expect, test } from "vitest";
import { PromptPreview } from "../../dashboard/src/agents/PromptPreview";
import { DEFAULT_SAMPLE } from "../../dashboard/src/agents/promptVariables";
import { renderUi } from "./render";

function Harness({ template }: { template: string }) {
  const [sample, setSample] = useState(DEFAULT_SAMPLE);
  return <PromptPreview template={template} sample={sample} onSampleChange={setSample} />;
}

test("the preview fills every variable with the sample values", () => {
  renderUi(
    <Harness template="Hi {{threadContext.params.contactName}}, this is {{business.name}}." />,
  );
  expect(screen.getByTestId("prompt-preview").textContent).toBe(
    "Hi Alex Sample, this is Demo Org.",
  );
});

test("changing a sample value changes the preview at once", () => {
  renderUi(<Harness template="Hello {{threadContext.params.contactName}}" />);
  fireEvent.change(screen.getByLabelText("threadContext.params.contactName"), {
    target: { value: "Ana" },
  });
  expect(screen.getByTestId("prompt-preview").textContent).toBe("Hello Ana");
});

test("a misspelt variable is flagged and renders as missing", () => {
  renderUi(<Harness template="Hi {{threadContext.params.contactNmae}}" />);
  expect(screen.getByRole("alert").textContent).toContain("{{threadContext.params.contactNmae}}");
  expect(screen.getByTestId("prompt-preview").textContent).toBe(
    "Hi [missing: threadContext.params.contactNmae]",
  );
});

test("a known variable left empty in the sample is listed, not flagged as unknown", () => {
  renderUi(<Harness template="Persona: {{connection.persona}}" />);
  fireEvent.change(screen.getByLabelText("connection.persona"), { target: { value: "" } });
  expect(screen.queryByRole("alert")).toBeNull();
  expect(screen.getByText("Empty in this sample:")).toBeTruthy();
  expect(screen.getByTestId("prompt-preview").textContent).toBe(
    "Persona: [missing: connection.persona]",
  );
});
