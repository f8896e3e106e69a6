/**
 * The signed-in dashboard: provisions the organization on first visit, then shows one
 * environment at a time — the inbox, the numbers and who handles them, the agents, and the
 * activity (webhook deliveries with replay, agent runs).
 */
import { useMutation } from "convex/react";
import { useEffect, useState } from "react";
import { api } from "../../convex/_generated/api";
import type { Environment } from "../../convex/lib/validators";
import { Agents } from "./Agents";
import { Deliveries } from "./Deliveries";
import { Inbox } from "./Inbox";
import { Numbers } from "./Numbers";
import { errorMessage } from "./errors";
import "./styles.css";

type Tab = "inbox" | "numbers" | "agents" | "activity";

export function App() {
  const ensure = useMutation(api.organizations.ensure);
  const [who, setWho] = useState<{ organizationName: string; role: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [environment, setEnvironment] = useState<Environment>("development");
  const [tab, setTab] = useState<Tab>("inbox");
  useEffect(() => {
    ensure({})
      .then(setWho)
      .catch((e: unknown) => setError(errorMessage(e)));
  }, [ensure]);
  if (error) return <p role="alert">{error}</p>;
  if (who === null) return <p>Preparing your organization…</p>;
  return (
    <div className="app">
      <header>
        <strong>Switchboard</strong>
        <span className="muted">
          {who.organizationName} · {who.role}
        </span>
        <nav>
          {(["inbox", "numbers", "agents", "activity"] as const).map((name) => (
            <button
              key={name}
              className={tab === name ? "active" : ""}
              onClick={() => setTab(name)}
            >
              {name}
            </button>
          ))}
        </nav>
        <label>
          Environment{" "}
          <select
            value={environment}
            onChange={(e) => setEnvironment(e.target.value as Environment)}
          >
            <option value="development">development</option>
            <option value="production">production</option>
          </select>
        </label>
      </header>
      <main>
        {tab === "inbox" && <Inbox environment={environment} />}
        {tab === "numbers" && <Numbers environment={environment} />}
        {tab === "agents" && <Agents environment={environment} />}
        {tab === "activity" && <Deliveries environment={environment} />}
      </main>
    </div>
  );
}
