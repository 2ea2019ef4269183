package com.lifecycleorchestrator.core;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * What has happened to one lifecycle action in this invocation, as the outcome reports it: which
 * execution serves it and its last status, and when the runbook ran, ended, and the wait ended.
 */
final class Timeline {

  private final LifecycleAction action;
  private final Instant began;
  private Runbook.ExecutionId execution;
  private Runbook.Status lastStatus;
  private Instant runbookRunningSince;
  private Instant runbookEndedAt;
  private Optional<Duration> runbookDuration = Optional.empty();
  private Instant waitEndedAt;

  Timeline(LifecycleAction action, Instant began) {
    this.action = action;
    this.began = began;
  }

  Optional<Runbook.ExecutionId> execution() {
    return Optional.ofNullable(execution);
  }

  /** When the runbook was first seen running in this invocation. */
  Instant runbookRunningSince() {
    return runbookRunningSince;
  }

  void runbookRunning(Runbook.ExecutionId started, Instant now) {
    execution = started;
    runbookRunningSince = now;
  }

  /** Records the status seen; whether it differs from the one seen before. */
  boolean statusSeen(Runbook.Status status) {
    if (status.equals(lastStatus)) {
      return false;
    }
    lastStatus = status;
    return true;
  }

  void runbookEnded(Runbook.Observation observed, Instant now) {
    runbookEndedAt = observed.endedAt().orElse(now);
    runbookDuration = observed.startedAt().map(started -> Duration.between(started, runbookEndedAt));
  }

  /** The wait ended: the result is known, or there is nothing more to wait for. */
  void waitEnded(Instant now) {
    waitEndedAt = now;
  }

  Outcome.Progress progress(Instant now) {
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
}
