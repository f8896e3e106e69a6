/** The tester wired to the backend's routing preview, with the unsaved router as it is edited. */
import { useQuery } from "convex/react";
import { useDeferredValue, useEffect, useState } from "react";
import { api } from "../../../convex/_generated/api";
import { useEnvironment } from "../lib/environment";
import { completeRules, type RouterDraft } from "./draft";
import { RouterTesterView, type RouterPreview, type TesterInput } from "./RouterTesterView";

export function RouterTester({
  draft,
  onResult,
}: {
  draft: RouterDraft;
  onResult?: (p: RouterPreview | undefined) => void;
}) {
  const environment = useEnvironment();
  const [input, setInput] = useState<TesterInput>({ text: "", interactiveReplyId: "" });
  const deferredInput = useDeferredValue(input);
  const deferredDraft = useDeferredValue(draft);
  const active = deferredInput.text.trim() !== "" || deferredInput.interactiveReplyId.trim() !== "";
  const preview = useQuery(
    api.console.routerPreview.test,
    active
      ? {
          environment,
          mode: deferredDraft.mode,
          rules: completeRules(deferredDraft.rules),
          ...(deferredDraft.fallbackAgentId
            ? { fallbackAgentId: deferredDraft.fallbackAgentId }
            : {}),
          classifierAgentIds: deferredDraft.classifierAgentIds,
          text: deferredInput.text,
          ...(deferredInput.interactiveReplyId.trim()
            ? { interactiveReplyId: deferredInput.interactiveReplyId.trim() }
            : {}),
        }
      : "skip",
  );
  const result = active ? preview : undefined;
  useEffect(() => onResult?.(result), [result, onResult]);
  return <RouterTesterView input={input} onChange={setInput} preview={preview} />;
}
