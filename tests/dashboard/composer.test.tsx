// @vitest-environment jsdom
/**
 * The inbox composer in each mode: AI handling offers only Take over; a human owner replies
 * (Enter sends, Shift+Enter does not) and releases with an optional note for the AI; a closed
 * window turns it into the template picker asking for every variable; a failed last message
 * shows WhatsApp's reason.
 */
import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { expect, test, vi } from "vitest";
import { ComposerView, type ComposerViewProps } from "../../dashboard/src/inbox/ComposerView";
import { composerMode, WINDOW_MS } from "../../dashboard/src/inbox/threadState";
import type { MessageView, TemplateView } from "../../dashboard/src/inbox/types";
import { renderUi } from "./render";

function props(overrides: Partial<ComposerViewProps>): ComposerViewProps {
  return {
    mode: "human",
    failure: null,
    templates: [],
    pending: false,
    error: null,
    onTakeOver: vi.fn(),
    onRelease: vi.fn(),
    onSend: vi.fn(async () => true),
    onSendTemplate: vi.fn(async () => true),
    ...overrides,
  };
}

const shipping = {
  _id: "templates:1",
  connectionId: "whatsappConnections:1",
  name: "order_update",
  language: "en_US",
  category: "UTILITY",
  parameterFormat: "positional",
  status: "APPROVED",
  updatedAt: 0,
  components: [
    { type: "HEADER", format: "TEXT", text: "Order {{1}}" },
    { type: "BODY", text: "Hi {{1}}, your parcel ships on {{2}}." },
    { type: "BUTTONS", buttons: [{ type: "URL", text: "Track", url: "https://t.example/{{1}}" }] },
  ],
} as unknown as TemplateView;
const pending = {
  ...shipping,
  _id: "templates:2",
  name: "promo",
  status: "PENDING",
} as TemplateView;

test("the mode follows the owner and the 24-hour window", () => {
  const now = 1_000_000_000_000;
  const open = { lastInboundAt: now - 1000 };
  const closed = { lastInboundAt: now - WINDOW_MS - 1 };
  expect(composerMode({ owner: "ai", channelParams: open }, now)).toBe("ai");
  expect(composerMode({ owner: "human", channelParams: open }, now)).toBe("human");
  expect(composerMode({ owner: "human", channelParams: closed }, now)).toBe("window_closed");
});

test("while the AI handles the conversation there is no reply box, only Take over", () => {
  const p = props({ mode: "ai" });
  renderUi(<ComposerView {...p} />);
  expect(screen.queryByLabelText("Reply")).toBeNull();
  fireEvent.change(screen.getByLabelText("Note for the timeline (optional)"), {
    target: { value: "VIP" },
  });
  fireEvent.click(screen.getByRole("button", { name: "Take over" }));
  expect(p.onTakeOver).toHaveBeenCalledWith("VIP");
});

test("a human owner sends with Enter, adds lines with Shift+Enter, and can release", async () => {
  const p = props({ mode: "human" });
  renderUi(<ComposerView {...p} />);
  const box = screen.getByLabelText("Reply");
  fireEvent.change(box, { target: { value: "On its way" } });
  fireEvent.keyDown(box, { key: "Enter", shiftKey: true });
  expect(p.onSend).not.toHaveBeenCalled();
  fireEvent.keyDown(box, { key: "Enter" });
  expect(p.onSend).toHaveBeenCalledWith("On its way");
  await waitFor(() => expect((box as HTMLTextAreaElement).value).toBe(""));
  fireEvent.click(screen.getByRole("button", { name: "Release to AI" }));
  fireEvent.keyDown(await screen.findByLabelText("Note for the AI (optional)"), { key: "Enter" });
  expect(p.onRelease).toHaveBeenCalledWith(undefined);
});

