/**
 * What a teammate can do on a conversation: take over, release (with an optional note for the
 * AI), reply, send a template. Each is one backend call (atomic), shown with its error inline;
 * acting on a thread that needed a person also marks its notifications handled.
 */
import { useAction, useMutation } from "convex/react";
import { useCallback, useEffect, useState } from "react";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import type { TemplateParameters } from "../../../convex/lib/validators";
import { useEnvironment } from "../lib/environment";
import { useRun } from "../lib/useRun";
import type { TemplateView } from "./types";

export function useConversationActions(
  threadId: Id<"threads">,
  notificationIds: Id<"notifications">[],
) {
  const environment = useEnvironment();
  const takeOverFn = useMutation(api.inbox.threads.takeOver);
  const releaseFn = useMutation(api.inbox.threads.release);
  const replyFn = useMutation(api.outbound.sends.sendHumanReply);
  const templateFn = useAction(api.outbound.sends.sendTemplate);
  const markRead = useMutation(api.inbox.handoff.markNotificationRead);
  const { run, pending, error } = useRun();
  // Once this teammate has acted on the conversation, the "needs a person" notifications the AI
  // or a signal raised for it are handled (taking it over oneself raises none).
  const [acted, setActed] = useState(false);
  const key = notificationIds.join(",");
  useEffect(() => {
    if (!acted || key === "") return;
    for (const id of key.split(",")) {
      void markRead({ environment, notificationId: id as Id<"notifications"> });
    }
  }, [acted, key, markRead, environment]);
  const handled = useCallback(async () => setActed(true), []);
  const takeOver = useCallback(
    (note?: string) =>
      void run(async () => {
        await takeOverFn({ environment, threadId, ...(note ? { summary: note } : {}) });
        await handled();
      }),
    [run, takeOverFn, environment, threadId, handled],
  );
  const release = useCallback(
    (note?: string) =>
      void run(async () => {
        await releaseFn({ environment, threadId, ...(note ? { summary: note } : {}) });
        await handled();
      }),
    [run, releaseFn, environment, threadId, handled],
  );
  const send = useCallback(
    async (text: string) =>
      (await run(async () => {
        await replyFn({ environment, threadId, text });
        await handled();
        return true;
      })) === true,
    [run, replyFn, environment, threadId, handled],
  );
  const sendTemplate = useCallback(
    async (template: TemplateView, parameters: TemplateParameters) =>
      (await run(async () => {
        await templateFn({
          environment,
          threadId,
          name: template.name,
          language: template.language,
          parameters,
        });
        await handled();
        return true;
      })) === true,
    [run, templateFn, environment, threadId, handled],
  );
  return { takeOver, release, send, sendTemplate, pending, error };
}
