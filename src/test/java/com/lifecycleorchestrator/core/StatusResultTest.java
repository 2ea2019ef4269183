package com.lifecycleorchestrator.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.lifecycleorchestrator.testkit.FakeAutomations;
import com.lifecycleorchestrator.testkit.Rig;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/** Every status SSM can report maps to a result or to "keep waiting", exactly as docs/architecture.md lists. */
class StatusResultTest {

  /** AutomationExecutionStatus as SSM's service model (2014-11-06) enumerates it. */
  static final Map<String, Runbook.State> SSM_STATUSES = Map.ofEntries(
      Map.entry("Pending", Runbook.State.RUNNING),
      Map.entry("InProgress", Runbook.State.RUNNING),
      Map.entry("Waiting", Runbook.State.RUNNING),
      Map.entry("Success", Runbook.State.SUCCEEDED),
      Map.entry("TimedOut", Runbook.State.FAILED),
      Map.entry("Cancelling", Runbook.State.RUNNING),
      Map.entry("Cancelled", Runbook.State.FAILED),
      Map.entry("Failed", Runbook.State.FAILED),
      Map.entry("PendingApproval", Runbook.State.RUNNING),
      Map.entry("Approved", Runbook.State.RUNNING),
      Map.entry("Rejected", Runbook.State.FAILED),
      Map.entry("Scheduled", Runbook.State.RUNNING),
      Map.entry("RunbookInProgress", Runbook.State.RUNNING),
      Map.entry("PendingChangeCalendarOverride", Runbook.State.RUNNING),
      Map.entry("ChangeCalendarOverrideApproved", Runbook.State.RUNNING),
      Map.entry("ChangeCalendarOverrideRejected", Runbook.State.FAILED),
      Map.entry("CompletedWithSuccess", Runbook.State.SUCCEEDED),
      Map.entry("CompletedWithFailure", Runbook.State.FAILED),
      Map.entry("Exited", Runbook.State.FAILED));

  @Example
  void everyStatusOfSsmsEnumIsKnown() {
    SSM_STATUSES.forEach((name, state) -> {
      assertTrue(new Runbook.Status(name).recognised(), name);
      assertEquals(state, new Runbook.Status(name).state(), name);
    });
  }

  @Property
  void theResultFollowsTheFinalStatus(
      @ForAll("statuses") String finalStatus, @ForAll LifecycleResult onFailure) {
    Rig rig = new Rig().failureResult(onFailure);
    rig.automations.everyRunbook(FakeAutomations.Script.runsThen(Duration.ofSeconds(30), finalStatus));
    LifecycleAction action = rig.held(rig.terminating());

    Outcome outcome = rig.handle(action);

    switch (SSM_STATUSES.getOrDefault(finalStatus, Runbook.State.RUNNING)) {
      case SUCCEEDED -> assertEquals(LifecycleResult.CONTINUE,
          assertInstanceOf(Outcome.Completed.class, outcome).result());
      case FAILED -> assertEquals(onFailure, assertInstanceOf(Outcome.Completed.class, outcome).result());
      case RUNNING -> {
        assertInstanceOf(Outcome.HandedOver.class, outcome);
        assertTrue(rig.lifecycleActions.ending(action).isEmpty());
      }
    }
  }

  @Property
  void aRunbookEndingAtTIsReleasedWithinTheIntervalCap(
      @ForAll @IntRange(min = 1, max = 800) int runbookSeconds,
      @ForAll @IntRange(min = 1, max = 60) int capSeconds) {
    Rig rig = new Rig().maxPollInterval(Duration.ofSeconds(capSeconds));
    rig.automations.everyRunbook(FakeAutomations.Script.runsThen(Duration.ofSeconds(runbookSeconds), "Success"));
    LifecycleAction action = rig.held(rig.terminating());

    rig.handle(action);

    Instant ended = Rig.T0.plusSeconds(runbookSeconds);
    Instant released = rig.lifecycleActions.ending(action).orElseThrow().at();
    Duration delay = Duration.between(ended, released);
    assertTrue(!delay.isNegative() && delay.compareTo(Duration.ofSeconds(capSeconds)) <= 0,
        "released " + delay + " after the runbook ended, cap " + capSeconds + " s");
  }

  @Provide
  Arbitrary<String> statuses() {
    return Arbitraries.oneOf(Arbitraries.of(List.copyOf(SSM_STATUSES.keySet())),
        Arbitraries.just("SomeStatusSsmAddsLater"));
  }
}
