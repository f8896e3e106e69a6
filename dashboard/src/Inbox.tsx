/**
 * The inbox: conversations newest first, the selected conversation's messages with their
 * delivery ticks, and the human controls (take over, release).
 */
import { useMutation, usePaginatedQuery, useQuery } from "convex/react";
import { useState } from "react";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import type { Environment } from "../../convex/lib/validators";
import { errorMessage } from "./errors";

const TICKS: Record<string, string> = {
  queued: "🕓",
  sent: "✓",
  delivered: "✓✓",
  read: "✓✓ read",
  played: "✓✓ played",
  failed: "⚠ failed",
  received: "",
};

export function Inbox({ environment }: { environment: Environment }) {
  const { results, status, loadMore } = usePaginatedQuery(
    api.inbox.threads.list,
    { environment },
    { initialNumItems: 30 },
  );
  const [selected, setSelected] = useState<Id<"threads"> | null>(null);
  const alerts = useQuery(api.inbox.handoff.notifications, { environment, unreadOnly: true });
  const markRead = useMutation(api.inbox.handoff.markNotificationRead);
  return (
    <div className="inbox">
      <aside>
        {alerts && alerts.length > 0 && (
          <ul className="alerts">
            {alerts.map((n) => (
              <li key={n._id}>
                <button
                  onClick={() => {
                    setSelected(n.threadId);
                    void markRead({ environment, notificationId: n._id });
                  }}
                >
                  🔔 {n.title}
                </button>
                <div className="muted">{n.body}</div>
              </li>
            ))}
          </ul>
        )}
        {results.length === 0 && status !== "LoadingFirstPage" && (
          <p className="muted">No conversations yet.</p>
        )}
        <ul>
          {results.map((thread) => (
            <li key={thread._id}>
              <button
                className={selected === thread._id ? "active" : ""}
                onClick={() => setSelected(thread._id)}
              >
                {thread.channelParams.contactName ?? thread.channelParams.phoneNumber ?? "Customer"}
                {thread.owner === "human" && <span className="badge">human</span>}
              </button>
            </li>
          ))}
        </ul>
        {status === "CanLoadMore" && <button onClick={() => loadMore(30)}>More</button>}
      </aside>
      {selected ? (
        <Conversation environment={environment} threadId={selected} />
      ) : (
        <p className="muted">Select a conversation.</p>
      )}
    </div>
  );
}

function Conversation({
  environment,
  threadId,
}: {
  environment: Environment;
  threadId: Id<"threads">;
}) {
  const thread = useQuery(api.inbox.threads.get, { environment, threadId });
  const { results } = usePaginatedQuery(
    api.inbox.threads.messages,
    { environment, threadId },
    { initialNumItems: 50 },
  );
  const takeOver = useMutation(api.inbox.threads.takeOver);
  const release = useMutation(api.inbox.threads.release);
  const reply = useMutation(api.outbound.sends.sendHumanReply);
  const history = useQuery(api.inbox.handoff.history, { environment, threadId });
  const [draft, setDraft] = useState("");
  const [error, setError] = useState<string | null>(null);
  if (thread === undefined) return <p>Loading…</p>;
  const act = (fn: () => Promise<unknown>) => {
    setError(null);
    fn().catch((e: unknown) => setError(errorMessage(e)));
  };
  return (
    <section className="conversation">
      <h2>
        {thread.channelParams.contactName ?? "Customer"}{" "}
        <span className="muted">{thread.channelParams.phoneNumber}</span>
      </h2>
      <p>
        Answered by <strong>{thread.owner === "ai" ? "the AI" : "a human"}</strong>{" "}
        {thread.owner === "ai" ? (
          <button onClick={() => act(() => takeOver({ environment, threadId }))}>Take over</button>
        ) : (
          <button onClick={() => act(() => release({ environment, threadId }))}>
            Hand back to the AI
          </button>
        )}
      </p>
      {error && <p role="alert">{error}</p>}
      <ol className="messages">
        {[...results].reverse().map((m) => (
          <li key={m._id} className={`message ${m.channelData.direction} ${m.role}`}>
            <span className="role">{m.role}</span> {m.content}
            <span className="ticks">
              {TICKS[m.channelData.status] ?? m.channelData.status}
              {m.channelData.error
                ? ` (${m.channelData.error.code}: ${m.channelData.error.title})`
                : ""}
            </span>
          </li>
        ))}
      </ol>
      <form
        className="reply"
        onSubmit={(e) => {
          e.preventDefault();
          if (draft.trim() === "") return;
          act(() => reply({ environment, threadId, text: draft }).then(() => setDraft("")));
        }}
      >
        <textarea
          rows={3}
          placeholder="Reply as a human (the AI stays silent while a human owns the thread)"
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
        />
        <button type="submit">Send</button>
      </form>
      {history && history.length > 0 && (
        <details>
          <summary>Handoff history</summary>
          <ul>
            {history.map((h) => (
              <li key={h._id}>
                {new Date(h.at).toLocaleString()}: to {h.to} ({h.reason})
                {h.summary ? ` — ${h.summary}` : ""}
              </li>
            ))}
          </ul>
        </details>
      )}
    </section>
  );
}
