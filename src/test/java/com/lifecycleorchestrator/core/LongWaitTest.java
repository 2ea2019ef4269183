package com.lifecycleorchestrator.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.lifecycleorchestrator.testkit.FakeAutomations;
import com.lifecycleorchestrator.testkit.FakeAutomations.Script;
import com.lifecycleorchestrator.testkit.Failures;
import com.lifecycleorchestrator.testkit.FakeLifecycleActions;
import com.lifecycleorchestrator.testkit.FakeWaitingRoom;
import com.lifecycleorchestrator.testkit.Rig;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Runbooks longer than one invocation, and starts that wait for SSM's capacity: the action is
 * handed over from invocation to invocation, the hook kept alive, and completed when the runbook
 * ends or, at the latest, just before the hook's global timeout.
 */
class LongWaitTest {

  private static final Duration INVOCATION = Duration.ofMinutes(15);

  private final Rig rig = new Rig();

  @Test
  void aRunbookOfThreeHoursIsFollowedAcrossInvocationsAndContinues() {
    LifecycleAction action = rig.held(rig.terminating());
    rig.automations.everyRunbook(Script.runsThen(Duration.ofHours(3), "Success"));

    Outcome outcome = rig.handleAcrossInvocations(action, INVOCATION);

    assertEquals(LifecycleResult.CONTINUE, assertInstanceOf(Outcome.Completed.class, outcome).result());
    assertEquals(1, rig.automations.executions().size());
    List<Continuation> handedOver = rig.continuations.handedOver();
    assertEquals(12, handedOver.size());
    for (int i = 0; i < handedOver.size(); i++) {
      assertEquals(i + 1, handedOver.get(i).handOvers());
      assertEquals(rig.automations.executions().get(0).id(), handedOver.get(i).execution().orElseThrow().value());
    }
    FakeLifecycleActions.Ending ending = rig.lifecycleActions.ending(action).orElseThrow();
    assertFalse(ending.byTimeout());
    assertHeartbeatsCameBeforeHalfTheTimeout(action);
    Duration released = Duration.between(Rig.T0.plus(Duration.ofHours(3)), ending.at());
    assertTrue(released.compareTo(Duration.ofSeconds(15)) <= 0, "released " + released + " after the runbook");
  }

  @Test
  void aRunbookOutlastingTheHooksGlobalTimeoutGetsTheFailureResultJustBeforeIt() {
    rig.heartbeatTimeout(Duration.ofMinutes(5));
    LifecycleAction action = rig.held(rig.terminating());
    rig.automations.everyRunbook(Script.runsThen(Duration.ofHours(10), "Success"));
    Instant deadline = Rig.T0.plus(Duration.ofMinutes(500));

    Outcome outcome = rig.handleAcrossInvocations(action, INVOCATION);

    Outcome.Completed completed = assertInstanceOf(Outcome.Completed.class, outcome);
    assertEquals(LifecycleResult.ABANDON, completed.result());
    assertTrue(completed.reason().contains("global timeout"), completed.reason());
    FakeLifecycleActions.Ending ending = rig.lifecycleActions.ending(action).orElseThrow();
    assertFalse(ending.byTimeout(), "the hook applied its default result");
    assertTrue(ending.at().isBefore(deadline) && ending.at().isAfter(deadline.minus(Duration.ofMinutes(3))),
        "completed at " + ending.at() + ", deadline " + deadline);
  }

  @Test
  void aStartRefusedForSsmsCapacityIsTriedAgainNotCountedAsAFailure() {
    LifecycleAction action = completedAfterStartsRefusedForCapacity(10);
    assertEquals(11, rig.automations.calls(FakeAutomations.Operation.START));
    assertEquals(1, rig.automations.executions().size());
    long retries = rig.milestones.stream().filter(m -> m instanceof Milestone.StartRetried).count();
    assertEquals(10, retries);
    assertFalse(rig.lifecycleActions.ending(action).orElseThrow().byTimeout());
  }

