package com.lifecycleorchestrator.core;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The handling of one lifecycle action as a state machine: start the runbook, wait for it while
 * keeping the hook alive, complete the action with the result, or hand the wait over to a fresh
 * invocation when this one's time runs low. Where it stands is its {@link Position}, which only
 * {@link #advance} assigns, from what the due step returns; the runbook's progress, the hold's
 * supervision and the invocation's budget are each looked after by their own class.
 * It never sleeps itself, so the same code runs one action in a Lambda invocation and thousands at
 * once on the virtual clock of a simulation.
 */
public final class Orchestration implements Steps {

  /**
   * The rules the orchestration runs by; {@code heartbeatTimeout} is the one hooks that cannot be
   * read are taken to have; {@code deletionsLeftToTheReconciler} when a reconciler watches the
   * groups, whose every pass releases the waiting instances of a group being deleted, so that a
   * waiting hold's heartbeats need not ask about the group too.
   */
  public record Rules(ResultPolicy results, Duration heartbeatTimeout, Timings timings,
      boolean deletionsLeftToTheReconciler) {
    public Rules {
      requireNonNull(results, "results");
      requireNonNull(heartbeatTimeout, "heartbeatTimeout");
      requireNonNull(timings, "timings");
    }

    /** How often heartbeats go out to a hook with the configured heartbeat timeout. */
    Duration heartbeatEvery() {
      return timings.heartbeatEvery(heartbeatTimeout);
    }

  }

  /**
   * What an orchestration talks to: AWS through the ports, the hooks' timeouts as read once, the
   * waiting room if there is one, and whoever listens to its milestones.
   */
  public record Ports(
      Automations automations,
      LifecycleActions lifecycleActions,
      Hooks hooks,
      Continuations continuations,
      Optional<WaitingRoom> waitingRoom,
      Milestone.Listener listener) {
    public Ports {
      requireNonNull(automations, "automations");
      requireNonNull(lifecycleActions, "lifecycleActions");
      requireNonNull(hooks, "hooks");
      requireNonNull(continuations, "continuations");
      requireNonNull(waitingRoom, "waitingRoom");
      requireNonNull(listener, "listener");
    }
  }

  /**
   * How often a completion by instance id asks whether the instance is still held for its action
   * while the answer fails for now, before the action is left to the reconciler.
   */
  static final int CHECKS_BEFORE_LEAVING = 3;

  /** The shortest stay in the waiting room: a heartbeat due sooner is sent before the parking. */
  static final Duration SHORTEST_PARKING = Duration.ofMinutes(1);

  private final LifecycleAction action;
  private final Ports ports;
  private final Rules rules;
  private final Budget budget;
  private final int handOversBefore;
  private final Timeline timeline;
  private final Hold hold;
  private final RunbookProgress runbook;
  /** The document of the runbook the action is handled with, which its hand-overs carry. */
  private final String document;
  private Position position;

  private Orchestration(
      LifecycleAction action,
      Runbook runbookToRun,
      Ports ports,
      Rules rules,
      Budget budget,
      Instant now,
      HookTimeouts hook,
      Instant hookDeadline,
      Instant lastHeartbeat,
      Duration timer,
      int handOversBefore,
      int capacityWaits,
      Optional<Continuation.Claim> claimed,
      Optional<Fleet.Group> groupAsRead,
      Function<RunbookProgress, Position> first) {
    this.action = requireNonNull(action, "action");
    this.ports = requireNonNull(ports, "ports");
    this.rules = requireNonNull(rules, "rules");
    this.budget = requireNonNull(budget, "budget");
    this.handOversBefore = handOversBefore;
    this.timeline = new Timeline(action, requireNonNull(now, "now"));
    this.hold = new Hold(action, ports, rules, timeline, requireNonNull(hook, "hook"),
        requireNonNull(hookDeadline, "hookDeadline"), lastHeartbeat, requireNonNull(timer, "timer"), now,
        requireNonNull(groupAsRead, "groupAsRead"));
    // An action without token is handed over by a reconciler pass, which heartbeats it as it hands
    // it over: on that first hand-over, its last heartbeat is when the pass saw its scaling activity
    // hold the instance. Later heartbeats by instance id prove nothing of the activity.
    this.runbook = new RunbookProgress(action, requireNonNull(runbookToRun, "runbook"), ports, rules, timeline,
        hold, capacityWaits, handOversBefore == 1 ? lastHeartbeat : Instant.MIN, claimed);
    this.document = runbookToRun.documentName();
    this.position = first.apply(runbook);
  }

  /**
   * The handling of a lifecycle action whose runbook is still to be started, by its hook's own
   * timeouts: the global deadline runs from when the hold began.
   */
  public static Orchestration begin(
      LifecycleAction action, Runbook runbook, Ports ports, Rules rules, Budget budget, Instant now) {
    return begin(action, runbook, ports, rules, budget, now, Optional.empty());
  }

  /**
   * As {@link #begin(LifecycleAction, Runbook, Ports, Rules, Budget, Instant)}, with the group as
   * read a moment ago to choose the runbook (fleet mode), which the pre-flight uses rather than
   * reading the group again.
   */
  public static Orchestration begin(LifecycleAction action, Runbook runbook, Ports ports, Rules rules, Budget budget,
      Instant now, Optional<Fleet.Group> groupAsRead) {
    return fresh(action, runbook, ports, rules, budget, now, groupAsRead, Optional.empty(),
        progress -> new Position.Claiming(0, now));
  }

  /**
   * The handling of a new lifecycle action whose result is known before any runbook runs: the
   * result is sent at once and, like any result, sent again while Auto Scaling throttles it, until
   * the hook's deadline, or handed over with it when the invocation's time runs out first.
   */
  public static Orchestration completing(LifecycleAction action, Runbook runbook, Ports ports, Rules rules,
      Budget budget, Instant now, Continuation.Pending result) {
    return fresh(action, runbook, ports, rules, budget, now, Optional.empty(), Optional.empty(),
        progress -> new Position.Completing(result.result(), result.reason(), 0, now));
  }

  /**
   * The release of a lifecycle action whose runbook ended, as the execution's status-change event
   * says: the result its status maps to is sent at once, like any result.
   */
  static Orchestration ended(LifecycleAction action, Runbook runbook, Runbook.ExecutionId execution,
      Runbook.Observation observed, Optional<Instant> followedAt, Ports ports, Rules rules, Budget budget,
      Instant now) {
    return fresh(action, runbook, ports, rules, budget, now, Optional.empty(), followedAt,
        progress -> progress.ended(execution, observed, now));
  }

  /**
   * A lifecycle action held since its hold began, by its hook's own timeouts; renewed at the last sign
   * of life its follower recorded, if it has one (its hold was renewed then at the latest), so that a
   * result sent again is tried for as long as the hook may still hold the instance.
   */
  private static Orchestration fresh(LifecycleAction action, Runbook runbook, Ports ports, Rules rules,
      Budget budget, Instant now, Optional<Fleet.Group> groupAsRead, Optional<Instant> followedAt,
      Function<RunbookProgress, Position> first) {
    HookTimeouts hook = ports.hooks().of(action, ports.listener());
    Instant lastHeartbeat = followedAt.filter(seen -> seen.isAfter(action.heldSince())).orElse(action.heldSince());
    return new Orchestration(action, runbook, ports, rules, budget, now,
        hook, action.heldSince().plus(hook.globalTimeout()), lastHeartbeat, hook.heartbeatTimeout(), 0, 0,
        Optional.empty(), groupAsRead, first);
  }

  /**
   * The handling of a lifecycle action that an earlier invocation handed over, by the deadline the
   * continuation carries (the hook's global timeout was fixed when the action was first seen; one
   * without it, as the reconciler sends, is reckoned from the hold's start) and the hook's timeouts
   * as read within their lifetime, so that a hook changed meanwhile is heartbeated by its new
   * timeout. A result Auto Scaling throttled is sent first; an action whose runbook is still to
   * start is claimed again.
   */
  public static Orchestration resume(
      Continuation continuation, Runbook runbook, Ports ports, Rules rules, Budget budget, Instant now) {
    LifecycleAction action = continuation.action();
    HookTimeouts hook = ports.hooks().of(action, ports.listener(), continuation.hook());
    Orchestration resumed = new Orchestration(action, runbook,
        ports, rules, budget, now, hook,
        continuation.hook().isPresent() ? continuation.hookDeadline() : action.heldSince().plus(hook.globalTimeout()),
        continuation.lastHeartbeat(), timerSince(continuation, hook),
        continuation.handOvers(), continuation.capacityWaits(), continuation.claim(), Optional.empty(),
        progress -> whereToGoOn(continuation, progress, now));
    ports.listener().reached(continuation.action(),
        new Milestone.Resumed(continuation.execution(), continuation.handOvers()));
    return resumed;
  }

  /**
   * The heartbeat timeout the hold's timer runs by since the continuation's last heartbeat: that
   * heartbeat extended the hold by the hook's timeout as it was then, which the continuation carries;
   * the shorter of that and the hook's now, in case an operator changed the hook since.
   */
  private static Duration timerSince(Continuation continuation, HookTimeouts now) {
    return continuation.hook().map(HookTimeouts::heartbeatTimeout)
        .filter(then -> then.compareTo(now.heartbeatTimeout()) < 0)
        .orElse(now.heartbeatTimeout());
  }

  /**
   * Where a continuation goes on: sending the result it carries; else following its execution
   * after a look at the group, or claiming the action when no execution serves it yet.
   */
  private static Position whereToGoOn(Continuation continuation, RunbookProgress progress, Instant now) {
    if (continuation.pending().isPresent()) {
      return progress.sending(continuation.pending().get(), continuation.execution(), now);
    }
    if (continuation.execution().isPresent() && progress.endsAnnounced()) {
      // A wait parked for its runbook's end: a status check, and parked again if it still runs. The
      // group and the sign of life come with the heartbeats, which the reconciler's watch is timed by.
      return progress.followingOn(continuation.execution().get(), now);
    }
    if (continuation.execution().isPresent()) {
      return new Position.Checking(false, progress.following(continuation.execution().get(), now), now);
    }
    return new Position.Claiming(0, now);
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
    if (!position.holdsInstance()) {
      return position.due();
    }
    return earliest(earliest(position.due(), hold.nextHeartbeat()),
        earliest(budget.waitUntil(), hold.lastCall()));
  }

  /** Takes whatever steps are due at {@code now}: the only place the position changes. */
  @Override
  public void advance(Instant now) {
    position = next(position, now);
  }

  /**
   * Where the handling goes from {@code at}: the hold's supervision first (a heartbeat, the hook's
   * deadline), then the invocation's budget, then the step that is due.
   */
  private Position next(Position at, Instant now) {
    Position next = at;
    boolean claimingNow = next instanceof Position.Claiming && !now.isBefore(next.due());
    if (next.holdsInstance() && hold.heartbeatDue(now) && !claimingNow) {
      // A claim due now heartbeats itself, to learn whether the action is still active.
      // Before the first check the check itself asks about the group, at the same moment.
      next = hold.keepAlive(now, next instanceof Position.Checking).orElse(next);
    }
    if (next.holdsInstance() && !now.isBefore(hold.lastCall())) {
      next = lastLook(next, now, () -> runbook.failed("the runbook did not "
          + (timeline.execution().isEmpty() ? "start" : "end")
          + " before the lifecycle hook's global timeout at " + hold.hookDeadline(), now));
    }
    if (next.holdsInstance() && budget.waitIsOver(now)) {
      next = lastLook(next, now, () -> new Position.HandingOver(0, Optional.empty(), now));
    }
    return now.isBefore(next.due()) ? next : step(next, now);
  }

  private Position step(Position due, Instant now) {
    if (due instanceof Position.Claiming claiming) {
      return runbook.claim(claiming, now);
    } else if (due instanceof Position.Checking checking) {
      return hold.check(checking, now);
    } else if (due instanceof Position.AwaitingAgent awaiting) {
      return hold.awaitAgent(awaiting, now);
    } else if (due instanceof Position.Starting starting) {
      return runbook.start(starting, now);
    } else if (due instanceof Position.FindingEarlierStart finding) {
      return runbook.findEarlierStart(finding, now);
    } else if (due instanceof Position.Waiting waiting) {
      return runbook.await(waiting, now);
    } else if (due instanceof Position.HandingOver handingOver) {
      return handOver(handingOver, now);
    } else if (due instanceof Position.Parking parking) {
      return park(parking, now);
    } else if (due instanceof Position.Completing completing) {
      return complete(completing, now);
    }
    return due;
  }

  /**
   * The wait cannot go on (the invocation's time or the hook's is up): one more status check if the
   * runbook runs, and if it still runs, what comes {@code next}.
   */
  private Position lastLook(Position at, Instant now, Supplier<Position> next) {
    if (at instanceof Position.Waiting waiting) {
      Position looked = runbook.await(waiting, now);
      if (!(looked instanceof Position.Waiting)) {
        return looked;
      }
    }
    return next.get();
  }

  /**
   * Parks the action: a heartbeat first if one would fall due before it comes back, then the
   * continuation into the waiting room. If the waiting room refuses it, the wait goes on here.
   */
  private Position park(Position.Parking parking, Instant now) {
    Duration delay = parking.delay();
    Instant back = now.plus(delay);
    // By the interval: a claim Auto Scaling throttled parks without sending another heartbeat into
    // the same throttling, since the one before it keeps the hold until the interval is up.
    Instant heartbeatDue = hold.nextHeartbeatByTheInterval();
    if (heartbeatDue.isBefore(back)) {
      Duration untilHeartbeat = Duration.between(now, heartbeatDue);
      if (untilHeartbeat.compareTo(SHORTEST_PARKING) >= 0) {
        // Back when the heartbeat is due rather than with one sent early: a parked wait's every
        // return costs calls, and a heartbeat brings the group's check and the hook's read with it.
        delay = untilHeartbeat;
        back = heartbeatDue;
      } else {
        Optional<Position> ended = hold.keepAlive(now, false);
        if (ended.isPresent()) {
          return ended.get();
        }
        if (hold.lastHeartbeat().isBefore(now) && delay.compareTo(SHORTEST_PARKING) > 0) {
          // The heartbeat failed and the interval is up: back within the shortest stay to send it
          // again, so that a wait parked for longer does not outlast the hold.
          delay = SHORTEST_PARKING;
          back = now.plus(delay);
        }
      }
    }
    Continuation continuation = continuation(Optional.empty());
    try {
      ports.waitingRoom().orElseThrow().park(continuation, delay);
      ports.listener().reached(action, new Milestone.Parked(delay, parking.reason()));
      return new Position.Finished(
          new Outcome.Parked(timeline.progress(now), continuation, delay, parking.reason()));
    } catch (ServiceFailure failure) {
      return runbook.afterRefusedParking(parking, now, back);
    }
  }

  private Continuation continuation(Optional<Continuation.Pending> pending) {
    return new Continuation(action, timeline.execution(), hold.lastHeartbeat(), hold.hookDeadline(),
        Optional.of(hold.hook()), handOversBefore + 1, runbook.capacityWaits(), pending, Optional.of(document),
        runbook.claimed());
  }

  private Position handOver(Position.HandingOver handingOver, Instant now) {
    Continuation continuation = continuation(handingOver.pending());
    try {
      ports.continuations().handOver(continuation);
      ports.listener().reached(action, new Milestone.HandedOver(continuation.handOvers()));
      return new Position.Finished(new Outcome.HandedOver(timeline.progress(now), continuation));
    } catch (ServiceFailure failure) {
      Duration pause = rules.timings().retrying().delayBefore(handingOver.attempt());
      if (budget.overrunBy(now.plus(pause))) {
        return new Position.Finished(new Outcome.Unfinished(timeline.progress(now),
            handingOver.pending().map(Continuation.Pending::result),
            "could not hand the " + (handingOver.pending().isPresent() ? "result" : "wait")
                + " over to a new invocation: " + failure.getMessage()));
      }
      return new Position.HandingOver(handingOver.attempt() + 1, handingOver.pending(), now.plus(pause));
    }
  }

  /**
   * Sends the result. One that fails for now (Auto Scaling throttles past the SDK's retries in a
   * large scale-in) is sent again after a pause, for as long as the hook still holds the instance;
   * if the invocation's time runs out first, a fresh invocation is handed the result to send.
   */
  private Position complete(Position.Completing completing, Instant now) {
    if (action.token().isEmpty()) {
      Optional<String> another;
      try {
        another = runbook.completionByInstanceWouldReachAnother(now);
      } catch (ServiceFailure cannotTell) {
        if (completing.attempt() + 1 < CHECKS_BEFORE_LEAVING
            && (cannotTell instanceof ServiceFailure.Throttled || cannotTell instanceof ServiceFailure.Transient)) {
          // In a large scale-in the record's listing is throttled for seconds at a time: asked
          // again after a pause, a few times, as a throttled completion is sent again.
          return sendLater(completing, now, cannotTell);
        }
        // Never sent unverified, since it could reach the instance's next action: the reconciler,
        // which keeps the action alive, hands it over again with a fresh view of the activities.
        return new Position.Finished(new Outcome.LeftToTheReconciler(timeline.progress(now),
            "a completion by instance id needs to know that the instance is still held for this action, and the "
                + "scaling activities cannot be listed now (" + cannotTell.getMessage() + "); the intended result was "
                + completing.result() + ": " + completing.reason()));
      }
      if (another.isPresent()) {
        return new Position.Finished(new Outcome.AlreadyCompleted(timeline.progress(now),
            Optional.of(completing.result()), another.get() + "; " + completing.reason()));
      }
    }
    try {
      LifecycleActions.Answer answer = ports.lifecycleActions().complete(action, completing.result());
      if (answer == LifecycleActions.Answer.NOT_ACTIVE) {
        return new Position.Finished(new Outcome.AlreadyCompleted(timeline.progress(now),
            Optional.of(completing.result()),
            "no active lifecycle action: it was completed already; " + completing.reason()));
      }
      // Marked only when this completion took effect: an action that had ended without us may be
      // following an execution that serves the seat's next action.
      runbook.released(completing.result());
      ports.listener().reached(action, new Milestone.ResultSent(completing.result()));
      return new Position.Finished(
          new Outcome.Completed(timeline.progress(now), completing.result(), completing.reason()));
    } catch (ServiceFailure.Transient | ServiceFailure.Throttled failure) {
      return sendLater(completing, now, failure);
    } catch (ServiceFailure failure) {
      return new Position.Finished(new Outcome.Unfinished(timeline.progress(now),
          Optional.of(completing.result()), "Auto Scaling refused the result: " + failure.getMessage()));
    }
  }

  /**
   * The result is sent again after a pause, for as long as the hook still holds the instance; if the
   * invocation's time runs out first, a fresh invocation is handed the result to send.
   */
  private Position sendLater(Position.Completing completing, Instant now, ServiceFailure failure) {
    Duration pause = rules.timings().retrying().delayBefore(completing.attempt());
    Instant again = now.plus(pause);
    if (again.isAfter(hold.expiresAt())) {
      return new Position.Finished(new Outcome.Unfinished(timeline.progress(now),
          Optional.of(completing.result()), "could not send the result before the lifecycle hook timed out at "
              + hold.expiresAt() + hold.hook().defaultResult().map(result -> ", when it applies its default "
              + "result " + result).orElse("") + ": " + failure.getMessage()));
    }
    if (budget.overrunBy(again)) {
      return new Position.HandingOver(0, Optional.of(new Continuation.Pending(completing.result(),
          completing.reason())), now);
    }
    ports.listener().reached(action, new Milestone.CompletionRetried(failure.code(), pause));
    return new Position.Completing(completing.result(), completing.reason(), completing.attempt() + 1, again);
  }


  private static Instant earliest(Instant a, Instant b) {
    return a.isBefore(b) ? a : b;
  }
}
