// @vitest-environment jsdom
/**
 * The list pages (agents, routers): loading, empty and filled states, and the "New …" button,
 * which members see disabled both in the header and in the empty state.
 */
import { screen } from "@testing-library/react";
import { expect, test } from "vitest";
import { WhoContext, type Who } from "../../dashboard/src/lib/who";
import { ListPage } from "../../dashboard/src/ui/ListPage";
import { renderUi } from "./render";

type Item = { id: string; name: string };

function who(role: "admin" | "member"): Who {
  return {
    organizationId: "org_1" as Who["organizationId"],
    organizationName: "Acme",
    role,
    userId: "user_1",
    environments: ["development"],
  };
}

function page(role: "admin" | "member", items: Item[] | undefined) {
  return renderUi(
    <WhoContext.Provider value={who(role)}>
      <ListPage
        title="Agents"
        description="Each agent answers with a model."
        newLabel="New agent"
        items={items}
        empty={{ icon: null, title: "No agents yet", description: "Create one." }}
        columns={["Agent"]}
        renderRow={(item) => (
          <tr key={item.id}>
            <td>{item.name}</td>
          </tr>
        )}
      />
    </WhoContext.Provider>,
  );
}

const newButtons = () => screen.getAllByRole("link", { name: "New agent" });

test("while the list loads, neither rows nor the empty state show", () => {
  page("admin", undefined);
  expect(screen.queryByText("No agents yet")).toBeNull();
  expect(screen.queryByRole("table")).toBeNull();
});

test("an empty list says so and offers to create the first one", () => {
  page("admin", []);
  expect(screen.getByText("No agents yet")).toBeTruthy();
  expect(newButtons()).toHaveLength(2);
  for (const button of newButtons()) expect(button.getAttribute("data-disabled")).toBeNull();
});

test("a member sees the create buttons disabled, in the empty state too", () => {
  page("member", []);
  expect(newButtons()).toHaveLength(2);
  for (const button of newButtons()) expect(button.getAttribute("data-disabled")).toBe("true");
});

test("items show as rows of a table named after the page", () => {
  page("admin", [
    { id: "a", name: "Support" },
    { id: "b", name: "Sales" },
  ]);
  const table = screen.getByRole("table", { name: "Agents" });
  expect(table.textContent).toContain("Support");
  expect(table.textContent).toContain("Sales");
  expect(screen.queryByText("No agents yet")).toBeNull();
});