  @Test
  void aStartRefusedUntilTheHooksDeadlineNearsGetsTheFailureResultBeforeIt() {
    rig.heartbeatTimeout(Duration.ofMinutes(2));
    LifecycleAction action = rig.held(rig.terminating());
    rig.automations.failNext(FakeAutomations.Operation.START, Failures.times(5000, Failures.queueFull()));

    Outcome outcome = rig.handleAcrossInvocations(action, INVOCATION);

    Outcome.Completed completed = assertInstanceOf(Outcome.Completed.class, outcome);
    assertEquals(LifecycleResult.ABANDON, completed.result());
    assertTrue(completed.reason().contains("did not start"), completed.reason());
    assertTrue(rig.continuations.handedOver().stream().allMatch(c -> c.execution().isEmpty()));
    FakeLifecycleActions.Ending ending = rig.lifecycleActions.ending(action).orElseThrow();
    assertFalse(ending.byTimeout(), "the hook applied its default result");
    assertHeartbeatsCameBeforeHalfTheTimeout(action);
  }

  @Test
  void aHandOverThatFailsForNowIsTriedAgainWithinTheReserve() {
    LifecycleAction action = rig.held(rig.terminating());
    rig.automations.everyRunbook(Script.runsThen(Duration.ofHours(1), "Success"));
    ServiceFailure throttled = Failures.throttled("TooManyRequestsException");
    rig.continuations.failNext(throttled, throttled);

    Outcome outcome = rig.handle(action);

    assertInstanceOf(Outcome.HandedOver.class, outcome);
    assertEquals(1, rig.continuations.handedOver().size());
  }

  @Test
  void withAWaitingRoomARefusedStartWaitsThereNotInAnInvocation() {
    rig.withWaitingRoom();
    LifecycleAction action = completedAfterStartsRefusedForCapacity(12);
    List<FakeWaitingRoom.Stay> stays = rig.waitingRoom.stays();
    assertEquals(12, stays.size());
    for (int i = 1; i < stays.size(); i++) {
      assertTrue(stays.get(i).delay().compareTo(stays.get(i - 1).delay().multipliedBy(3)) < 0
          && stays.get(i).delay().compareTo(rig.timings().waitingForCapacity().cap()) <= 0, "delays " + stays);
      assertEquals(i + 1, stays.get(i).continuation().capacityWaits());
    }
    Duration waitedForCapacity = stays.stream().map(FakeWaitingRoom.Stay::delay).reduce(Duration.ZERO, Duration::plus);
    assertTrue(waitedForCapacity.compareTo(Duration.ofHours(1)) > 0, "waited " + waitedForCapacity);
    assertTrue(rig.invocationTime().compareTo(Duration.ofMinutes(2)) < 0,
        "spent " + rig.invocationTime() + " in invocations");
    assertFalse(rig.lifecycleActions.ending(action).orElseThrow().byTimeout());
    assertHeartbeatsCameBeforeHalfTheTimeout(action);
  }

  @Test
  void aClaimThrottledByAutoScalingParksWithoutSendingAnotherHeartbeatIntoTheThrottling() {
    rig.withWaitingRoom();
    LifecycleAction action = rig.held(rig.terminating());
    rig.lifecycleActions.failNext(FakeLifecycleActions.Operation.HEARTBEAT, Failures.throttled("Throttling"));

    Outcome outcome = rig.handleAcrossInvocations(action, INVOCATION);

    assertEquals(LifecycleResult.CONTINUE, assertInstanceOf(Outcome.Completed.class, outcome).result());
    assertEquals(1, rig.waitingRoom.stays().size());
    assertEquals(2, rig.lifecycleActions.calls(FakeLifecycleActions.Operation.HEARTBEAT),
        "the throttled claim's heartbeat, then the claim's when it came back");
    assertEquals(1, rig.lifecycleActions.calls(FakeLifecycleActions.Operation.DESCRIBE), "the pre-flight's only");
    assertHeartbeatsCameBeforeHalfTheTimeout(action);
  }

