/** Agents of one environment: the list, and a form to create one from a prompt template. */
import { useMutation, useQuery } from "convex/react";
import { useState, type FormEvent } from "react";
import { api } from "../../convex/_generated/api";
import type { Environment } from "../../convex/lib/validators";
import { errorMessage } from "./errors";

export function Agents({ environment }: { environment: Environment }) {
  const agents = useQuery(api.agents.definitions.list, { environment });
  const routers = useQuery(api.agents.routers.list, { environment });
  const create = useMutation(api.agents.definitions.create);
  const [form, setForm] = useState({ name: "", slug: "", systemPrompt: "" });
  const [error, setError] = useState<string | null>(null);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    create({ environment, ...form })
      .then(() => setForm({ name: "", slug: "", systemPrompt: "" }))
      .catch((err: unknown) => setError(errorMessage(err)));
  };
  if (agents === undefined || routers === undefined) return <p>Loading…</p>;
  return (
    <section>
      <h2>Agents</h2>
      <table>
        <thead>
          <tr>
            <th>Name</th>
            <th>Slug</th>
            <th>Model</th>
            <th>Tools</th>
          </tr>
        </thead>
        <tbody>
          {agents.map((a) => (
            <tr key={a._id}>
              <td>{a.name}</td>
              <td>{a.slug}</td>
              <td>{a.model}</td>
              <td>{a.tools.join(", ")}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Routers</h2>
      <ul>
        {routers.map((r) => (
          <li key={r._id}>
            {r.name}{" "}
            <span className="muted">
              ({r.slug}, {r.mode}, {r.rules.length} rules)
            </span>
          </li>
        ))}
      </ul>
      <h3>New agent</h3>
      {error && <p role="alert">{error}</p>}
      <form onSubmit={submit} className="form">
        <label>
          Name
          <input value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} />
        </label>
        <label>
          Slug
          <input value={form.slug} onChange={(e) => setForm({ ...form, slug: e.target.value })} />
        </label>
        <label>
          System prompt (variables: {"{{threadContext.params.contactName}}"},{" "}
          {"{{threadContext.params.phoneNumber}}"}, {"{{threadContext.channel}}"})
          <textarea
            rows={6}
            value={form.systemPrompt}
            onChange={(e) => setForm({ ...form, systemPrompt: e.target.value })}
          />
        </label>
        <button type="submit">Create agent</button>
      </form>
    </section>
  );
}
