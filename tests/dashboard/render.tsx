/**
 * Renders a dashboard component for a jsdom test: inside the Mantine provider and a router (at
 * `/development/...`), with the browser APIs jsdom lacks (matchMedia, ResizeObserver, fonts)
 * stubbed.
 */
import { MantineProvider } from "@mantine/core";
import { cleanup, render } from "@testing-library/react";
import type { ReactElement } from "react";
import { MemoryRouter, Route, Routes } from "react-router";
import { afterEach } from "vitest";
import { cssVariablesResolver, theme } from "../../dashboard/src/theme";

class NoopResizeObserver {
  observe() {}
  unobserve() {}
  disconnect() {}
}

function stubBrowser() {
  window.matchMedia ??= (query: string) =>
    ({
      matches: false,
      media: query,
      onchange: null,
      addListener: () => {},
      removeListener: () => {},
      addEventListener: () => {},
      removeEventListener: () => {},
      dispatchEvent: () => false,
    }) as MediaQueryList;
  globalThis.ResizeObserver ??= NoopResizeObserver as unknown as typeof ResizeObserver;
  Element.prototype.scrollIntoView ??= () => {};
  // Autosizing text areas listen for web fonts loading.
  if (!("fonts" in document)) {
    Object.defineProperty(document, "fonts", { value: new EventTarget(), configurable: true });
  }
}

afterEach(cleanup);

export function renderUi(ui: ReactElement) {
  stubBrowser();
  return render(
    <MantineProvider theme={theme} cssVariablesResolver={cssVariablesResolver} env="test">
      <MemoryRouter initialEntries={["/development/test"]}>
        <Routes>
          <Route path="/:env/*" element={ui} />
        </Routes>
      </MemoryRouter>
    </MantineProvider>,
  );
}
