package com.lifecycleorchestrator.core;

import static java.util.Objects.requireNonNull;

import com.lifecycleorchestrator.ports.Automations;
import com.lifecycleorchestrator.ports.Continuations;
import com.lifecycleorchestrator.ports.LifecycleActions;
import com.lifecycleorchestrator.ports.ServiceFailure;
import com.lifecycleorchestrator.ports.WaitingRoom;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The handling of one lifecycle action as a state machine: start the runbook, wait for it while
 * keeping the hook alive, complete the action with the result, or hand the wait over to a fresh
 * invocation when this one's time runs low. Its whole state is its {@link Position};
 * {@link #advance} takes the steps that are due and {@link #nextStepAt} says when the next one is.
 * It never sleeps itself, so the same code runs one action in a Lambda invocation and thousands at
 * once on the virtual clock of a simulation.
 */
public final class Orchestration implements Steps {

  /** How long a new execution may be unknown to SSM's status call before we stop believing in it. */
  static final Duration NOT_FOUND_GRACE = Duration.ofSeconds(60);

  /** How often to look for the execution an earlier delivery started. */
  static final int FIND_ATTEMPTS = 5;

  /**
   * How long before the hook's global timeout the action is completed with the failure result if
   * the runbook has still not ended (or started): time for a last status check and the completion
   * with all its retries, so that the result is ours and not the hook's default.
   */
  static final Duration DEADLINE_MARGIN = Duration.ofMinutes(2);

  /** Auto Scaling ends a hold after this long at most, whatever the heartbeats. */
  static final Duration LONGEST_GLOBAL_TIMEOUT = Duration.ofHours(48);

  /**
   * How long an execution may stay Pending before we take it to be queued behind SSM's concurrency
   * quota (rather than about to run) and park the action in the waiting room.
   */
  static final Duration QUEUED_AFTER = Duration.ofSeconds(30);

  /**
   * The longest a queued execution is left unwatched: it may start and end while parked, and then
   * waits this long at most to be noticed.
   */
  static final Duration LONGEST_QUEUED_PARK = Duration.ofMinutes(2);

  /** The rules the orchestration runs by. */
  public record Rules(
      ResultPolicy results,
      Duration heartbeatTimeout,
      Backoff polling,
      Backoff retrying,
      Backoff waitingForCapacity) {
    public Rules {
      requireNonNull(results, "results");
      requireNonNull(heartbeatTimeout, "heartbeatTimeout");
      requireNonNull(polling, "polling");
      requireNonNull(retrying, "retrying");
      requireNonNull(waitingForCapacity, "waitingForCapacity");
    }

    /** Heartbeats go out at 40% of the heartbeat timeout, well before the hook would give up. */
    Duration heartbeatEvery() {
      return heartbeatTimeout.multipliedBy(2).dividedBy(5);
    }

    /** The hook's global timeout: 100 heartbeat timeouts or 48 hours, whichever is smaller. */
    Instant hookDeadline(LifecycleAction action) {
      Duration global = heartbeatTimeout.multipliedBy(100);
      return action.heldSince().plus(global.compareTo(LONGEST_GLOBAL_TIMEOUT) < 0 ? global : LONGEST_GLOBAL_TIMEOUT);
    }
  }

  /**
   * The invocation's time: the wait ends at {@code waitUntil}, leaving a reserve until
   * {@code workUntil} in which the result can still be sent or the wait handed over.
   */
  public record Budget(Instant waitUntil, Instant workUntil) {
    public Budget {
      requireNonNull(waitUntil, "waitUntil");
      requireNonNull(workUntil, "workUntil");
      if (workUntil.isBefore(waitUntil)) {
        throw new IllegalArgumentException("workUntil must not be before waitUntil");
      }
    }

    /**
     * The budget of an invocation with {@code remaining} time: work stops {@code returnMargin}
     * before its end and the wait a {@code reserve} before that, the reserve shrinking to a quarter
     * of the time when the time is short.
     */
    public static Budget of(Instant now, Duration remaining, Duration reserve, Duration returnMargin) {
      Instant workUntil = now.plus(remaining).minus(returnMargin);
      Duration quarter = remaining.dividedBy(4);
      return new Budget(workUntil.minus(reserve.compareTo(quarter) < 0 ? reserve : quarter), workUntil);
    }
  }

  /** Where the handling stands, and when its next step is due. */
  sealed interface Position {
    Instant due();

    /**
     * Checking that holding the instance still makes sense before going {@code on}: the group is
     * not being deleted, and (if {@code agent}) the instance's SSM agent can run the runbook.
     */
    record Checking(boolean agent, Position on, Instant due) implements Position {}

    /** Starting the runbook; {@code attempt} counts the starts refused or failed so far. */
    record Starting(int attempt, Instant due) implements Position {}

    /** SSM refused our client token as used: looking for the execution an earlier delivery started. */
    record FindingEarlierStart(int attempt, Instant due) implements Position {}

    /** The runbook runs; {@code checks} counts the status checks so far. */
    record Waiting(Runbook.ExecutionId execution, int checks, Instant due) implements Position {}

    /** This invocation's time runs low: handing the action over to a fresh one. */
    record HandingOver(int attempt, Instant due) implements Position {}

    /** The action waits for SSM's capacity: parking it in the waiting room for {@code delay}. */
    record Parking(Duration delay, Instant due) implements Position {}

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
  private final Continuations continuations;
  private final Rules rules;
  private final Budget budget;
  private final Milestone.Listener listener;
  private final Instant began;
  private final Instant hookDeadline;
  private final int handOversBefore;
  private final Optional<WaitingRoom> waitingRoom;

  private Position position;
  private Instant lastHeartbeat;
  private Instant nextHeartbeat;
  private int heartbeatFailures;
  private Runbook.ExecutionId execution;
  private Runbook.Status lastStatus;
  private Instant runbookRunningSince;
  private Instant runbookEndedAt;
  private Optional<Duration> runbookDuration = Optional.empty();
  private Instant waitEndedAt;
  private int capacityWaits;

  private Orchestration(
      LifecycleAction action,
      Runbook.Start start,
      Ports ports,
      Rules rules,
      Budget budget,
      Instant now,
      Instant hookDeadline,
      Instant lastHeartbeat,
      int handOversBefore,
      int capacityWaits) {
    this.action = requireNonNull(action, "action");
    this.start = requireNonNull(start, "start");
    this.automations = ports.automations();
    this.lifecycleActions = ports.lifecycleActions();
    this.continuations = ports.continuations();
    this.listener = ports.listener();
    this.waitingRoom = ports.waitingRoom();
    this.rules = requireNonNull(rules, "rules");
    this.budget = requireNonNull(budget, "budget");
    this.began = requireNonNull(now, "now");
    this.hookDeadline = requireNonNull(hookDeadline, "hookDeadline");
    this.handOversBefore = handOversBefore;
    this.capacityWaits = capacityWaits;
    this.position = new Position.Checking(true, new Position.Starting(0, now), now);
    this.lastHeartbeat = lastHeartbeat;
    Instant firstHeartbeat = lastHeartbeat.plus(rules.heartbeatEvery());
    this.nextHeartbeat = firstHeartbeat.isAfter(now) ? firstHeartbeat : now;
  }

  /**
   * What an orchestration talks to: AWS through the ports, the waiting room if there is one, and
   * whoever listens to its milestones.
   */
  public record Ports(
      Automations automations,
      LifecycleActions lifecycleActions,
      Continuations continuations,
      Optional<WaitingRoom> waitingRoom,
      Milestone.Listener listener) {
    public Ports {
      requireNonNull(automations, "automations");
      requireNonNull(lifecycleActions, "lifecycleActions");
      requireNonNull(continuations, "continuations");
      requireNonNull(waitingRoom, "waitingRoom");
      requireNonNull(listener, "listener");
    }
  }

  /** The handling of a lifecycle action whose runbook is still to be started. */
  public static Orchestration begin(
      LifecycleAction action, Runbook runbook, Ports ports, Rules rules, Budget budget, Instant now) {
    return new Orchestration(action, runbook.startFor(action), ports, rules, budget, now,
        rules.hookDeadline(action), action.heldSince(), 0, 0);
  }

  /**
   * The handling of a lifecycle action that an earlier invocation handed over, by the deadline the
   * continuation carries: the hook's global timeout was fixed when the action was first seen.
   */
  public static Orchestration resume(
      Continuation continuation, Runbook runbook, Ports ports, Rules rules, Budget budget, Instant now) {
    Orchestration resumed = new Orchestration(continuation.action(), runbook.startFor(continuation.action()),
        ports, rules, budget, now, continuation.hookDeadline(), continuation.lastHeartbeat(),
        continuation.handOvers(), continuation.capacityWaits());
    Position on = new Position.Starting(0, now);
    if (continuation.execution().isPresent()) {
      resumed.execution = continuation.execution().get();
      resumed.runbookRunningSince = now;
      on = new Position.Waiting(resumed.execution, 0, now);
    }
    resumed.position = new Position.Checking(false, on, now);
    ports.listener().reached(continuation.action(),
        new Milestone.Resumed(continuation.execution(), continuation.handOvers()));
    return resumed;
  }

  public Optional<Outcome> outcome() {
    return position instanceof Position.Finished finished
        ? Optional.of(finished.outcome())
        : Optional.empty();
  }

  @Override
  public boolean finished() {
    return position instanceof Position.Finished;
  }

  /** When the next step is due: the position's own step, a heartbeat, or the end of the wait. */
  @Override
  public Instant nextStepAt() {
    if (!holdsInstance()) {
      return position.due();
    }
    return earliest(earliest(position.due(), nextHeartbeat),
        earliest(budget.waitUntil(), hookDeadline.minus(DEADLINE_MARGIN)));
  }

  /** Takes whatever steps are due at {@code now}. */
  @Override
  public void advance(Instant now) {
    if (holdsInstance() && !now.isBefore(nextHeartbeat)) {
      keepAlive(now);
    }
    if (holdsInstance() && !now.isBefore(hookDeadline.minus(DEADLINE_MARGIN))) {
      position = lastLook(now, () -> runbookFailed("the runbook did not " + (execution == null ? "start" : "end")
          + " before the lifecycle hook's global timeout at " + hookDeadline, now));
    }
    if (holdsInstance() && !now.isBefore(budget.waitUntil())) {
      position = lastLook(now, () -> new Position.HandingOver(0, now));
    }
    if (now.isBefore(position.due())) {
      return;
    }
    if (position instanceof Position.Checking checking) {
      position = check(checking, now);
    } else if (position instanceof Position.Starting starting) {
      position = start(starting, now);
    } else if (position instanceof Position.FindingEarlierStart finding) {
      position = findEarlierStart(finding, now);
    } else if (position instanceof Position.Waiting waiting) {
      position = await(waiting, now);
    } else if (position instanceof Position.HandingOver handingOver) {
      position = handOver(handingOver, now);
    } else if (position instanceof Position.Parking parking) {
      position = park(parking, now);
    } else if (position instanceof Position.Completing completing) {
      position = complete(completing, now);
    }
  }

  /** Whether the instance is still held on our account: the runbook is starting or running. */
  private boolean holdsInstance() {
    return position instanceof Position.Checking
        || position instanceof Position.Starting
        || position instanceof Position.FindingEarlierStart
        || position instanceof Position.Waiting;
  }

  private void keepAlive(Instant now) {
    // Before the first check the check itself asks about the group, at the same moment.
    if (!(position instanceof Position.Checking) && groupIsBeingDeleted()) {
      position = releasedForTheGroupsDeletion(now);
      return;
    }
    try {
      if (lifecycleActions.recordHeartbeat(action) == LifecycleActions.Answer.NOT_ACTIVE) {
        waitEndedAt = now;
        position = new Position.Finished(new Outcome.AlreadyCompleted(progress(now), Optional.empty(),
            "the lifecycle action was no longer active when its heartbeat was due"));
        return;
      }
      heartbeatFailures = 0;
      lastHeartbeat = now;
      nextHeartbeat = now.plus(rules.heartbeatEvery());
      listener.reached(action, new Milestone.HeartbeatSent());
    } catch (ServiceFailure failure) {
      Duration pause = rules.retrying().delayBefore(heartbeatFailures++);
      nextHeartbeat = now.plus(pause);
      listener.reached(action, new Milestone.HeartbeatFailed(failure.code(), pause));
    }
  }

  private Position check(Position.Checking checking, Instant now) {
    if (groupIsBeingDeleted()) {
      return releasedForTheGroupsDeletion(now);
    }
    if (!checking.agent()) {
      return checking.on();
    }
    Fleet.Agent agent;
    try {
      agent = automations.agentOf(action.instance());
    } catch (ServiceFailure failure) {
      return checking.on();
    }
    if (agent == Fleet.Agent.ONLINE) {
      return checking.on();
    }
    Optional<LifecycleResult> result = rules.results().onUnreachableAgent();
    listener.reached(action, new Milestone.AgentUnreachable(agent, result.isEmpty()));
    if (result.isEmpty()) {
      return checking.on();
    }
    waitEndedAt = now;
    return new Position.Completing(result.get(), unreachable(agent), 0, now);
  }

  private static String unreachable(Fleet.Agent agent) {
    return switch (agent) {
      case NOT_MANAGED -> "SSM does not manage the instance: no SSM agent is registered for it, or the "
          + "instance id is not one SSM knows; the runbook was not started";
      case CONNECTION_LOST -> "the instance's SSM agent is offline (ping status ConnectionLost); the "
          + "runbook was not started";
      default -> "the instance's SSM agent is inactive (ping status Inactive); the runbook was not started";
    };
  }

  /** Whether the group is being deleted; if Auto Scaling cannot say, it is taken not to be. */
  private boolean groupIsBeingDeleted() {
    try {
      return lifecycleActions.describe(action.group()).state() == Fleet.GroupState.DELETING;
    } catch (ServiceFailure failure) {
      return false;
    }
  }

  private Position releasedForTheGroupsDeletion(Instant now) {
    listener.reached(action, new Milestone.GroupBeingDeleted());
    waitEndedAt = now;
    return new Position.Completing(LifecycleResult.CONTINUE,
        "the group is being deleted: the instance is released at once so that the deletion is not held up", 0, now);
  }

  /**
   * The wait cannot go on (the invocation's time or the hook's is up): one more status check if the
   * runbook runs, and if it still runs, what comes {@code next}.
   */
  private Position lastLook(Instant now, Supplier<Position> next) {
    if (position instanceof Position.Waiting waiting) {
      Position looked = await(waiting, now);
      if (!(looked instanceof Position.Waiting)) {
        return looked;
      }
    }
    return next.get();
  }

  private Position start(Position.Starting starting, Instant now) {
    try {
      return running(automations.start(start), false, now);
    } catch (ServiceFailure.ClientTokenReused reused) {
      return new Position.FindingEarlierStart(0, now);
    } catch (ServiceFailure.Rejected rejected) {
      return runbookFailed("the runbook could not be started: " + rejected.getMessage(), now);
    } catch (ServiceFailure.ExecutionLimitReached | ServiceFailure.Throttled noCapacity) {
      Duration pause = capacityWait(now, rules.waitingForCapacity().cap());
      listener.reached(action, new Milestone.StartRetried(noCapacity.code(), pause));
      return waitingRoom.isPresent()
          ? new Position.Parking(pause, now)
          : new Position.Starting(starting.attempt() + 1, now.plus(pause));
    } catch (ServiceFailure failure) {
      Duration pause = rules.retrying().delayBefore(starting.attempt());
      listener.reached(action, new Milestone.StartRetried(failure.code(), pause));
      return new Position.Starting(starting.attempt() + 1, now.plus(pause));
    }
  }

  /**
   * The next wait for SSM's capacity: growing with each wait in a row, and never longer than the
   * heartbeats allow, the waiting room holds, or the hook's deadline leaves.
   */
  private Duration capacityWait(Instant now, Duration cap) {
    Duration pause = rules.waitingForCapacity().delayBefore(capacityWaits++);
    Duration longest = rules.heartbeatEvery().compareTo(cap) < 0 ? rules.heartbeatEvery() : cap;
    if (waitingRoom.isPresent() && waitingRoom.get().longestDelay().compareTo(longest) < 0) {
      longest = waitingRoom.get().longestDelay();
    }
    Duration leftBeforeDeadline = Duration.between(now, hookDeadline.minus(DEADLINE_MARGIN));
    if (leftBeforeDeadline.compareTo(longest) < 0) {
      longest = leftBeforeDeadline.isNegative() ? Duration.ZERO : leftBeforeDeadline;
    }
    return pause.compareTo(longest) < 0 ? pause : longest;
  }

  private Position findEarlierStart(Position.FindingEarlierStart finding, Instant now) {
    try {
      Optional<Runbook.Found> found = automations.findEarlier(start);
      if (found.isPresent()) {
        return running(found.get().execution(), true, now);
      }
    } catch (ServiceFailure failure) {
      // Looked for again below, like an execution that is not listed yet.
    }
    if (finding.attempt() + 1 >= FIND_ATTEMPTS) {
      waitEndedAt = now;
      return new Position.Finished(new Outcome.Unfinished(progress(now), Optional.empty(),
          "SSM refused the client token as used, but no execution of " + start.documentName()
              + " tagged " + start.lookupTagKey() + " was found"));
    }
    Duration pause = rules.retrying().delayBefore(finding.attempt());
    return new Position.FindingEarlierStart(finding.attempt() + 1, now.plus(pause));
  }

  /** The runbook runs: a new one is first checked on schedule, one started earlier at once. */
  private Position running(Runbook.ExecutionId started, boolean startedEarlier, Instant now) {
    execution = started;
    runbookRunningSince = now;
    listener.reached(action, new Milestone.RunbookStarted(started, startedEarlier));
    return new Position.Waiting(started, 0, startedEarlier ? now : now.plus(rules.polling().delayBefore(0)));
  }

  private Position await(Position.Waiting waiting, Instant now) {
    int checks = waiting.checks() + 1;
    Instant nextCheck = now.plus(rules.polling().delayBefore(checks));
    try {
      Runbook.Observation observed = automations.observe(waiting.execution());
      if (!observed.status().equals(lastStatus)) {
        lastStatus = observed.status();
        listener.reached(action, new Milestone.StatusChanged(observed.status()));
      }
      Optional<LifecycleResult> result = rules.results().resultFor(observed.status());
      if (result.isPresent()) {
        runbookEndedAt = observed.endedAt().orElse(now);
        runbookDuration = observed.startedAt().map(started -> Duration.between(started, runbookEndedAt));
        waitEndedAt = now;
        return new Position.Completing(result.get(), "the runbook ended with status " + observed.status(), 0, now);
      }
      if (!observed.status().isQueued()) {
        capacityWaits = 0;
      } else if (waitingRoom.isPresent()
          && (capacityWaits > 0 || !now.isBefore(runbookRunningSince.plus(QUEUED_AFTER)))) {
        return new Position.Parking(capacityWait(now, LONGEST_QUEUED_PARK), now);
      }
    } catch (ServiceFailure.ExecutionNotFound notFound) {
      listener.reached(action, new Milestone.StatusCheckFailed(notFound.code()));
      if (!now.isBefore(runbookRunningSince.plus(NOT_FOUND_GRACE))) {
        return runbookFailed("SSM no longer knows automation execution " + waiting.execution(), now);
      }
    } catch (ServiceFailure failure) {
      listener.reached(action, new Milestone.StatusCheckFailed(failure.code()));
    }
    return new Position.Waiting(waiting.execution(), checks, nextCheck);
  }

  private Position runbookFailed(String reason, Instant now) {
    waitEndedAt = now;
    return new Position.Completing(rules.results().onFailure(), reason, 0, now);
  }

  /**
   * Parks the action: a heartbeat first if one would fall due before it comes back, then the
   * continuation into the waiting room. If the waiting room refuses it, the wait goes on here.
   */
  private Position park(Position.Parking parking, Instant now) {
    Instant back = now.plus(parking.delay());
    if (nextHeartbeat.isBefore(back)) {
      keepAlive(now);
      if (position != parking) {
        return position;
      }
    }
    Continuation continuation = continuation();
    try {
      waitingRoom.orElseThrow().park(continuation, parking.delay());
      listener.reached(action, new Milestone.Parked(parking.delay()));
      return new Position.Finished(new Outcome.Parked(progress(now), continuation, parking.delay()));
    } catch (ServiceFailure failure) {
      return execution == null
          ? new Position.Starting(0, back)
          : new Position.Waiting(execution, 0, back);
    }
  }

  private Continuation continuation() {
    return new Continuation(action, Optional.ofNullable(execution), lastHeartbeat, hookDeadline,
        handOversBefore + 1, capacityWaits);
  }

  private Position handOver(Position.HandingOver handingOver, Instant now) {
    Continuation continuation = continuation();
    try {
      continuations.handOver(continuation);
      listener.reached(action, new Milestone.HandedOver(continuation.handOvers()));
      return new Position.Finished(new Outcome.HandedOver(progress(now), continuation));
    } catch (ServiceFailure failure) {
      Duration pause = rules.retrying().delayBefore(handingOver.attempt());
      if (now.plus(pause).isAfter(budget.workUntil())) {
        return new Position.Finished(new Outcome.Unfinished(progress(now), Optional.empty(),
            "could not hand the wait over to a new invocation: " + failure.getMessage()));
      }
      return new Position.HandingOver(handingOver.attempt() + 1, now.plus(pause));
    }
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
    Optional<Duration> releaseDelay = Optional.ofNullable(runbookEndedAt)
        .map(ended -> Duration.between(ended, now));
    return new Outcome.Progress(action, Optional.ofNullable(execution), Optional.ofNullable(lastStatus),
        new Outcome.Timings(Duration.between(began, startingEnded), waiting, completing, releaseDelay,
            runbookDuration));
  }

  private static Instant earliest(Instant a, Instant b) {
    return a.isBefore(b) ? a : b;
  }
}
