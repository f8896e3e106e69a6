/**
 * Numbers of one environment: enable WhatsApp, connect through the provider's setup link or
 * Meta's Cloud API directly, and choose each number's agent or router.
 */
import { useMutation, useQuery } from "convex/react";
import { useState, type FormEvent } from "react";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import type { Environment } from "../../convex/lib/validators";
import { errorMessage } from "./errors";
import { HandoffSettings } from "./HandoffSettings";

export function Numbers({ environment }: { environment: Environment }) {
  const status = useQuery(api.whatsapp.connections.getStatus, { environment });
  const agents = useQuery(api.agents.definitions.list, { environment });
  const routers = useQuery(api.agents.routers.list, { environment });
  const enable = useMutation(api.whatsapp.connections.enable);
  const setup = useMutation(api.whatsapp.connections.setup);
  const setAgent = useMutation(api.whatsapp.connections.setAgent);
  const setRouter = useMutation(api.whatsapp.connections.setRouter);
  const disconnect = useMutation(api.whatsapp.connections.disconnect);
  const [error, setError] = useState<string | null>(null);
  const act = (fn: () => Promise<unknown>) => {
    setError(null);
    fn().catch((e: unknown) => setError(errorMessage(e)));
  };
  if (status === undefined || agents === undefined || routers === undefined) return <p>Loading…</p>;
  if (!status.enabled) {
    return (
      <section>
        <p>WhatsApp is not enabled in {environment}.</p>
        <button onClick={() => act(() => enable({ environment }))}>Enable WhatsApp</button>
        {error && <p role="alert">{error}</p>}
      </section>
    );
  }
  return (
    <section>
      <h2>Numbers</h2>
      {error && <p role="alert">{error}</p>}
      <table>
        <thead>
          <tr>
            <th>Number</th>
            <th>Status</th>
            <th>Handled by</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {status.connections.map((c) => (
            <tr key={c._id}>
              <td>
                {c.label} <span className="muted">{c.phoneNumber}</span>
                <div className="muted">{c.provider === "meta" ? "Meta Cloud API" : "Kapso"}</div>
              </td>
              <td>
                {c.status}
                {c.setupLinkUrl && (
                  <>
                    {" "}
                    <a href={c.setupLinkUrl}>finish setup</a>
                  </>
                )}
                {c.setupError && <div role="alert">{c.setupError}</div>}
              </td>
              <td>
                <select
                  value={
                    c.agentId ? `agent:${c.agentId}` : c.routerId ? `router:${c.routerId}` : ""
                  }
                  onChange={(e) => {
                    const [kind, id] = e.target.value.split(":");
                    if (kind === "agent") {
                      act(() =>
                        setAgent({
                          environment,
                          connectionId: c._id,
                          agentId: id as Id<"agents">,
                          replaceRouter: true,
                        }),
                      );
                    } else if (kind === "router") {
                      act(() =>
                        setRouter({
                          environment,
                          connectionId: c._id,
                          routerId: id as Id<"routers">,
                          replaceAgent: true,
                        }),
                      );
                    }
                  }}
                >
                  <option value="">(environment default)</option>
                  {agents.map((a) => (
                    <option key={a._id} value={`agent:${a._id}`}>
                      agent {a.name}
                    </option>
                  ))}
                  {routers.map((r) => (
                    <option key={r._id} value={`router:${r._id}`}>
                      router {r.name}
                    </option>
                  ))}
                </select>
              </td>
              <td>
                {c.status !== "disconnected" && (
                  <button
                    onClick={() => act(() => disconnect({ environment, connectionId: c._id }))}
                  >
                    Disconnect
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {status.connections
        .filter((c) => c.status === "connected")
        .map((c) => (
          <Templates key={c._id} environment={environment} connectionId={c._id} label={c.label} />
        ))}
      <button onClick={() => act(() => setup({ environment }))}>
        Connect a number through Kapso
      </button>
      <MetaForm environment={environment} onError={setError} />
      <HandoffSettings environment={environment} />
    </section>
  );
}

const META_FIELDS = [
  ["label", "Label"],
  ["phoneNumber", "Phone number (E.164)"],
  ["phoneNumberId", "Phone number id"],
  ["businessAccountId", "Business account id"],
  ["appId", "App id"],
  ["appSecret", "App secret"],
  ["accessToken", "Access token"],
  ["graphApiVersion", "Graph API version (v23.0)"],
  ["verifyToken", "Webhook verify token (optional)"],
] as const;

function MetaForm({
  environment,
  onError,
}: {
  environment: Environment;
  onError: (message: string | null) => void;
}) {
  const connect = useMutation(api.whatsapp.connections.connectMeta);
  const [values, setValues] = useState<Record<string, string>>({});
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onError(null);
    connect({
      environment,
      label: values.label ?? "",
      phoneNumber: values.phoneNumber ?? "",
      phoneNumberId: values.phoneNumberId ?? "",
      businessAccountId: values.businessAccountId ?? "",
      appId: values.appId ?? "",
      appSecret: values.appSecret ?? "",
      accessToken: values.accessToken ?? "",
      graphApiVersion: values.graphApiVersion || undefined,
      verifyToken: values.verifyToken || undefined,
    })
      .then(() => setValues({}))
      .catch((err: unknown) => onError(errorMessage(err)));
  };
  return (
    <details>
      <summary>Connect a number with Meta's Cloud API directly</summary>
      <form onSubmit={submit} className="form">
        {META_FIELDS.map(([name, label]) => (
          <label key={name}>
            {label}
            <input
              type={name === "appSecret" || name === "accessToken" ? "password" : "text"}
              value={values[name] ?? ""}
              onChange={(e) => setValues({ ...values, [name]: e.target.value })}
            />
          </label>
        ))}
        <button type="submit">Connect</button>
      </form>
    </details>
  );
}

/** The message templates of one number, with Meta's review status. */
function Templates({
  environment,
  connectionId,
  label,
}: {
  environment: Environment;
  connectionId: Id<"whatsappConnections">;
  label: string;
}) {
  const templates = useQuery(api.whatsapp.templates.list, { environment, connectionId });
  if (templates === undefined) return null;
  return (
    <details>
      <summary>
        Templates of {label} ({templates.length})
      </summary>
      <ul>
        {templates.map((t) => (
          <li key={t._id}>
            {t.name} <span className="muted">{t.language}</span> · {t.category} ·{" "}
            <strong>{t.status}</strong>
            {t.statusReason ? ` (${t.statusReason})` : ""}
          </li>
        ))}
      </ul>
    </details>
  );
}
