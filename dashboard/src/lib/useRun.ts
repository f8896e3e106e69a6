/**
 * Runs one user action (a mutation or action call) with its pending flag and the error shown
 * inline beside the control, so a failed action can be read and retried where it happened.
 */
import { useCallback, useState } from "react";
import { errorMessage } from "./errors";

export function useRun() {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const run = useCallback(
    async <T>(fn: () => Promise<T>, success?: string): Promise<T | undefined> => {
      setPending(true);
      setError(null);
      setDone(null);
      try {
        const result = await fn();
        if (success) setDone(success);
        return result;
      } catch (e) {
        setError(errorMessage(e));
        return undefined;
      } finally {
        setPending(false);
      }
    },
    [],
  );
  const clear = useCallback(() => {
    setError(null);
    setDone(null);
  }, []);
  return { run, pending, error, done, clear };
}
