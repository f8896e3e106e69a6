/** How the dashboard prints counts: singular for one, the plural otherwise, with separators. */
import { expect, test } from "vitest";
import { countOf } from "../../dashboard/src/lib/format";

test("one of a thing is singular", () => {
  expect(countOf(1, "entry", "entries")).toBe("1 entry");
});

test("zero and many are plural, the regular plural by default", () => {
  expect(countOf(0, "entry", "entries")).toBe("0 entries");
  expect(countOf(3, "message")).toBe("3 messages");
});

test("large counts have thousands separators", () => {
  expect(countOf(12_000, "char")).toMatch(/^12[,.\u00a0\u202f]000 chars$/);
});