  /**
   * A start SSM refused for capacity is tried again with the epoch its action claimed: proven active
   * by a heartbeat each time, the seat's record not read again, the pre-flight not made again while
   * it is younger than a heartbeat interval.
   */
  @Test
  void aStartRefusedForCapacityIsTriedAgainWithItsClaimWithoutReadingTheRecordAgain() {
    rig.withWaitingRoom();
    completedAfterStartsRefusedForCapacity(3);
    assertTrue(rig.waitingRoom.stays().stream().allMatch(stay -> stay.continuation().claim()
        .filter(claim -> claim.epoch() == 0 && claim.preflightPassed().equals(Rig.T0)).isPresent()),
        rig.waitingRoom.stays().toString());
    assertEquals(4, rig.automations.calls(FakeAutomations.Operation.START));
    assertEquals(4, rig.lifecycleActions.calls(FakeLifecycleActions.Operation.HEARTBEAT));
    assertEquals(1, rig.automations.calls(FakeAutomations.Operation.LATEST));
    assertEquals(1, rig.automations.calls(FakeAutomations.Operation.AGENT));
    assertEquals(1, rig.lifecycleActions.calls(FakeLifecycleActions.Operation.DESCRIBE));
  }

  @Test
  void aClaimWaitingForCapacityMakesItsPreflightAgainOnceItIsAHeartbeatIntervalOld() {
    rig.withWaitingRoom();
    completedAfterStartsRefusedForCapacity(12);
    Duration interval = rig.timings().heartbeatEvery(rig.heartbeatTimeout());
    List<Instant> preflights = rig.waitingRoom.stays().stream()
        .map(stay -> stay.continuation().claim().orElseThrow().preflightPassed()).distinct().toList();
    assertTrue(preflights.size() > 1, preflights.toString());
    for (int i = 1; i < preflights.size(); i++) {
      assertTrue(Duration.between(preflights.get(i - 1), preflights.get(i)).compareTo(interval) >= 0,
          preflights.toString());
    }
    int agentLooks = rig.automations.calls(FakeAutomations.Operation.AGENT);
    assertTrue(agentLooks <= preflights.size() + 1, agentLooks + " looks, the last maybe at the start that succeeded");
    assertTrue(agentLooks < rig.automations.calls(FakeAutomations.Operation.START) / 2, agentLooks + " looks");
    assertEquals(1, rig.automations.calls(FakeAutomations.Operation.LATEST));
  }

  /** With a reconciler watching the groups, the pre-flight made again looks at the agent only, as a waiting hold's heartbeats do. */
  @Test
  void aClaimWaitingForCapacityLeavesTheGroupToTheReconcilerWhenItMakesItsPreflightAgain() {
    rig.withWaitingRoom().deletionsLeftToTheReconciler();
    completedAfterStartsRefusedForCapacity(12);
    assertTrue(rig.automations.calls(FakeAutomations.Operation.AGENT) > 1, "the agent looked at again");
    assertEquals(1, rig.lifecycleActions.calls(FakeLifecycleActions.Operation.DESCRIBE), "the first pre-flight's only");
  }

  /**
   * While one path's start waits for capacity, another path of the same action (a duplicate event)
   * starts the runbook: the waiting one's start, with the same epoch and so the same client token,
   * leads it to that execution, which it follows. One runbook.
   */
  @Test
  void aClaimWaitingForCapacityFollowsTheExecutionAnotherPathOfItsActionStartedMeanwhile() {
    rig.withWaitingRoom();
    rig.automations.everyRunbook(Script.runsThen(Duration.ofMinutes(30), "Success"));
    LifecycleAction action = rig.held(rig.terminating());
    rig.automations.failNext(FakeAutomations.Operation.START, Failures.queueFull());
    Outcome.Parked parked = assertInstanceOf(Outcome.Parked.class, rig.handle(action));
    rig.clock.advance(Duration.ofSeconds(2));
    assertInstanceOf(Outcome.HandedOver.class, rig.handle(action));
    rig.clock.advance(parked.delay());

    Outcome outcome = rig.orchestrator().resume(parked.continuation(), rig.budget(), rig.continuations);

    assertInstanceOf(Outcome.HandedOver.class, outcome);
    assertEquals(1, rig.automations.executions().size());
    assertEquals(rig.automations.executions().get(0).id(),
        ((Outcome.HandedOver) outcome).continuation().execution().orElseThrow().value());
  }

