// Lint: typescript-eslint (type-aware) everywhere, Convex's rules for convex/, React hooks for
// the dashboard, and the provider boundary: only convex/whatsapp/provider*.ts (the provider
// actions: connections and sends, templates, media downloads) may reach the provider.
import js from "@eslint/js";
import convexPlugin from "@convex-dev/eslint-plugin";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "convex/_generated/**",
      "node_modules/**",
      "dist/**",
      "dashboard/dist/**",
      ".local/**",
      "**/*.config.js",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts", "**/*.tsx"],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: { ...globals.node, ...globals.browser },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" },
      ],
    },
  },
  ...convexPlugin.configs.recommended,
  {
    // Convex reads auth.config.ts at deploy time, where process.env is the documented way.
    files: ["convex/auth.config.ts"],
    rules: { "@convex-dev/no-process-env": "off" },
  },
  {
    // The provider boundary: only the provider actions talk to Kapso or Meta.
    files: ["convex/**/*.ts"],
    ignores: [
      "convex/whatsapp/provider.ts",
      "convex/whatsapp/providerMedia.ts",
      "convex/whatsapp/providerTemplates.ts",
      "convex/whatsapp/cloudApi.ts",
      "convex/whatsapp/kapsoPlatform.ts",
    ],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["@kapso/*", "**/kapsoPlatform", "**/cloudApi"],
              message: "Only convex/whatsapp/provider*.ts may call the provider (Kapso or Meta).",
            },
          ],
        },
      ],
    },
  },
  {
    // Template definitions are checked with the Kapso client's own schema (no network calls).
    files: ["convex/whatsapp/templateDefinitions.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["**/kapsoPlatform", "**/cloudApi"],
              message: "Only convex/whatsapp/provider*.ts may call the provider (Kapso or Meta).",
            },
          ],
        },
      ],
    },
  },
  {
    // Size limits: a module says one thing, a function does one thing.
    files: ["convex/**/*.ts"],
    rules: { "max-lines": ["error", { max: 450, skipBlankLines: false, skipComments: false }] },
  },
  {
    files: ["convex/**/*.ts", "scripts/**/*.ts", "dashboard/**/*.{ts,tsx}"],
    rules: {
      "max-lines-per-function": [
        "error",
        { max: 80, skipBlankLines: false, skipComments: false, IIFEs: true },
      ],
    },
  },
);
