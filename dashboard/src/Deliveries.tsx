/**
 * Webhook deliveries of one environment: every delivery with its verdict and counts, the
 * failed ones (dead letters, rejected signatures) first when filtered, and replay for admins
 * once the cause (an unassigned number, a disabled integration) is fixed.
 */
import { useMutation, useQuery } from "convex/react";
import { useState } from "react";
import { api } from "../../convex/_generated/api";
import type { Environment } from "../../convex/lib/validators";
import { errorMessage } from "./errors";

export function Deliveries({ environment }: { environment: Environment }) {
  const [failedOnly, setFailedOnly] = useState(true);
  const deliveries = useQuery(api.whatsapp.deliveries.list, {
    environment,
    failedOnly,
    limit: 100,
  });
  const replay = useMutation(api.whatsapp.deliveries.replay);
  const [error, setError] = useState<string | null>(null);
  if (deliveries === undefined) return <p>Loading…</p>;
  return (
    <section>
      <h2>Webhook deliveries</h2>
      <label>
        <input
          type="checkbox"
          checked={failedOnly}
          onChange={(e) => setFailedOnly(e.target.checked)}
        />{" "}
        Only those needing attention
      </label>
      {error && <p role="alert">{error}</p>}
      {deliveries.length === 0 ? (
        <p className="muted">Nothing here.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Received</th>
              <th>Source</th>
              <th>Event</th>
              <th>Verdict</th>
              <th>Stored</th>
              <th>Problem</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {deliveries.map((d) => (
              <tr key={d._id}>
                <td>{new Date(d.receivedAt).toLocaleString()}</td>
                <td>{d.source}</td>
                <td>{d.eventType ?? ""}</td>
                <td>{d.verdict}</td>
                <td>
                  {d.counts.messages} msg · {d.counts.statuses} status · {d.counts.duplicates} dup
                </td>
                <td>
                  {d.deadLetter
                    ? `${d.deadLetter.reason}${d.deadLetter.detail ? ` (${d.deadLetter.detail})` : ""}`
                    : ""}
                  {d.resolvedAt ? " — resolved" : ""}
                </td>
                <td>
                  {d.replayable && (
                    <button
                      onClick={() => {
                        setError(null);
                        replay({ environment, deliveryId: d._id }).catch((e: unknown) =>
                          setError(errorMessage(e)),
                        );
                      }}
                    >
                      Replay{d.replays > 0 ? ` (${d.replays})` : ""}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <AgentRuns environment={environment} />
    </section>
  );
}

/** The latest agent turns: what triggered them, what was decided, cost and outcome. */
function AgentRuns({ environment }: { environment: Environment }) {
  const runs = useQuery(api.agents.runs.list, { environment, limit: 50 });
  if (runs === undefined) return null;
  return (
    <>
      <h2>Agent runs</h2>
      <table>
        <thead>
          <tr>
            <th>Started</th>
            <th>Outcome</th>
            <th>Decision</th>
            <th>Tools</th>
            <th>Tokens</th>
            <th>Latency</th>
          </tr>
        </thead>
        <tbody>
          {runs.map((r) => (
            <tr key={r._id}>
              <td>{new Date(r.startedAt).toLocaleString()}</td>
              <td>
                {r.outcome}
                {r.error ? <div role="alert">{r.error}</div> : null}
              </td>
              <td>{r.decision?.reason ?? ""}</td>
              <td>{r.toolCalls.map((c) => `${c.name}${c.ok ? "" : " ✗"}`).join(", ")}</td>
              <td>
                {r.tokensIn} in / {r.tokensOut} out (${r.costUsd.toFixed(4)})
              </td>
              <td>{r.latencyMs !== undefined ? `${r.latencyMs} ms` : ""}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
