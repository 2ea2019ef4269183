package com.lifecycleorchestrator.core;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Optional;

/**
 * Every timing the function runs by, in one place: how often it polls, how it backs off, the grace
 * periods it allows AWS, the share of the heartbeat timeout it heartbeats at, what it keeps back of an
 * invocation's time, and the SDK's own attempts and timeouts. The settings build it; the tests use
 * the same, so a change made there is the one they see.
 *
 * @param polling the pause between two status checks of a runbook: short at first, so that a short
 *     runbook releases its instance soon after it ends, growing to the cap for a long one
 * @param retrying the pause before trying again a call that failed for now
 * @param waitingForCapacity the pause before starting again a runbook that SSM's full queue (or its
 *     throttling) refused
 * @param throttledClaims the pause before claiming again an action whose claim Auto Scaling throttled,
 *     drawn anywhere up to it: a scale-in's events all claim at once
 * @param agentChecks the pause between two looks for a launching instance's SSM agent
 * @param agentWait how long after the launch a launching instance's SSM agent may take to come online
 * @param notFoundGrace how long a new execution may be unknown to SSM's status call before we stop
 *     believing in it
 * @param queuedAfter how long an execution may stay Pending before it is taken to be queued behind
 *     SSM's concurrency quota (rather than about to run) and the action is parked
 * @param longestQueuedPark the longest a queued execution is left unwatched: it may start and end
 *     while parked, and then waits this long at most to be noticed
 * @param deadlineMargin how long before the hook's global timeout the action is completed with the
 *     failure result if the runbook has not ended: time for a last status check and the completion
 *     with its retries, so that the result is ours and not the hook's default
 * @param heartbeatPercent heartbeats go out at this share of the hook's heartbeat timeout, well
 *     before the hook would give up
 * @param invocationReserve time kept back from the wait to send the result or hand the wait over
 * @param returnMargin time kept back from the invocation's end to return cleanly
 * @param sdk the SDK's attempts and timeouts of each call
 * @param statusEvents how the wait goes when the runbooks' status-change events reach the function
 *     (empty when they do not): polling is only their fallback
 */
public record Timings(
    Backoff polling,
    Backoff retrying,
    Backoff waitingForCapacity,
    Backoff throttledClaims,
    Backoff agentChecks,
    Duration agentWait,
    Duration notFoundGrace,
    Duration queuedAfter,
    Duration longestQueuedPark,
    Duration deadlineMargin,
    int heartbeatPercent,
    Duration invocationReserve,
    Duration returnMargin,
    Sdk sdk,
    Optional<StatusEvents> statusEvents) {

  public Timings {
    requireNonNull(polling, "polling");
    requireNonNull(retrying, "retrying");
    requireNonNull(waitingForCapacity, "waitingForCapacity");
    requireNonNull(throttledClaims, "throttledClaims");
    requireNonNull(agentChecks, "agentChecks");
    requireNonNull(agentWait, "agentWait");
    requireNonNull(notFoundGrace, "notFoundGrace");
    requireNonNull(queuedAfter, "queuedAfter");
    requireNonNull(longestQueuedPark, "longestQueuedPark");
    requireNonNull(deadlineMargin, "deadlineMargin");
    requireNonNull(invocationReserve, "invocationReserve");
    requireNonNull(returnMargin, "returnMargin");
    requireNonNull(sdk, "sdk");
    requireNonNull(statusEvents, "statusEvents");
    if (heartbeatPercent < 1 || heartbeatPercent > 90) {
      throw new IllegalArgumentException("heartbeats go out at 1% to 90% of the heartbeat timeout, got "
          + heartbeatPercent + "%");
    }
  }

  /** How often to heartbeat a hook with this heartbeat timeout. */
  public Duration heartbeatEvery(Duration heartbeatTimeout) {
    return heartbeatTimeout.multipliedBy(heartbeatPercent).dividedBy(100);
  }

  /**
   * The wait of a runbook whose end comes as an event: polled as usual while it is young, since most
   * runbooks end within a minute and a poll may see the end first; after {@code shortPolling} of its
   * run the wait is parked for as long as the action has waited so far, from
   * {@code shortestFallback} to {@code longestFallback}, which only matters for an event that is late
   * or lost. Without a waiting room the invocation is billed while it waits anyway, and polls every
   * {@code shortestFallback}.
   */
  public record StatusEvents(Duration shortPolling, Duration shortestFallback, Duration longestFallback) {
    public StatusEvents {
      requireNonNull(shortPolling, "shortPolling");
      requireNonNull(shortestFallback, "shortestFallback");
      requireNonNull(longestFallback, "longestFallback");
    }

    /** How long a wait parked now stays parked, the action having waited {@code waited} so far. */
    public Duration fallbackAfter(Duration waited) {
      return waited.compareTo(shortestFallback) < 0 ? shortestFallback
          : waited.compareTo(longestFallback) < 0 ? waited : longestFallback;
    }
  }

  /**
   * The SDK's attempts per call (the first included; throttled ones back off with jitter), the
   * longest one attempt may take, and the longest a call may take with all its retries.
   */
  public record Sdk(int attempts, Duration attemptTimeout, Duration callTimeout) {
    public Sdk {
      requireNonNull(attemptTimeout, "attemptTimeout");
      requireNonNull(callTimeout, "callTimeout");
      if (attempts < 1) {
        throw new IllegalArgumentException("a call makes at least one attempt, got " + attempts);
      }
    }
  }
}
