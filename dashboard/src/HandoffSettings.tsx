/**
 * The environment's handoff policy: escalation keywords (any language) and the message sent
 * when one is used, auto-release after inactivity, fallbacks before a handoff, and where
 * handoffs are announced (Slack incoming webhook, signed HTTP hook). Hook secrets are write-only.
 */
import { useMutation, useQuery } from "convex/react";
import { useState, type FormEvent } from "react";
import { api } from "../../convex/_generated/api";
import type { Environment } from "../../convex/lib/validators";
import { errorMessage } from "./errors";

export function HandoffSettings({ environment }: { environment: Environment }) {
  const settings = useQuery(api.inbox.handoff.getSettings, { environment });
  const update = useMutation(api.inbox.handoff.updateSettings);
  const [draft, setDraft] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<string | null>(null);
  if (settings === undefined) return null;
  const value = (name: string, current: string) => draft[name] ?? current;
  const field = (name: string) => (e: { target: { value: string } }) =>
    setDraft({ ...draft, [name]: e.target.value });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setMessage(null);
    const minutes = draft.autoReleaseMinutes;
    const fallbacks = draft.maxConsecutiveFallbacks;
    update({
      environment,
      ...(draft.keywords !== undefined ? { escalationKeywords: draft.keywords.split("\n") } : {}),
      ...(draft.acknowledgement !== undefined
        ? { escalationAcknowledgement: draft.acknowledgement || null }
        : {}),
      ...(minutes !== undefined ? { autoReleaseMinutes: minutes ? Number(minutes) : null } : {}),
      ...(fallbacks !== undefined ? { maxConsecutiveFallbacks: Number(fallbacks) } : {}),
      ...(draft.slack !== undefined ? { slackWebhookUrl: draft.slack || null } : {}),
    })
      .then(() => {
        setDraft({});
        setMessage("Saved.");
      })
      .catch((err: unknown) => setMessage(errorMessage(err)));
  };
  return (
    <details>
      <summary>Handoff settings</summary>
      <form onSubmit={submit} className="form">
        <label>
          Escalation keywords (one per line, any language)
          <textarea
            rows={4}
            value={value("keywords", settings.escalationKeywords.join("\n"))}
            onChange={field("keywords")}
          />
        </label>
        <label>
          Message to the customer when a keyword is used (optional)
          <input
            value={value("acknowledgement", settings.escalationAcknowledgement ?? "")}
            onChange={field("acknowledgement")}
          />
        </label>
        <label>
          Give threads back to the AI after this many minutes without a human (empty: never)
          <input
            inputMode="numeric"
            value={value("autoReleaseMinutes", String(settings.autoReleaseMinutes ?? ""))}
            onChange={field("autoReleaseMinutes")}
          />
        </label>
        <label>
          Hand off after this many fallback replies in a row
          <input
            inputMode="numeric"
            value={value("maxConsecutiveFallbacks", String(settings.maxConsecutiveFallbacks))}
            onChange={field("maxConsecutiveFallbacks")}
          />
        </label>
        <label>
          Slack incoming webhook URL{" "}
          {settings.slackConfigured ? "(configured; enter a new one to replace it)" : ""}
          <input type="password" value={draft.slack ?? ""} onChange={field("slack")} />
        </label>
        <button type="submit">Save</button>
        {message && <p role="status">{message}</p>}
      </form>
    </details>
  );
}
