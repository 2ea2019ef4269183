package com.lifecycleorchestrator.core;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * How the handling of one delivery ended. Each outcome carries what the final log line needs;
 * {@link #needsAttention()} says whether the invocation must fail so the delivery is retried or
 * kept in the failure destination.
 */
public sealed interface Outcome {

  default boolean needsAttention() {
    return false;
  }

  /** We completed the lifecycle action with this result. */
  record Completed(Progress progress, LifecycleResult result, String reason) implements Outcome {}

  /** The lifecycle action was no longer active: a duplicate, a person or its timeout completed it. */
  record AlreadyCompleted(Progress progress, Optional<LifecycleResult> intended, String reason)
      implements Outcome {}

  /** The invocation's time ran low, so a fresh invocation goes on with the action. */
  record HandedOver(Progress progress, Continuation continuation) implements Outcome {}

  /**
   * An action without token (one the reconciler found) that its invocation leaves to the
   * reconciler's next pass, which keeps it alive and hands it over again: its follower cannot tell
   * now that the instance is still held for it (the scaling activities cannot be listed, and the view
   * it was handed is too old to trust), or SSM has no capacity for its runbook now.
   */
  record LeftToTheReconciler(Progress progress, String reason) implements Outcome {}

  /**
   * The action waits in the waiting room, for SSM's capacity or for its runbook's end, and comes back
   * after the delay, for the {@code reason} given.
   */
  record Parked(Progress progress, Continuation continuation, Duration delay, String reason) implements Outcome {}

  /**
   * A runbook's status-change event that could not be matched to the lifecycle action its execution
   * serves, for the reason given: the action's follower, whose polling is the event's fallback,
   * releases it.
   */
  record LeftToPolling(Runbook.ExecutionId execution, String reason) implements Outcome {}

  /** The action could not be seen through: the result or the hand-over was refused or kept failing. */
  record Unfinished(Progress progress, Optional<LifecycleResult> intended, String error)
      implements Outcome {
    @Override
    public boolean needsAttention() {
      return true;
    }
  }

  /** A reconciler pass: what it found waiting and what it recovered. */
  record Reconciled(Reconciler.Report report) implements Outcome {}

  /** Not a lifecycle action we handle: a test notification, another event, a launch without runbook. */
  record Ignored(String reason) implements Outcome {}

  /**
   * A lifecycle action of a group that opted in with a runbook the stack does not allow: left alone,
   * no runbook started and no result sent, until a person allows the runbook or retags the group.
   */
  record RunbookNotAllowed(LifecycleAction action, String reason) implements Outcome {
    public RunbookNotAllowed {
      requireNonNull(action, "action");
      requireNonNull(reason, "reason");
    }

    @Override
    public boolean needsAttention() {
      return true;
    }
  }

  /** A malformed event: each problem names a field and what is wrong with it. */
  record Refused(List<String> problems) implements Outcome {
    public Refused {
      problems = List.copyOf(problems);
    }

    @Override
    public boolean needsAttention() {
      return true;
    }
  }

  /** What was known of a lifecycle action when its handling ended, and the time spent in each phase. */
  record Progress(
      LifecycleAction action,
      Optional<Runbook.ExecutionId> execution,
      Optional<Runbook.Status> status,
      Timings timings) {
    public Progress {
      requireNonNull(action, "action");
      requireNonNull(execution, "execution");
      requireNonNull(status, "status");
      requireNonNull(timings, "timings");
    }
  }

  /**
   * Time spent in this invocation starting the runbook, waiting for it to end, and completing the
   * action; and, once the runbook has ended, how long it ran and how much later the action ended.
   */
  record Timings(
      Duration starting,
      Duration waiting,
      Duration completing,
      Optional<Duration> releaseDelay,
      Optional<Duration> runbookDuration) {}
}
