package com.lifecycleorchestrator.core;

import java.time.Duration;
import java.util.Optional;

/**
 * A step in the handling of one lifecycle action, reported as it happens: the timeline a person
 * reads in the logs and the counts the metrics are made of.
 */
public sealed interface Milestone {

  /** The group is being deleted: the instance is released at once. */
  record GroupBeingDeleted() implements Milestone {}

  /** The instance's SSM agent cannot run the runbook; {@code runAnyway} if it is started all the same. */
  record AgentUnreachable(Fleet.Agent agent, boolean runAnyway) implements Milestone {}

  /**
   * A launching instance's SSM agent is not online yet ({@code agent} is what SSM says of it): it is
   * looked for again after the pause, while the hook is kept alive.
   */
  record AwaitingAgent(Fleet.Agent agent, Duration pause) implements Milestone {}

  /**
   * The hook's timeouts could not be read ({@code code} says why): the function heartbeats by
   * {@code assumed} instead; {@code lasting} if it keeps doing so for this hook (the call was
   * refused), rather than reading the hook again next time.
   */
  record HookUnreadable(String code, HookTimeouts assumed, boolean lasting) implements Milestone {}

  /** The runbook was started, or an execution started by an earlier delivery was found and followed. */
  record RunbookStarted(Runbook.ExecutionId execution, boolean startedEarlier) implements Milestone {}

  /**
   * The seat's latest execution served an earlier action of the instance, which ended without us
   * (a person completed it, or its hook timed out): it is marked so, and this action gets its own.
   */
  record ExecutionSuperseded(Runbook.ExecutionId execution) implements Milestone {}

  /**
   * The seat's record could not be read at all ({@code code} says why: a refusal, not a failure
   * for now): the action is taken as the first of its seat.
   */
  record RecordUnreadable(String code) implements Milestone {}

  /** The seat's record could not be written on the execution ({@code code} says why); it is repaired later. */
  record RecordNotWritten(String code) implements Milestone {}

  /** A start failed for now and is tried again after the pause. */
  record StartRetried(String code, Duration pause) implements Milestone {}

  /** The runbook's status differs from the one seen before. */
  record StatusChanged(Runbook.Status status) implements Milestone {}

  /** A status check failed; the next one comes on schedule. */
  record StatusCheckFailed(String code) implements Milestone {}

  /** The hook's heartbeat timer was restarted. */
  record HeartbeatSent() implements Milestone {}

  /** A heartbeat failed for now; it is tried again after the pause. */
  record HeartbeatFailed(String code, Duration pause) implements Milestone {}

  /** Completion failed for now and is tried again after the pause. */
  record CompletionRetried(String code, Duration pause) implements Milestone {}

  /** This invocation's time ran low and a fresh invocation was asked to go on; the count includes this one. */
  record HandedOver(int handOvers) implements Milestone {}

  /** The action was parked in the waiting room, to come back after the delay. */
  record Parked(Duration delay, String reason) implements Milestone {}

  /** An invocation took over an action handed over by an earlier one. */
  record Resumed(Optional<Runbook.ExecutionId> execution, int handOvers) implements Milestone {}

  /** The result was sent and Auto Scaling accepted it: the instance is released. */
  record ResultSent(LifecycleResult result) implements Milestone {}

  /** Receives milestones as they happen. */
  @FunctionalInterface
  interface Listener {
    void reached(LifecycleAction action, Milestone milestone);

    /** This listener, then the next. */
    default Listener andThen(Listener next) {
      return (action, milestone) -> {
        reached(action, milestone);
        next.reached(action, milestone);
      };
    }

    Listener NONE = (action, milestone) -> { };
  }
}
