// @vitest-environment jsdom
/** The allow-list of other recipients: numbers checked as typed like the backend, then saved. */
import { fireEvent, screen } from "@testing-library/react";
import { expect, test, vi } from "vitest";
import { RecipientsView } from "../../dashboard/src/agents/RecipientsEditor";
import { renderUi } from "./render";

function show(saved: string[] = []) {
  const onSave = vi.fn();
  renderUi(
    <RecipientsView
      saved={saved}
      canEdit
      pending={false}
      error={null}
      done={null}
      onSave={onSave}
    />,
  );
  return onSave;
}

const numberBox = () => screen.getByLabelText("Phone number to allow");
const addButton = () => screen.getByRole("button", { name: "Add" }) as HTMLButtonElement;

test("a number that is not E.164 cannot be added", () => {
  show();
  fireEvent.change(numberBox(), { target: { value: "the manager" } });
  expect(screen.getByText(/Not a phone number/)).toBeTruthy();
  expect(addButton().disabled).toBe(true);
});

test("a number is added in E.164 form and saved with the list", () => {
  const onSave = show(["+15550001000"]);
  fireEvent.change(numberBox(), { target: { value: "+1 (555) 888-0000" } });
  fireEvent.click(addButton());
  expect(screen.getByText("+15558880000")).toBeTruthy();
  fireEvent.click(screen.getByRole("button", { name: "Save numbers" }));
  expect(onSave).toHaveBeenCalledWith(["+15550001000", "+15558880000"]);
});

test("a number already listed is refused, and a listed one can be removed", () => {
  const onSave = show(["+15550001000"]);
  fireEvent.change(numberBox(), { target: { value: "15550001000" } });
  expect(screen.getByText("Already on the list.")).toBeTruthy();
  fireEvent.click(screen.getByRole("button", { name: "Remove +15550001000" }));
  fireEvent.click(screen.getByRole("button", { name: "Save numbers" }));
  expect(onSave).toHaveBeenCalledWith([]);
});
