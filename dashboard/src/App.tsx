/**
 * The signed-in dashboard: provisions the organization, then shows WhatsApp status per
 * environment (numbers, their handler) and lets admins enable WhatsApp and connect numbers.
 */
import { useMutation, useQuery } from "convex/react";
import { useEffect, useState } from "react";
import { api } from "../../convex/_generated/api";
import type { Environment } from "../../convex/lib/validators";

export function App() {
  const ensure = useMutation(api.organizations.ensure);
  const [ready, setReady] = useState(false);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    ensure({})
      .then(() => setReady(true))
      .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, [ensure]);
  const [environment, setEnvironment] = useState<Environment>("development");
  if (error) return <p role="alert">{error}</p>;
  if (!ready) return <p>Preparing your organization…</p>;
  return (
    <main>
      <h1>Switchboard</h1>
      <label>
        Environment{" "}
        <select value={environment} onChange={(e) => setEnvironment(e.target.value as Environment)}>
          <option value="development">development</option>
          <option value="production">production</option>
        </select>
      </label>
      <WhatsAppStatus environment={environment} />
    </main>
  );
}

function WhatsAppStatus({ environment }: { environment: Environment }) {
  const status = useQuery(api.whatsapp.getStatus, { environment });
  const enable = useMutation(api.whatsapp.enableWhatsApp);
  const setup = useMutation(api.whatsapp.setupWhatsApp);
  if (status === undefined) return <p>Loading…</p>;
  if (!status.enabled) {
    return (
      <section>
        <p>WhatsApp is not enabled in {environment}.</p>
        <button onClick={() => void enable({ environment })}>Enable WhatsApp</button>
      </section>
    );
  }
  return (
    <section>
      <h2>Numbers</h2>
      <ul>
        {status.connections.map((c) => (
          <li key={c._id}>
            <strong>{c.label}</strong> {c.phoneNumber ?? ""} — {c.status}
            {c.setupLinkUrl ? (
              <>
                {" "}
                <a href={c.setupLinkUrl}>finish setup</a>
              </>
            ) : null}
            {c.setupError ? <span role="alert"> {c.setupError}</span> : null}
          </li>
        ))}
      </ul>
      <button onClick={() => void setup({ environment })}>Connect a number</button>
    </section>
  );
}
