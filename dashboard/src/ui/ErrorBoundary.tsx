/**
 * Catches what a page throws while rendering (a Convex query that failed, e.g. NOT_FOUND for a
 * deep link to a deleted thread) and shows it with a retry instead of a blank screen.
 */
import { Component, type ErrorInfo, type ReactNode } from "react";
import { errorMessage } from "../lib/errors";
import { ErrorPanel } from "./States";

type Props = { children: ReactNode; resetKey?: string };
type State = { error: unknown; resetKey?: string };

export class ErrorBoundary extends Component<Props, State> {
  state: State = { error: null, resetKey: this.props.resetKey };

  static getDerivedStateFromError(error: unknown): Partial<State> {
    return { error };
  }

  static getDerivedStateFromProps(props: Props, state: State): Partial<State> | null {
    // Navigating elsewhere clears the error.
    if (props.resetKey !== state.resetKey) return { error: null, resetKey: props.resetKey };
    return null;
  }

  componentDidCatch(error: unknown, info: ErrorInfo) {
    console.error(error, info.componentStack);
  }

  render() {
    if (this.state.error !== null) {
      return (
        <ErrorPanel
          title="This page could not load"
          message={errorMessage(this.state.error)}
          onRetry={() => this.setState({ error: null })}
        />
      );
    }
    return this.props.children;
  }
}