test("release asks for an optional note: Shift+Enter adds a line, Enter releases with it", async () => {
  const p = props({ mode: "human" });
  renderUi(<ComposerView {...p} />);
  fireEvent.click(screen.getByRole("button", { name: "Release to AI" }));
  const dialog = await screen.findByRole("dialog", { name: "Release to AI" });
  const note = within(dialog).getByLabelText("Note for the AI (optional)");
  await waitFor(() => expect(document.activeElement).toBe(note));
  fireEvent.change(note, { target: { value: "  Refund issued, courier on Monday " } });
  fireEvent.keyDown(note, { key: "Enter", shiftKey: true });
  expect(p.onRelease).not.toHaveBeenCalled();
  fireEvent.keyDown(note, { key: "Enter" });
  expect(p.onRelease).toHaveBeenCalledWith("Refund issued, courier on Monday");
  await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
});

test("Escape closes the release dialog without releasing", async () => {
  const p = props({ mode: "window_closed" });
  renderUi(<ComposerView {...p} />);
  fireEvent.click(screen.getByRole("button", { name: "Release to AI" }));
  const note = await screen.findByLabelText("Note for the AI (optional)");
  fireEvent.keyDown(note, { key: "Escape" });
  await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
  expect(p.onRelease).not.toHaveBeenCalled();
});

test("the release dialog can be opened from outside (the r shortcut) and confirmed by button", async () => {
  const onReleaseOpenChange = vi.fn();
  const p = props({ mode: "human", releaseOpen: true, onReleaseOpenChange });
  renderUi(<ComposerView {...p} />);
  const dialog = await screen.findByRole("dialog", { name: "Release to AI" });
  fireEvent.click(within(dialog).getByRole("button", { name: "Release" }));
  expect(p.onRelease).toHaveBeenCalledWith(undefined);
  expect(onReleaseOpenChange).toHaveBeenCalledWith(false);
});

test("after the window closes only approved templates are offered, with a field per variable", async () => {
  const p = props({ mode: "window_closed", templates: [shipping, pending] });
  renderUi(<ComposerView {...p} />);
  expect(screen.queryByLabelText("Reply")).toBeNull();
  const picker = screen.getAllByLabelText("Template").find((el) => el.tagName === "INPUT")!;
  fireEvent.click(picker);
  expect(screen.queryByText("promo (en_US)")).toBeNull();
  fireEvent.click(await screen.findByText("order_update (en_US)"));
  for (const label of ["Header {{1}}", "Body {{1}}", "Body {{2}}", 'Button "Track" link ending']) {
    expect(screen.getByLabelText(label)).toBeTruthy();
  }
  const send = screen.getByRole("button", { name: "Send template" });
  expect(send).toHaveProperty("disabled", true);
  fireEvent.change(screen.getByLabelText("Header {{1}}"), { target: { value: "A-7" } });
  fireEvent.change(screen.getByLabelText("Body {{1}}"), { target: { value: "Ana" } });
  fireEvent.change(screen.getByLabelText("Body {{2}}"), { target: { value: "Monday" } });
  fireEvent.change(screen.getByLabelText('Button "Track" link ending'), {
    target: { value: "A-7" },
  });
  expect(screen.getByLabelText("Template preview").textContent).toContain(
    "Hi Ana, your parcel ships on Monday.",
  );
  fireEvent.click(send);
  expect(p.onSendTemplate).toHaveBeenCalledWith(shipping, {
    header: ["A-7"],
    body: ["Ana", "Monday"],
    buttons: [{ index: 0, text: "A-7" }],
  });
});

test("a failed last message shows WhatsApp's code and reason", () => {
  const failure = {
    channelData: {
      direction: "outbound",
      status: "failed",
      error: { code: 131047, title: "Re-engagement message" },
    },
  } as unknown as MessageView;
  renderUi(<ComposerView {...props({ mode: "window_closed", failure })} />);
  const banner = screen.getAllByRole("alert")[0]!;
  expect(banner.textContent).toContain("131047: Re-engagement message");
  expect(banner.textContent).toContain("only a template can reach them now");
});
