package com.lifecycleorchestrator.simulation;

import java.util.Random;

/**
 * How often each fault strikes in one run, drawn from the run's seed: a run is mostly healthy or
 * mostly hostile in its own way, so that the seeds between them cover rare combinations.
 *
 * @param eventLost share of events EventBridge never delivers (its retries ran out, "Event retry policy")
 * @param eventDuplicated share of events delivered again within minutes (at-least-once delivery)
 * @param eventLate share of events delivered again hours later (EventBridge retries for up to 24 hours)
 * @param retryDropped share of Lambda's asynchronous retries that are dropped ("How Lambda handles errors and
 *     retries with asynchronous invocation": an event "might also be deleted from the queue without being sent")
 * @param invocationDies share of invocations whose execution environment dies at some call
 * @param handOverRefused share of Invoke calls (hand-overs) that fail
 * @param handOverLost share of accepted hand-overs never delivered
 * @param handOverTwice share of hand-overs delivered twice
 * @param parkingLost share of waiting-room messages never delivered
 * @param parkingTwice share of waiting-room messages delivered twice (SQS standard queues: at least once)
 * @param callFails share of Auto Scaling and SSM calls that fail for now after the SDK's retries
 * @param tagsNotWritten share of AddTagsToResource calls that fail
 * @param startRefusedForCapacity share of starts refused because SSM's execution queue is full
 * @param listingFaultOn which path's DescribeScalingActivities is refused or throttled for the whole run
 * @param listingRefused whether that listing is refused (AccessDenied) rather than throttled
 * @param operatorCompletes share of actions an operator completes by hand
 * @param hookChanges how many times an operator changes a hook's heartbeat timeout
 * @param extraPasses how many reconciler passes come at random moments besides the schedule
 * @param statusEventLost share of runbooks' status-change events never delivered
 * @param statusEventTwice share of status-change events delivered twice (at-least-once delivery)
 * @param statusEventLate share of status-change events delivered up to an hour late (EventBridge's retries)
 */
record Faults(
    double eventLost,
    double eventDuplicated,
    double eventLate,
    double retryDropped,
    double invocationDies,
    double handOverRefused,
    double handOverLost,
    double handOverTwice,
    double parkingLost,
    double parkingTwice,
    double callFails,
    double tagsNotWritten,
    double startRefusedForCapacity,
    EnvironmentPorts.Path listingFaultOn,
    boolean listingRefused,
    double operatorCompletes,
    int hookChanges,
    int extraPasses,
    double statusEventLost,
    double statusEventTwice,
    double statusEventLate) {

  /** A run's faults: each kind absent from about a third of the runs, and at a drawn rate in the others. */
  static Faults draw(Random random) {
    EnvironmentPorts.Path[] listing = {null, EnvironmentPorts.Path.EVENT, EnvironmentPorts.Path.RECONCILER};
    return new Faults(
        share(random, 0.3), share(random, 0.5), share(random, 0.3), share(random, 0.5),
        share(random, 0.25), share(random, 0.2), share(random, 0.2), share(random, 0.3),
        share(random, 0.2), share(random, 0.3), share(random, 0.1), share(random, 0.2), share(random, 0.2),
        listing[random.nextInt(listing.length)], random.nextBoolean(),
        share(random, 0.15), random.nextInt(3), random.nextInt(6),
        share(random, 0.3), share(random, 0.3), share(random, 0.3));
  }

  private static double share(Random random, double highest) {
    return random.nextInt(3) == 0 ? 0 : random.nextDouble() * highest;
  }
}
