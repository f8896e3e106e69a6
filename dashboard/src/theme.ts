/**
 * The dashboard's one visual system: Mantine theme (colour, type scale, spacing, radius) shared
 * by every page, in light and dark mode. Production is always orange, development always blue.
 * Colours are chosen for WCAG AA contrast: filled surfaces use the darkest shade (with dark text
 * where the shade is still light), and coloured text on light surfaces a darkened shade.
 */
import {
  createTheme,
  DEFAULT_THEME,
  type CSSVariablesResolver,
  type MantineColor,
} from "@mantine/core";
import type { Environment } from "../../convex/lib/validators";

export const theme = createTheme({
  primaryColor: "teal",
  primaryShade: { light: 9, dark: 9 },
  autoContrast: true,
  luminanceThreshold: 0.18,
  defaultRadius: "md",
  fontFamily:
    "Inter, ui-sans-serif, system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif",
  fontFamilyMonospace: "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace",
  headings: { fontWeight: "650" },
  spacing: { xs: "0.5rem", sm: "0.75rem", md: "1rem", lg: "1.5rem", xl: "2rem" },
  cursorType: "pointer",
  respectReducedMotion: true,
  components: {
    Badge: { defaultProps: { radius: "sm" } },
    Tooltip: { defaultProps: { withArrow: true, openDelay: 200 } },
  },
});

/** `#rrggbb` mixed with black by `amount` (0–1). */
function darken(hex: string, amount: number): string {
  const channels = [1, 3, 5].map((i) =>
    Math.round(parseInt(hex.slice(i, i + 2), 16) * (1 - amount)),
  );
  return `#${channels.map((c) => c.toString(16).padStart(2, "0")).join("")}`;
}

/** Coloured text (light variants, outlines, `c="red"`) and dimmed text, readable in both schemes. */
export const cssVariablesResolver: CSSVariablesResolver = () => {
  const light: Record<string, string> = {
    "--mantine-color-dimmed": DEFAULT_THEME.colors.gray[7],
    "--mantine-color-error": darken(DEFAULT_THEME.colors.red[9], 0.2),
  };
  for (const [name, shades] of Object.entries(DEFAULT_THEME.colors)) {
    const strong = darken(shades[9], 0.35);
    light[`--mantine-color-${name}-light-color`] = strong;
    light[`--mantine-color-${name}-text`] = strong;
    light[`--mantine-color-${name}-outline`] = strong;
  }
  const dark: Record<string, string> = { "--mantine-color-dimmed": DEFAULT_THEME.colors.dark[1] };
  for (const [name, shades] of Object.entries(DEFAULT_THEME.colors)) {
    if (name === "dark" || name === "gray") continue;
    dark[`--mantine-color-${name}-light-color`] = shades[2];
    dark[`--mantine-color-${name}-text`] = shades[3];
    dark[`--mantine-color-${name}-outline`] = shades[3];
  }
  return { variables: {}, light, dark };
};

export const ENVIRONMENT_COLOR: Record<Environment, MantineColor> = {
  development: "blue",
  production: "orange",
};
