package com.lifecycleorchestrator.core;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The runbook's progress for one lifecycle action: finding out from the seat's record whether an
 * execution serves the action already or which epoch of its seat the action is (the claim),
 * starting it (or waiting for SSM's capacity to), finding the execution an earlier delivery
 * started, checking its status, and deciding the result once it has ended. Each step returns the
 * next position.
 */
final class RunbookProgress {

  /** How often to look for the execution an earlier delivery started. */
  static final int FIND_ATTEMPTS = 5;

  /**
   * How long the scaling activity a hand-over names is taken to hold the instance still, when the
   * activities cannot be listed to see: for another action to hold it by then, this one must have
   * ended and the instance have moved on and come back to the same hook within the minute.
   */
  static final Duration HANDED_OVER_ACTIVITY_TRUSTED = Duration.ofMinutes(1);

  /**
   * How long a heartbeat's proof that the action is still active serves a claim tried again: a
   * claim retried after a throttled look-up sends no heartbeat of its own within it.
   */
  static final Duration LIVENESS_PROVEN_FOR = Duration.ofMinutes(1);

  /** How often an action without token tries a start SSM throttles before it is left to the reconciler. */
  static final int THROTTLED_STARTS_BEFORE_LEAVING = 3;

  private static final String FOR_CAPACITY = "SSM's automation queue is full or the execution waits in it";
  private static final String FOR_THE_END = "the runbook still runs; its status-change event releases the "
      + "instance when it ends, and the wait comes back in case that event is late or lost";

  /** Whether an execution the seat's record holds serves this action. */
  private enum Ownership { OURS, ANOTHER_ACTIONS, UNKNOWN }

  private final LifecycleAction action;
  private final Runbook runbook;
  private final Orchestration.Ports ports;
  private final Orchestration.Rules rules;
  private final Timeline timeline;
  private final Hold hold;
  private int capacityWaits;
  /** Whether this invocation follows an execution an earlier one started: its runbook is past young. */
  private boolean followsAnEarlierStart;
  private int refusedParkings;
  private final Instant activitySeenAt;
  private Optional<LifecycleAction.ScalingActivity> holdingActivity = Optional.empty();
  /** When the action was last proven active: by a heartbeat naming its token, or by its activity holding the instance. */
  private Instant provenActiveAt = Instant.MIN;
  /** The epoch an action with a token claimed and the time its pre-flight passed, once its start is tried. */
  private Optional<Continuation.Claim> claimed;

  RunbookProgress(LifecycleAction action, Runbook runbook, Orchestration.Ports ports,
      Orchestration.Rules rules, Timeline timeline, Hold hold, int capacityWaits, Instant activitySeenAt,
      Optional<Continuation.Claim> claimed) {
    this.activitySeenAt = activitySeenAt;
    this.claimed = claimed;
    this.action = action;
    this.runbook = runbook;
    this.ports = ports;
    this.rules = rules;
    this.timeline = timeline;
    this.hold = hold;
    this.capacityWaits = capacityWaits;
  }

  /** The epoch claimed by an action whose start is still to succeed, for its continuation to carry. */
  Optional<Continuation.Claim> claimed() {
    return timeline.execution().isEmpty() ? claimed : Optional.empty();
  }

  /** How many of the latest waits in a row were for SSM's capacity. */
  int capacityWaits() {
    return capacityWaits;
  }

  Runbook.Seat seat() {
    return runbook.seatOf(action);
  }

  /**
   * The claim: the action must still be active (a heartbeat that names its token reaches it or
   * nothing, so a late duplicate of an action already completed stops here; an action without
   * token must still be the one its scaling activity names), then the seat's
   * latest execution decides. None, or one released: this action is the next epoch, to be started
   * after the pre-flight. One not released: followed if it serves this action, marked superseded
   * and followed by the next epoch if it served an earlier one. What cannot be decided now is
   * looked at again after a pause.
   */
  Position claim(Position.Claiming claiming, Instant now) {
    try {
      if (action.token().isEmpty()) {
        Optional<Position> ended = unlessItsActivityHoldsTheInstance(now);
        if (ended.isPresent()) {
          return ended.get();
        }
      }
      if (claiming.attempt() == 0 || !provenByARecentHeartbeat(now)) {
        Optional<Position> ended = hold.heartbeat(now);
        if (ended.isPresent()) {
          return ended.get();
        }
      }
      if (claimed.isPresent()) {
        return startAgain(claimed.get(), now);
      }
      Optional<Runbook.Entry> latest;
      try {
        latest = ports.automations().latest(seat());
      } catch (ServiceFailure.Rejected refused) {
        // The record cannot be read at all (the role may not list or read the executions' tags):
        // the action is taken as its seat's first. That holds for every seat that meets one action
        // (a termination, a launch); only a warm pool's instance meets its hook again.
        ports.listener().reached(action, new Milestone.RecordUnreadable(refused.code()));
        return preflightThenStart(0, now);
      }
      if (latest.isEmpty()) {
        return preflightThenStart(0, now);
      }
      Runbook.Entry entry = latest.get();
      if (entry.isReleased()) {
        return preflightThenStart(entry.epoch() + 1, now);
      }
      return switch (ownership(entry)) {
        case OURS -> adopt(entry, now);
        case ANOTHER_ACTIONS -> supersede(entry, now);
        case UNKNOWN -> claimAgain(claiming, now);
      };
    } catch (ServiceFailure.Throttled throttled) {
      // In a large scale-in every event claims at once: a throttled claim waits in the waiting room,
      // holding no invocation and sending no more calls meanwhile, as a throttled start does.
      if (action.token().isPresent() && ports.waitingRoom().isPresent()) {
        Duration spread = rules.timings().throttledClaims().spreadBefore(capacityWaits++);
        return new Position.Parking(withinTheHold(now, spread, rules.timings().throttledClaims().cap()),
            FOR_CAPACITY, now);
      }
      return claimAgain(claiming, now);
    } catch (ServiceFailure failure) {
      return claimAgain(claiming, now);
    }
  }

  /**
   * The claim of an action whose start SSM refused for capacity, proven active again by the
   * heartbeat just accepted (its token reaches it or nothing): the seat's record is not read again,
   * since only this action's own paths can have started an execution at the seat while it is active,
   * with this very epoch and client token, which SSM's idempotent start turns into the same execution
   * (or refuses, and the execution is found by its tag and followed: a ClientToken "can't be reused",
   * StartAutomationExecution, SSM API Reference). The pre-flight is made again
   * once it is older than a heartbeat interval, the age of the group's check a waiting hold has.
   */
  private Position startAgain(Continuation.Claim claim, Instant now) {
    Position.Starting starting = new Position.Starting(claim.epoch(), 0, now);
    if (now.isBefore(claim.preflightPassed().plus(hold.heartbeatEvery()))) {
      return starting;
    }
    claimed = Optional.empty();
    return hold.checkAgain(starting, now);
  }

  private Position claimAgain(Position.Claiming claiming, Instant now) {
    Duration pause = rules.timings().retrying().delayBefore(claiming.attempt());
    return new Position.Claiming(claiming.attempt() + 1, now.plus(pause));
  }

  /**
   * Whether the execution serves this action, which is active. Its token tells at once: an action
   * has one token, and only one action is active at a seat. An action found by the reconciler has
   * no token of its own: a heartbeat that names the execution's token tells whether that action is
   * still the active one. An execution started by the reconciler has no token but the scaling
   * activity of its action: the same activity holds the instance now, or another one does.
   */
  private Ownership ownership(Runbook.Entry entry) {
    if (entry.token().isPresent()) {
      if (action.token().isPresent()) {
        return entry.token().equals(action.token()) ? Ownership.OURS : Ownership.ANOTHER_ACTIONS;
      }
      return ports.lifecycleActions().recordHeartbeat(action.withToken(entry.token().get()))
          == LifecycleActions.Answer.ACCEPTED ? Ownership.OURS : Ownership.ANOTHER_ACTIONS;
    }
    if (entry.activity().isEmpty()) {
      return Ownership.UNKNOWN;
    }
    Optional<String> holdingNow = (action.token().isEmpty() ? holdingActivity : lookUpTheHoldingActivity())
        .map(LifecycleAction.ScalingActivity::id);
    if (holdingNow.isEmpty()) {
      return Ownership.UNKNOWN;
    }
    return holdingNow.equals(entry.activity()) ? Ownership.OURS : Ownership.ANOTHER_ACTIONS;
  }

  /**
   * A hand-over without token is made for the action its scaling activity names. Once another
   * activity holds the instance (or none), that action has ended: a heartbeat by instance id would
   * reach the instance's next action at the same hook, which is not this hand-over's to handle (its
   * hold's start, its agent wait and its deadline are another's).
   */
  private Position handedOverActionEnded(Instant now) {
    timeline.waitEnded(now);
    return new Position.Finished(new Outcome.AlreadyCompleted(timeline.progress(now), Optional.empty(),
        "the action this hand-over was made for has ended: "
            + holdingActivity.map(activity -> "scaling activity " + activity.id() + " holds the instance now")
                .orElse("no scaling activity in progress holds the instance")));
  }

  /**
   * For an action without token: empty while the scaling activity it names holds the instance (it is
   * proven active as of now); else where the handling goes, the action having ended.
   *
   * @throws ServiceFailure the activities cannot be listed, and the hand-over's view is too old to trust
   */
  private Optional<Position> unlessItsActivityHoldsTheInstance(Instant now) {
    holdingActivity = holdingActivityOrTheOneHandedOver(now);
    if (!holdingActivity.map(LifecycleAction.ScalingActivity::id)
        .equals(action.activity().map(LifecycleAction.ScalingActivity::id))) {
      return Optional.of(handedOverActionEnded(now));
    }
    provenActiveAt = now;
    return Optional.empty();
  }

  /**
   * The scaling activity holding the instance now; while the activities cannot be listed on this
   * path (refused, throttled), the one the hand-over names if it saw it within
   * {@link #HANDED_OVER_ACTIVITY_TRUSTED}, since the reconciler's own listing is the one that works.
   *
   * @throws ServiceFailure the activities cannot be listed, and the hand-over is older than that
   */
  private Optional<LifecycleAction.ScalingActivity> holdingActivityOrTheOneHandedOver(Instant now) {
    try {
      return lookUpTheHoldingActivity();
    } catch (ServiceFailure failure) {
      if (now.isBefore(activitySeenAt.plus(HANDED_OVER_ACTIVITY_TRUSTED))) {
        return action.activity();
      }
      throw failure;
    }
  }

  /**
   * The scaling activity holding the instance now.
   *
   * @throws ServiceFailure the activities could not be listed
   */
  private Optional<LifecycleAction.ScalingActivity> lookUpTheHoldingActivity() {
    return Fleet.Activity.holding(ports.lifecycleActions().activitiesInProgress(action.group()), action.instance())
        .map(Fleet.Activity::asScalingActivity);
  }

  /** Follows the execution that serves this action, recording the token on it if it lacked it. */
  private Position adopt(Runbook.Entry entry, Instant now) {
    Map<String, String> tags = new LinkedHashMap<>();
    tags.put(Runbook.Entry.FOLLOWED_AT, now.toString());
    if (entry.token().isEmpty()) {
      action.token().ifPresent(token -> tags.put(Runbook.Entry.TOKEN, token.value()));
    }
    record(entry.execution(), tags);
    return running(entry.execution(), true, now);
  }

  /**
   * The latest execution served an action that ended without us: marked so, and this action is
   * the next epoch. The mark is for people and the metrics; the next epoch's execution is the
   * seat's latest either way.
   */
  private Position supersede(Runbook.Entry entry, Instant now) {
    record(entry.execution(), Map.of(Runbook.Entry.RELEASED, Runbook.Entry.SUPERSEDED));
    ports.listener().reached(action, new Milestone.ExecutionSuperseded(entry.execution()));
    return preflightThenStart(entry.epoch() + 1, now);
  }

  /** The checks before a start: the group is not being deleted, and the agent can run the runbook. */
  private static Position preflightThenStart(int epoch, Instant now) {
    return new Position.Checking(true, new Position.Starting(epoch, 0, now), now);
  }

  private void record(Runbook.ExecutionId execution, Map<String, String> tags) {
    try {
      ports.automations().record(execution, tags);
    } catch (ServiceFailure failure) {
      ports.listener().reached(action, new Milestone.RecordNotWritten(failure.code()));
    }
  }

  /** Marks the execution released with the result, once Auto Scaling took it. */
  void released(LifecycleResult result) {
    timeline.execution().ifPresent(execution -> record(execution, Map.of(Runbook.Entry.RELEASED, result.name())));
  }

  /**
   * For an action completed by instance id (no token of its own is known), why the completion must
   * not be sent, since it would reach whatever action holds the instance now: the seat's record
   * shows this action's execution released by another path, or a later epoch started; or another
   * scaling activity than this action's holds the instance (a person or the hook's timeout ended
   * this action, and the instance came back to the hook).
   *
   * @throws ServiceFailure the record or the activities cannot be read now, and the view of the
   *     activities this follower was handed is too old to trust
   */
  Optional<String> completionByInstanceWouldReachAnother(Instant now) {
    Optional<Runbook.ExecutionId> ours = timeline.execution();
    if (ours.isPresent()) {
      Optional<Runbook.Entry> latest = ports.automations().latest(seat());
      if (latest.isPresent() && (!latest.get().execution().equals(ours.get()) || latest.get().isReleased())) {
        return Optional.of("another invocation released this action's execution already");
      }
    }
    Optional<LifecycleAction.ScalingActivity> own = named().activity();
    if (own.isPresent() && holdingActivityOrTheOneHandedOver(now)
        .map(holding -> !holding.id().equals(own.get().id())).orElse(true)) {
      return Optional.of("the action ended without us and another action of the instance holds it now, which a "
          + "completion by instance id would reach");
    }
    return Optional.empty();
  }

  Position start(Position.Starting starting, Instant now) {
    Optional<Position> notNow = stillActiveBeforeTheStart(starting, now);
    if (notNow.isPresent()) {
      return notNow.get();
    }
    if (action.token().isPresent() && claimed.isEmpty()) {
      // A start is reached only once the pre-flight passed, a moment ago.
      claimed = Optional.of(new Continuation.Claim(starting.epoch(), now));
    }
    Runbook.Start start = runbook.startFor(named(), starting.epoch(), now);
    try {
      return running(ports.automations().start(start), false, now);
    } catch (ServiceFailure.ClientTokenReused reused) {
      return new Position.FindingEarlierStart(starting.epoch(), 0, now);
    } catch (ServiceFailure.Rejected rejected) {
      return failed("the runbook could not be started: " + rejected.getMessage(), now);
    } catch (ServiceFailure.ExecutionLimitReached | ServiceFailure.Throttled noCapacity) {
      if (action.token().isEmpty()) {
        if (noCapacity instanceof ServiceFailure.Throttled && starting.attempt() + 1 < THROTTLED_STARTS_BEFORE_LEAVING) {
          // A throttled call fails for now, and the reconciler that would take the action back may
          // be failing too: tried again here a few times before it is left to a pass.
          Duration pause = rules.timings().retrying().delayBefore(starting.attempt());
          ports.listener().reached(action, new Milestone.StartRetried(noCapacity.code(), pause));
          return new Position.Starting(starting.epoch(), starting.attempt() + 1, now.plus(pause));
        }
        return leftForCapacity(noCapacity, now);
      }
      Duration pause = capacityWait(now, rules.timings().waitingForCapacity().cap());
      ports.listener().reached(action, new Milestone.StartRetried(noCapacity.code(), pause));
      return ports.waitingRoom().isPresent()
          ? new Position.Parking(pause, FOR_CAPACITY, now)
          : new Position.Starting(starting.epoch(), starting.attempt() + 1, now.plus(pause));
    } catch (ServiceFailure failure) {
      Duration pause = rules.timings().retrying().delayBefore(starting.attempt());
      ports.listener().reached(action, new Milestone.StartRetried(failure.code(), pause));
      return new Position.Starting(starting.epoch(), starting.attempt() + 1, now.plus(pause));
    }
  }

  /**
   * The claim proved the action active, but a while ago if a launch waited for its agent: an action
   * that ended meanwhile (a person completed it) would get a runbook that its seat's next action
   * then finds and follows as its own. So it is proven again: by a heartbeat naming its token, or,
   * without one, by its scaling activity still holding the instance. Empty: the start goes ahead.
   */
  private Optional<Position> stillActiveBeforeTheStart(Position.Starting starting, Instant now) {
    try {
      if (action.token().isPresent()) {
        return provenByARecentHeartbeat(now) ? Optional.empty() : hold.heartbeat(now);
      }
      return now.isBefore(provenActiveAt.plus(LIVENESS_PROVEN_FOR)) ? Optional.empty()
          : unlessItsActivityHoldsTheInstance(now);
    } catch (ServiceFailure cannotTell) {
      if (action.token().isEmpty()) {
        timeline.waitEnded(now);
        return Optional.of(new Position.Finished(new Outcome.LeftToTheReconciler(timeline.progress(now),
            "the action must be seen still holding the instance before its runbook starts, and the scaling activities "
                + "cannot be listed now (" + cannotTell.getMessage() + ")")));
      }
      Duration pause = rules.timings().retrying().delayBefore(starting.attempt());
      return Optional.of(new Position.Starting(starting.epoch(), starting.attempt() + 1, now.plus(pause)));
    }
  }

  /** Whether a heartbeat Auto Scaling accepted within {@link #LIVENESS_PROVEN_FOR} proves the action still active. */
  private boolean provenByARecentHeartbeat(Instant now) {
    return now.isBefore(hold.lastHeartbeat().plus(LIVENESS_PROVEN_FOR));
  }

  /** The action as its execution records it: by the activity holding the instance at the claim, if it has no token. */
  private LifecycleAction named() {
    return holdingActivity.map(action::withActivity).orElse(action);
  }

  /**
   * An action the reconciler found (no token) waits for SSM's capacity in the reconciler's rotation,
   * kept alive by its passes, rather than in the waiting room: in a scale-in larger than SSM's queue,
   * many waiting actions have no execution yet, and a pass that parked a follower for each would
   * only add to the queue it cannot shorten.
   */
  private Position leftForCapacity(ServiceFailure noCapacity, Instant now) {
    timeline.waitEnded(now);
    return new Position.Finished(new Outcome.LeftToTheReconciler(timeline.progress(now),
        "SSM has no capacity for the runbook now (" + noCapacity.code() + "); the reconciler keeps the action alive "
            + "and tries again at a later pass"));
  }

  /**
   * The next wait for SSM's capacity: growing with each wait in a row, and never longer than the
   * heartbeats allow, the waiting room holds, or the hook's deadline leaves.
   */
  private Duration capacityWait(Instant now, Duration cap) {
    return withinTheHold(now, rules.timings().waitingForCapacity().delayBefore(capacityWaits++), cap);
  }

  /** The pause, never longer than {@code cap}, the heartbeats allow, the waiting room holds, or the hook's deadline leaves. */
  private Duration withinTheHold(Instant now, Duration pause, Duration cap) {
    Duration longest = hold.heartbeatEvery().compareTo(cap) < 0 ? hold.heartbeatEvery() : cap;
    Optional<WaitingRoom> waitingRoom = ports.waitingRoom();
    if (waitingRoom.isPresent() && waitingRoom.get().longestDelay().compareTo(longest) < 0) {
      longest = waitingRoom.get().longestDelay();
    }
    Duration leftBeforeDeadline = Duration.between(now, hold.lastCall());
    if (leftBeforeDeadline.compareTo(longest) < 0) {
      longest = leftBeforeDeadline.isNegative() ? Duration.ZERO : leftBeforeDeadline;
    }
    return pause.compareTo(longest) < 0 ? pause : longest;
  }

  Position findEarlierStart(Position.FindingEarlierStart finding, Instant now) {
    Runbook.Start start = runbook.startFor(named(), finding.epoch(), now);
    try {
      Optional<Runbook.Found> found = ports.automations().findEarlier(start);
      if (found.isPresent()) {
        // The epoch was taken by another path; if this action ended meanwhile (a late path of an
        // action completed by hand), that execution serves the seat's next action, not this one.
        Optional<Position> ended = hold.heartbeat(now);
        if (ended.isPresent()) {
          return ended.get();
        }
        record(found.get().execution(), Map.of(Runbook.Entry.FOLLOWED_AT, now.toString()));
        return running(found.get().execution(), true, now);
      }
    } catch (ServiceFailure failure) {
      // Looked for again below, like an execution that is not listed yet.
    }
    if (finding.attempt() + 1 >= FIND_ATTEMPTS) {
      timeline.waitEnded(now);
      return new Position.Finished(new Outcome.Unfinished(timeline.progress(now), Optional.empty(),
          "SSM refused the client token as used, but no execution of " + start.documentName()
              + " tagged " + start.lookupTagKey() + " was found"));
    }
    Duration pause = rules.timings().retrying().delayBefore(finding.attempt());
    return new Position.FindingEarlierStart(finding.epoch(), finding.attempt() + 1, now.plus(pause));
  }

  /** The runbook runs: a new one is first checked on schedule, one started earlier at once. */
  private Position running(Runbook.ExecutionId started, boolean startedEarlier, Instant now) {
    timeline.runbookRunning(started, now);
    ports.listener().reached(action, new Milestone.RunbookStarted(started, startedEarlier));
    return new Position.Waiting(started, 0,
        startedEarlier ? now : now.plus(rules.timings().polling().delayBefore(0)));
  }

  /**
   * The runbook ended as its status-change event says: the result goes out at once, for the
   * execution the event names.
   */
  Position ended(Runbook.ExecutionId execution, Runbook.Observation observed, Instant now) {
    timeline.runbookRunning(execution, now);
    timeline.statusSeen(observed.status());
    return endedWith(rules.results().resultFor(observed.status()).orElseThrow(), observed,
        ", as its status-change event says", now);
  }

  /** The runbook ended: its wait is over, and the result its status maps to goes out. */
  private Position endedWith(LifecycleResult result, Runbook.Observation observed, String how, Instant now) {
    timeline.runbookEnded(observed, now);
    timeline.waitEnded(now);
    return new Position.Completing(result, "the runbook ended with status " + observed.status() + how, 0, now);
  }

  /**
   * Sends the result an earlier invocation could not send, for the execution it came from (if any),
   * which is then marked released like any other once Auto Scaling takes it.
   */
  Position sending(Continuation.Pending pending, Optional<Runbook.ExecutionId> execution, Instant now) {
    execution.ifPresent(known -> timeline.runbookRunning(known, now));
    timeline.waitEnded(now);
    return new Position.Completing(pending.result(), pending.reason(), 0, now);
  }

  /** Whether the runbooks' ends come as status-change events, so that polling is only their fallback. */
  boolean endsAnnounced() {
    return rules.timings().statusEvents().isPresent();
  }

  /** Goes on watching the execution a parked wait follows: a status check at once. */
  Position followingOn(Runbook.ExecutionId execution, Instant now) {
    timeline.runbookRunning(execution, now);
    followsAnEarlierStart = true;
    return new Position.Waiting(execution, 0, now);
  }

  /** Follows an execution that an earlier invocation started, checking it at once. */
  Position following(Runbook.ExecutionId execution, Instant now) {
    hold.signOfLife(execution, now);
    return followingOn(execution, now);
  }

  Position await(Position.Waiting waiting, Instant now) {
    int checks = waiting.checks() + 1;
    Instant nextCheck = now.plus(rules.timings().polling().delayBefore(checks));
    try {
      Runbook.Observation observed = ports.automations().observe(waiting.execution());
      if (timeline.statusSeen(observed.status())) {
        ports.listener().reached(action, new Milestone.StatusChanged(observed.status()));
      }
      Optional<LifecycleResult> result = rules.results().resultFor(observed.status());
      if (result.isPresent()) {
        return endedWith(result.get(), observed, "", now);
      }
      if (!observed.status().isQueued()) {
        capacityWaits = 0;
      }
      Optional<Timings.StatusEvents> events = rules.timings().statusEvents();
      if (events.isPresent()) {
        // Its end comes as an event: once the runbook is no longer young, polling is only the
        // fallback for an event that is late or lost, and costs no invocation while parked.
        Instant runningSince = observed.startedAt().orElse(timeline.runbookRunningSince());
        // Still Pending at its second check, it waits behind SSM's quota: polling it young would
        // only watch it wait.
        boolean queued = observed.status().isQueued() && checks > 1;
        if (followsAnEarlierStart || queued || !now.isBefore(runningSince.plus(events.get().shortPolling()))) {
          if (ports.waitingRoom().isPresent()) {
            // Back after as long as the action has waited so far: a short runbook whose event is
            // lost is still released within minutes, and a long one costs few returns. One queued
            // behind SSM's quota (100 at once, the rest queued: "Allowing Automation to adapt to your
            // concurrency needs", SSM User Guide) has not run yet, so no end of it can be missed
            // before it runs: it comes back after the longest fallback, within which any end it
            // meets is noticed.
            Duration back = observed.status().isQueued() ? events.get().longestFallback()
                : events.get().fallbackAfter(Duration.between(action.heldSince(), now));
            return new Position.Parking(withinTheHold(now, back, events.get().longestFallback()), FOR_THE_END, now);
          }
          nextCheck = now.plus(events.get().shortestFallback());
        }
      } else if (observed.status().isQueued() && ports.waitingRoom().isPresent() && (capacityWaits > 0
          || !now.isBefore(timeline.runbookRunningSince().plus(rules.timings().queuedAfter())))) {
        return new Position.Parking(capacityWait(now, rules.timings().longestQueuedPark()), FOR_CAPACITY, now);
      }
    } catch (ServiceFailure.ExecutionNotFound notFound) {
      ports.listener().reached(action, new Milestone.StatusCheckFailed(notFound.code()));
      if (!now.isBefore(timeline.runbookRunningSince().plus(rules.timings().notFoundGrace()))) {
        return failed("SSM no longer knows automation execution " + waiting.execution(), now);
      }
    } catch (ServiceFailure failure) {
      ports.listener().reached(action, new Milestone.StatusCheckFailed(failure.code()));
    }
    return new Position.Waiting(waiting.execution(), checks, nextCheck);
  }

  /** The runbook failed, or could not be started or followed: the failure result goes out. */
  Position failed(String reason, Instant now) {
    timeline.waitEnded(now);
    return new Position.Completing(rules.results().onFailure(), reason, 0, now);
  }

  /**
   * Where the runbook stands once a parking is refused, so that a waiting room that failed once
   * does not keep the invocation for the whole delay (a capacity wait is up to fifteen minutes): when it
   * runs, watched again after a pause, whose status check parks it again if it still runs; else
   * parked again after a pause until it comes {@code back}, and claimed again then if that pause
   * reaches it.
   */
  Position afterRefusedParking(Position.Parking refused, Instant now, Instant back) {
    Instant again = now.plus(rules.timings().retrying().delayBefore(refusedParkings++));
    if (timeline.execution().isPresent()) {
      return new Position.Waiting(timeline.execution().get(), 0, again);
    }
    return again.isBefore(back) ? new Position.Parking(Duration.between(again, back), refused.reason(), again)
        : new Position.Claiming(0, back);
  }
}
