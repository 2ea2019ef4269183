package com.lifecycleorchestrator.core;

import static java.util.Objects.requireNonNull;

import com.lifecycleorchestrator.ports.Automations;
import com.lifecycleorchestrator.ports.LifecycleActions;
import com.lifecycleorchestrator.ports.ServiceFailure;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The handling of one lifecycle action as a state machine: start the runbook, wait for it while
 * keeping the hook alive, complete the action with the result. Its whole state is its
 * {@link Position}; {@link #advance} takes one step and {@link #nextStepAt} says when the next one
 * is due. It never sleeps itself, so the same code runs one action in a Lambda invocation and
 * thousands at once on the virtual clock of a simulation.
 */
public final class Orchestration {

  /** How long a new execution may be unknown to SSM's status call before we stop believing in it. */
  static final Duration NOT_FOUND_GRACE = Duration.ofSeconds(60);

  /** How often to look again for an execution that an earlier delivery started. */
  static final int FIND_ATTEMPTS = 5;

  /** The rules the orchestration runs by. */
  public record Rules(ResultPolicy results, Duration heartbeatTimeout, Backoff polling, Backoff retrying) {
    public Rules {
      requireNonNull(results, "results");
      requireNonNull(heartbeatTimeout, "heartbeatTimeout");
      requireNonNull(polling, "polling");
      requireNonNull(retrying, "retrying");
    }

    /** Heartbeats go out at 40% of the heartbeat timeout, well before the hook would give up. */
    Duration heartbeatEvery() {
      return heartbeatTimeout.multipliedBy(2).dividedBy(5);
    }
  }

  /**
   * The invocation's time: the wait ends at {@code waitUntil}, leaving a reserve until
   * {@code workUntil} in which the result can still be sent.
   */
  public record Budget(Instant waitUntil, Instant workUntil) {
    public Budget {
      requireNonNull(waitUntil, "waitUntil");
      requireNonNull(workUntil, "workUntil");
      if (workUntil.isBefore(waitUntil)) {
        throw new IllegalArgumentException("workUntil must not be before waitUntil");
      }
    }
  }

  /** Where the handling stands, and when its next step is due. */
  sealed interface Position {
    Instant due();

    /** Starting the runbook; {@code attempt} counts the starts that failed for now. */
    record Starting(int attempt, Instant due) implements Position {}

    /** SSM refused our client token as used: looking for the execution an earlier delivery started. */
    record FindingEarlierStart(int attempt, Instant due) implements Position {}

    /** The runbook runs; {@code checks} counts the status checks so far. */
    record Waiting(Runbook.ExecutionId execution, int checks, Instant due) implements Position {}

    /** The result is known and being sent; {@code attempt} counts the sends that failed for now. */
    record Completing(LifecycleResult result, String reason, int attempt, Instant due) implements Position {}

    /** Nothing more to do. */
    record Finished(Outcome outcome) implements Position {
      @Override
      public Instant due() {
        return Instant.MAX;
      }
    }
  }

  private final LifecycleAction action;
  private final Runbook.Start start;
  private final Automations automations;
  private final LifecycleActions lifecycleActions;
  private final Rules rules;
  private final Budget budget;
  private final Milestone.Listener listener;
  private final Instant began;

  private Position position;
  private Instant nextHeartbeat;
  private int heartbeatFailures;
  private Runbook.ExecutionId execution;
  private Runbook.Status lastStatus;
  private Instant runbookRunningSince;
  private Instant waitEndedAt;

  private Orchestration(
      LifecycleAction action,
      Runbook.Start start,
      Automations automations,
      LifecycleActions lifecycleActions,
      Rules rules,
      Budget budget,
      Milestone.Listener listener,
      Instant now) {
    this.action = requireNonNull(action, "action");
    this.start = requireNonNull(start, "start");
    this.automations = requireNonNull(automations, "automations");
    this.lifecycleActions = requireNonNull(lifecycleActions, "lifecycleActions");
    this.rules = requireNonNull(rules, "rules");
    this.budget = requireNonNull(budget, "budget");
    this.listener = requireNonNull(listener, "listener");
    this.began = requireNonNull(now, "now");
    this.position = new Position.Starting(0, now);
    Instant firstHeartbeat = action.heldSince().plus(rules.heartbeatEvery());
    this.nextHeartbeat = firstHeartbeat.isAfter(now) ? firstHeartbeat : now;
  }

  /** The handling of a lifecycle action whose runbook is still to be started. */
  public static Orchestration begin(
      LifecycleAction action,
      Runbook runbook,
      Automations automations,
      LifecycleActions lifecycleActions,
      Rules rules,
      Budget budget,
      Milestone.Listener listener,
      Instant now) {
    return new Orchestration(action, runbook.startFor(action), automations, lifecycleActions, rules,
        budget, listener, now);
  }

  public Optional<Outcome> outcome() {
    return position instanceof Position.Finished finished
        ? Optional.of(finished.outcome())
        : Optional.empty();
  }

  /** When the next step is due: the position's own step, a heartbeat, or the end of the wait. */
  public Instant nextStepAt() {
    if (!holdsInstance()) {
      return position.due();
    }
    Instant next = earliest(position.due(), nextHeartbeat);
    return position instanceof Position.Waiting ? earliest(next, budget.waitUntil()) : next;
  }

  /** Takes whatever steps are due at {@code now}. */
  public void advance(Instant now) {
    if (holdsInstance() && !now.isBefore(nextHeartbeat)) {
      keepAlive(now);
    }
    if (position instanceof Position.Finished) {
      return;
    }
    boolean lastLook = position instanceof Position.Waiting && !now.isBefore(budget.waitUntil());
    if (now.isBefore(position.due()) && !lastLook) {
      return;
    }
    if (position instanceof Position.Starting starting) {
      position = start(starting, now);
    } else if (position instanceof Position.FindingEarlierStart finding) {
      position = findEarlierStart(finding, now);
    } else if (position instanceof Position.Waiting waiting) {
      position = await(waiting, now);
    } else if (position instanceof Position.Completing completing) {
      position = complete(completing, now);
    }
  }

  private boolean holdsInstance() {
    return position instanceof Position.Starting
        || position instanceof Position.FindingEarlierStart
        || position instanceof Position.Waiting;
  }

  private void keepAlive(Instant now) {
    try {
      if (lifecycleActions.recordHeartbeat(action) == LifecycleActions.Answer.NOT_ACTIVE) {
        waitEndedAt = now;
        position = new Position.Finished(new Outcome.AlreadyCompleted(progress(now), Optional.empty(),
            "the lifecycle action was no longer active when its heartbeat was due"));
        return;
      }
      heartbeatFailures = 0;
      nextHeartbeat = now.plus(rules.heartbeatEvery());
      listener.reached(action, new Milestone.HeartbeatSent());
    } catch (ServiceFailure failure) {
      Duration pause = rules.retrying().delayBefore(heartbeatFailures++);
      nextHeartbeat = now.plus(pause);
      listener.reached(action, new Milestone.HeartbeatFailed(failure.code(), pause));
    }
  }

  private Position start(Position.Starting starting, Instant now) {
    try {
      return running(automations.start(start), false, now);
    } catch (ServiceFailure.ClientTokenReused reused) {
      return new Position.FindingEarlierStart(0, now);
    } catch (ServiceFailure.Rejected | ServiceFailure.ExecutionLimitReached refused) {
      return runbookFailed("the runbook could not be started: " + refused.getMessage(), now);
    } catch (ServiceFailure failure) {
      Duration pause = rules.retrying().delayBefore(starting.attempt());
      if (now.plus(pause).isAfter(budget.waitUntil())) {
        return new Position.Finished(new Outcome.OutOfTime(progress(now)));
      }
      listener.reached(action, new Milestone.StartRetried(failure.code(), pause));
      return new Position.Starting(starting.attempt() + 1, now.plus(pause));
    }
  }

  private Position findEarlierStart(Position.FindingEarlierStart finding, Instant now) {
    try {
      Optional<Runbook.ExecutionId> found = automations.findStartedFor(action.token());
      if (found.isPresent()) {
        return running(found.get(), true, now);
      }
    } catch (ServiceFailure failure) {
      // Looked for again below, like an execution that is not listed yet.
    }
    if (finding.attempt() + 1 >= FIND_ATTEMPTS) {
      waitEndedAt = now;
      return new Position.Finished(new Outcome.Unfinished(progress(now), Optional.empty(),
          "SSM refused the client token as used, but no execution tagged "
              + Runbook.Start.actionTagKey(action.token()) + " was found"));
    }
    Duration pause = rules.retrying().delayBefore(finding.attempt());
    return new Position.FindingEarlierStart(finding.attempt() + 1, now.plus(pause));
  }

  private Position running(Runbook.ExecutionId started, boolean startedEarlier, Instant now) {
    execution = started;
    runbookRunningSince = now;
    listener.reached(action, new Milestone.RunbookStarted(started, startedEarlier));
    return new Position.Waiting(started, 0, now.plus(rules.polling().delayBefore(0)));
  }

  private Position await(Position.Waiting waiting, Instant now) {
    int checks = waiting.checks() + 1;
    Instant nextCheck = now.plus(rules.polling().delayBefore(checks));
    try {
      Runbook.Status status = automations.status(waiting.execution());
      if (!status.equals(lastStatus)) {
        lastStatus = status;
        listener.reached(action, new Milestone.StatusChanged(status));
      }
      Optional<LifecycleResult> result = rules.results().resultFor(status);
      if (result.isPresent()) {
        waitEndedAt = now;
        return new Position.Completing(result.get(), "the runbook ended with status " + status, 0, now);
      }
    } catch (ServiceFailure.ExecutionNotFound notFound) {
      listener.reached(action, new Milestone.StatusCheckFailed(notFound.code()));
      if (!now.isBefore(runbookRunningSince.plus(NOT_FOUND_GRACE))) {
        return runbookFailed("SSM no longer knows automation execution " + waiting.execution(), now);
      }
    } catch (ServiceFailure failure) {
      listener.reached(action, new Milestone.StatusCheckFailed(failure.code()));
    }
    if (!now.isBefore(budget.waitUntil())) {
      return new Position.Finished(new Outcome.OutOfTime(progress(now)));
    }
    return new Position.Waiting(waiting.execution(), checks, nextCheck);
  }

  private Position runbookFailed(String reason, Instant now) {
    waitEndedAt = now;
    return new Position.Completing(rules.results().onFailure(), reason, 0, now);
  }

  private Position complete(Position.Completing completing, Instant now) {
    try {
      LifecycleActions.Answer answer = lifecycleActions.complete(action, completing.result());
      if (answer == LifecycleActions.Answer.NOT_ACTIVE) {
        return new Position.Finished(new Outcome.AlreadyCompleted(progress(now),
            Optional.of(completing.result()),
            "no active lifecycle action: it was completed already; " + completing.reason()));
      }
      listener.reached(action, new Milestone.ResultSent(completing.result()));
      return new Position.Finished(
          new Outcome.Completed(progress(now), completing.result(), completing.reason()));
    } catch (ServiceFailure.Transient failure) {
      Duration pause = rules.retrying().delayBefore(completing.attempt());
      if (now.plus(pause).isAfter(budget.workUntil())) {
        return new Position.Finished(new Outcome.Unfinished(progress(now),
            Optional.of(completing.result()), "could not send the result: " + failure.getMessage()));
      }
      listener.reached(action, new Milestone.CompletionRetried(failure.code(), pause));
      return new Position.Completing(completing.result(), completing.reason(),
          completing.attempt() + 1, now.plus(pause));
    } catch (ServiceFailure failure) {
      return new Position.Finished(new Outcome.Unfinished(progress(now),
          Optional.of(completing.result()), "Auto Scaling refused the result: " + failure.getMessage()));
    }
  }

  private Outcome.Progress progress(Instant now) {
    Instant startingEnded = runbookRunningSince != null ? runbookRunningSince
        : waitEndedAt != null ? waitEndedAt : now;
    Duration waiting = runbookRunningSince == null ? Duration.ZERO
        : Duration.between(runbookRunningSince, waitEndedAt != null ? waitEndedAt : now);
    Duration completing = waitEndedAt == null ? Duration.ZERO : Duration.between(waitEndedAt, now);
    return new Outcome.Progress(action, Optional.ofNullable(execution), Optional.ofNullable(lastStatus),
        new Outcome.Timings(Duration.between(began, startingEnded), waiting, completing));
  }

  private static Instant earliest(Instant a, Instant b) {
    return a.isBefore(b) ? a : b;
  }
}