  /**
   * A scale-in's events claim at once and Auto Scaling throttles most of them: their returns are
   * spread over the whole first minute, not bunched in the last fifth of a pause, to meet less
   * throttling.
   */
  @Test
  void claimsThrottledTogetherComeBackSpreadOverAWholeMinute() {
    rig.withWaitingRoom();
    Duration first = rig.timings().throttledClaims().first();
    List<Duration> delays = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      LifecycleAction action = rig.held(rig.terminating());
      rig.lifecycleActions.failNext(FakeLifecycleActions.Operation.HEARTBEAT, Failures.throttled("Throttling"));
      delays.add(assertInstanceOf(Outcome.Parked.class, rig.handle(action)).delay());
    }

    assertTrue(delays.stream().allMatch(delay -> delay.compareTo(first) <= 0), delays.toString());
    assertTrue(delays.stream().filter(delay -> delay.compareTo(first.dividedBy(2)) < 0).count() >= 5, delays.toString());
  }

  /**
   * A claim throttled again and again, past the heartbeat interval: its parking, whose heartbeat
   * failed too, comes back within the shortest stay to send it again rather than after its growing
   * wait, which would outlast the hold.
   */
  @Test
  void aParkingWhoseHeartbeatFailedPastTheIntervalComesBackWithinAMinute() {
    rig.withWaitingRoom().heartbeatTimeout(Duration.ofMinutes(10));
    LifecycleAction action = rig.held(rig.terminating());
    rig.clock.advance(Duration.ofMinutes(5));
    Continuation throttledFourTimes = new Continuation(action, Optional.empty(), action.heldSince(),
        action.heldSince().plus(Duration.ofHours(48)), Optional.of(HookTimeouts.assumed(rig.heartbeatTimeout())), 4,
        4, Optional.empty(), Optional.empty(), Optional.empty());
    rig.lifecycleActions.failNext(FakeLifecycleActions.Operation.HEARTBEAT,
        Failures.times(2, Failures.throttled("Throttling")));

    Outcome outcome = rig.orchestrator().resume(throttledFourTimes, rig.budget(), rig.continuations);

    assertEquals(Duration.ofMinutes(1), assertInstanceOf(Outcome.Parked.class, outcome).delay());
    assertEquals(2, rig.lifecycleActions.calls(FakeLifecycleActions.Operation.HEARTBEAT));
  }

  @Test
  void withAWaitingRoomAnExecutionQueuedBySsmIsParkedAndFollowedWhenItRuns() {
    rig.withWaitingRoom();
    rig.automations.capacity(1, 10)
        .everyRunbook(Script.runsThen(Duration.ofMinutes(40), "Success"));
    LifecycleAction first = rig.held(rig.terminating());
    LifecycleAction queued = rig.held(rig.terminating());
    rig.automations.start(rig.config().runbookFor(first.transition()).orElseThrow().startFor(first, 0, rig.clock.now()));

    Outcome outcome = rig.handleAcrossInvocations(queued, INVOCATION);

    assertEquals(LifecycleResult.CONTINUE, assertInstanceOf(Outcome.Completed.class, outcome).result());
    assertFalse(rig.waitingRoom.stays().isEmpty());
    assertTrue(rig.waitingRoom.stays().stream().allMatch(stay -> stay.continuation().execution().isPresent()
        && stay.delay().compareTo(Duration.ofMinutes(2)) <= 0), rig.waitingRoom.stays().toString());
    Instant queuedRunbookEnded = Rig.T0.plus(Duration.ofMinutes(80));
    Duration released = Duration.between(queuedRunbookEnded, rig.lifecycleActions.ending(queued).orElseThrow().at());
    assertTrue(released.compareTo(Duration.ofSeconds(16)) <= 0, "released " + released + " after its runbook");
  }

  /**
   * A capacity wait the waiting room refused is not waited out in the invocation (up to ten
   * minutes of it): it is parked again after a pause, to come back when it would have.
   */
  @Test
  void aCapacityWaitTheWaitingRoomRefusedIsParkedAgainAfterAPause() {
    rig.withWaitingRoom();
    LifecycleAction action = rig.held(rig.terminating());
    rig.automations.failNext(FakeAutomations.Operation.START, Failures.times(6, Failures.queueFull()));
    Outcome.Parked before = null;
    for (int wait = 0; wait < 5; wait++) {
      before = assertInstanceOf(Outcome.Parked.class, before == null ? rig.handle(action)
          : rig.orchestrator().resume(before.continuation(), rig.budget(), rig.continuations));
      rig.clock.advance(before.delay());
    }
    rig.waitingRoom.failNext(Failures.serverError());
    Instant began = rig.clock.now();

    Outcome.Parked parked = assertInstanceOf(Outcome.Parked.class,
        rig.orchestrator().resume(before.continuation(), rig.budget(), rig.continuations));

    Duration inInvocation = Duration.between(began, rig.clock.now());
    assertTrue(inInvocation.compareTo(Duration.ofSeconds(2)) < 0, "waited " + inInvocation + " in the invocation");
    Duration waited = inInvocation.plus(parked.delay());
    assertTrue(waited.compareTo(Duration.ofMinutes(4)) > 0, "parked again until " + waited + " after the refusal");
    assertEquals(6, rig.waitingRoom.stays().size());
  }

  @Test
  void aResumedWaitKeepsTheDeadlineItsContinuationCarries() {
    LifecycleAction action = rig.held(rig.terminating());
    rig.automations.everyRunbook(Script.runsThen(Duration.ofHours(1), "Success"));
    Runbook.ExecutionId execution = rig.automations.start(
        rig.config().runbookFor(action.transition()).orElseThrow().startFor(action, 0, rig.clock.now()));
    Instant deadline = Rig.T0.plus(Duration.ofMinutes(10));

    Outcome outcome = rig.orchestrator().resume(
        new Continuation(action, Optional.of(execution), Rig.T0, deadline,
            Optional.of(HookTimeouts.assumed(rig.heartbeatTimeout())), 1, 0, Optional.empty(), Optional.empty(), Optional.empty()), rig.budget(),
        rig.continuations);

    Outcome.Completed completed = assertInstanceOf(Outcome.Completed.class, outcome);
    assertEquals(LifecycleResult.ABANDON, completed.result());
    assertTrue(completed.reason().contains(deadline.toString()), completed.reason());
    assertTrue(rig.lifecycleActions.ending(action).orElseThrow().at().isBefore(deadline));
  }

  private void assertHeartbeatsCameBeforeHalfTheTimeout(LifecycleAction action) {
    Instant previous = action.heldSince();
    for (Instant beat : rig.lifecycleActions.heartbeats(action)) {
      assertTrue(Duration.between(previous, beat).compareTo(rig.heartbeatTimeout().dividedBy(2)) < 0,
          "a heartbeat came " + Duration.between(previous, beat) + " after the one before");
      previous = beat;
    }
    assertFalse(rig.lifecycleActions.heartbeats(action).isEmpty());
  }

  /**
   * A terminate action whose start SSM refuses for capacity {@code refusals} times, handled across
   * invocations until it is completed with CONTINUE.
   */
  private LifecycleAction completedAfterStartsRefusedForCapacity(int refusals) {
    LifecycleAction action = rig.held(rig.terminating());
    rig.automations.failNext(FakeAutomations.Operation.START, Failures.times(refusals, Failures.queueFull()));

    Outcome outcome = rig.handleAcrossInvocations(action, INVOCATION);

    assertEquals(LifecycleResult.CONTINUE, assertInstanceOf(Outcome.Completed.class, outcome).result());
    return action;
  }
}
