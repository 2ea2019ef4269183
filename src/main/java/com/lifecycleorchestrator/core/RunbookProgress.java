package com.lifecycleorchestrator.core;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The runbook's progress for one lifecycle action: starting it (or waiting for SSM's capacity to),
 * finding the execution an earlier delivery started, checking its status, and deciding the result
 * once it has ended. Each step returns the next position.
 */
final class RunbookProgress {

  /** How often to look for the execution an earlier delivery started. */
  static final int FIND_ATTEMPTS = 5;

  private final LifecycleAction action;
  private final Runbook.Start start;
  private final Orchestration.Ports ports;
  private final Orchestration.Rules rules;
  private final Timeline timeline;
  private final Hold hold;
  private int capacityWaits;

  RunbookProgress(LifecycleAction action, Runbook.Start start, Orchestration.Ports ports,
      Orchestration.Rules rules, Timeline timeline, Hold hold, int capacityWaits) {
    this.action = action;
    this.start = start;
    this.ports = ports;
    this.rules = rules;
    this.timeline = timeline;
    this.hold = hold;
    this.capacityWaits = capacityWaits;
  }

  /** How many of the latest waits in a row were for SSM's capacity. */
  int capacityWaits() {
    return capacityWaits;
  }

  Position start(Position.Starting starting, Instant now) {
    try {
      return running(ports.automations().start(start), false, now);
    } catch (ServiceFailure.ClientTokenReused reused) {
      return new Position.FindingEarlierStart(0, now);
    } catch (ServiceFailure.Rejected rejected) {
      return failed("the runbook could not be started: " + rejected.getMessage(), now);
    } catch (ServiceFailure.ExecutionLimitReached | ServiceFailure.Throttled noCapacity) {
      Duration pause = capacityWait(now, rules.timings().waitingForCapacity().cap());
      ports.listener().reached(action, new Milestone.StartRetried(noCapacity.code(), pause));
      return ports.waitingRoom().isPresent()
          ? new Position.Parking(pause, now)
          : new Position.Starting(starting.attempt() + 1, now.plus(pause));
    } catch (ServiceFailure failure) {
      Duration pause = rules.timings().retrying().delayBefore(starting.attempt());
      ports.listener().reached(action, new Milestone.StartRetried(failure.code(), pause));
      return new Position.Starting(starting.attempt() + 1, now.plus(pause));
    }
  }

  /**
   * The next wait for SSM's capacity: growing with each wait in a row, and never longer than the
   * heartbeats allow, the waiting room holds, or the hook's deadline leaves.
   */
  private Duration capacityWait(Instant now, Duration cap) {
    Duration pause = rules.timings().waitingForCapacity().delayBefore(capacityWaits++);
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
    try {
      Optional<Runbook.Found> found = ports.automations().findEarlier(start);
      if (found.isPresent()) {
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
    return new Position.FindingEarlierStart(finding.attempt() + 1, now.plus(pause));
  }

  /** The runbook runs: a new one is first checked on schedule, one started earlier at once. */
  private Position running(Runbook.ExecutionId started, boolean startedEarlier, Instant now) {
    timeline.runbookRunning(started, now);
    ports.listener().reached(action, new Milestone.RunbookStarted(started, startedEarlier));
    return new Position.Waiting(started, 0,
        startedEarlier ? now : now.plus(rules.timings().polling().delayBefore(0)));
  }

  /** Follows an execution that an earlier invocation started, checking it at once. */
  Position following(Runbook.ExecutionId execution, Instant now) {
    timeline.runbookRunning(execution, now);
    return new Position.Waiting(execution, 0, now);
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
        timeline.runbookEnded(observed, now);
        timeline.waitEnded(now);
        return new Position.Completing(result.get(), "the runbook ended with status " + observed.status(), 0, now);
      }
      if (!observed.status().isQueued()) {
        capacityWaits = 0;
      } else if (ports.waitingRoom().isPresent() && (capacityWaits > 0
          || !now.isBefore(timeline.runbookRunningSince().plus(rules.timings().queuedAfter())))) {
        return new Position.Parking(capacityWait(now, rules.timings().longestQueuedPark()), now);
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

  /** Where the runbook stands once a parking is refused: started again, or watched again, later. */
  Position afterRefusedParking(Instant back) {
    return timeline.execution()
        .<Position>map(execution -> new Position.Waiting(execution, 0, back))
        .orElseGet(() -> new Position.Starting(0, back));
  }
}
