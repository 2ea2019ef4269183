package com.lifecycleorchestrator.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.lifecycleorchestrator.testkit.Failures;
import com.lifecycleorchestrator.testkit.FakeAutomations;
import com.lifecycleorchestrator.testkit.FakeAutomations.Script;
import com.lifecycleorchestrator.testkit.FakeLifecycleActions;
import com.lifecycleorchestrator.testkit.Rig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The release on a runbook's status-change event ("EC2 Automation Execution Status-change
 * Notification", Amazon EventBridge event examples for Systems Manager): the action whose own
 * execution ended is completed at once; any other event (repeated or late, as EventBridge delivers
 * at least once; of an earlier action of the seat; of an execution nobody of ours started) releases
 * nothing. And the wait it makes possible: a few short polls, then parked until the event, its hook
 * kept alive.
 */
class RunbookEndReleaseTest {

  private final Rig rig = new Rig().withStatusEvents().withWaitingRoom();
  private final List<FakeAutomations.End> ends = new ArrayList<>();

  RunbookEndReleaseTest() {
    rig.automations.announcingEnds(ends::add);
  }

  @Test
  void theEndOfAnActionsOwnRunbookReleasesItAtOnceWithTheResultItsStatusMapsTo() {
    LifecycleAction action = rig.held(rig.terminating());
    rig.automations.everyRunbook(Script.runsThen(Duration.ofMinutes(10), "Failed"));

    Outcome.Parked parked = assertInstanceOf(Outcome.Parked.class, rig.handle(action));
    FakeAutomations.End end = ends.get(0);
    rig.clock.sleepUntil(end.at().plusMillis(400));
    Outcome released = rig.orchestrator().runbookEnded(eventOf(end), rig.budget(), rig.continuations);

    Outcome.Completed completed = assertInstanceOf(Outcome.Completed.class, released);
    assertEquals(LifecycleResult.ABANDON, completed.result());
    assertEquals(Duration.ofMillis(400), completed.progress().timings().releaseDelay().orElseThrow());
    assertEquals(LifecycleResult.ABANDON, rig.lifecycleActions.ending(action).orElseThrow().result());
    assertEquals("ABANDON", rig.automations.tagsOf(end.execution()).get(Runbook.Entry.RELEASED));
    assertTrue(parked.delay().compareTo(Duration.ofMinutes(15)) <= 0, "parked for " + parked.delay());

    rig.clock.advance(parked.delay());
    Outcome back = rig.orchestrator().resume(parked.continuation(), rig.budget(), rig.continuations);
    assertInstanceOf(Outcome.AlreadyCompleted.class, back, "the parked wait finds its action released");
  }

  @Test
  void anEventThatNamesTheRunbookByItsArnReleasesItsActionToo() {
    LifecycleAction action = rig.held(rig.terminating());
    FakeAutomations.End end = handledUntilASecondAfterItsRunbooksEnd(action);

    Outcome released = rig.orchestrator().runbookEnded(new RunbookEnd(end.execution(),
        "arn:aws:ssm:us-east-1:123456789012:document/" + end.documentName(), end.status(), end.at()),
        rig.budget(), rig.continuations);

    assertInstanceOf(Outcome.Completed.class, released);
  }

  @Test
  void aRepeatedOrLateDeliveryOfTheEventReleasesNothing() {
    LifecycleAction action = rig.held(rig.terminating());
    FakeAutomations.End end = handledUntilASecondAfterItsRunbooksEnd(action);
    assertInstanceOf(Outcome.Completed.class,
        rig.orchestrator().runbookEnded(eventOf(end), rig.budget(), rig.continuations));
    int completions = rig.lifecycleActions.calls(FakeLifecycleActions.Operation.COMPLETE);

    rig.clock.advance(Duration.ofMinutes(7));
    Outcome again = rig.orchestrator().runbookEnded(eventOf(end), rig.budget(), rig.continuations);

    Outcome.Ignored ignored = assertInstanceOf(Outcome.Ignored.class, again);
    assertTrue(ignored.reason().contains("released already (CONTINUE)"), ignored.reason());
    assertEquals(completions, rig.lifecycleActions.calls(FakeLifecycleActions.Operation.COMPLETE));
  }

  /**
   * A person completed the first action while its runbook ran, and the instance came back to the
   * hook (a warm pool): the first runbook's late end names the first action's token, which reaches
   * that action or none, so the seat's next action stays held for its own runbook.
   */
  @Test
  void theEndOfAnEarlierActionsRunbookDoesNotReleaseTheSeatsNextAction() {
    LifecycleAction first = rig.held(rig.terminating());
    rig.automations.everyRunbook(Script.runsThen(Duration.ofMinutes(10), "Success"));
    rig.handle(first);
    rig.lifecycleActions.completeElsewhere(first, LifecycleResult.CONTINUE);
    LifecycleAction next = rig.held(new LifecycleAction(first.transition(), first.group(), first.hook(),
        first.instance(), new LifecycleAction.Token("87654321-4321-4321-4321-999999999999"), rig.clock.now()));
    FakeAutomations.End end = ends.get(0);
    rig.clock.sleepUntil(end.at());

    Outcome late = rig.orchestrator().runbookEnded(eventOf(end), rig.budget(), rig.continuations);

    assertInstanceOf(Outcome.AlreadyCompleted.class, late);
    assertTrue(rig.lifecycleActions.ending(next).isEmpty(), "the next action is still held");
  }

  /**
   * An action the reconciler found has no token: its completion by instance id is sent only once the
   * seat's record shows its execution still the latest, unreleased. A record throttled for now (a
   * large scale-in) is read again after a pause, rather than the action being left to a pass.
   */
  @Test
  void anActionWithoutTokenIsReleasedOnItsEventOnceItsRecordCanBeReadAgain() {
    LifecycleAction held = rig.held(rig.terminating());
    LifecycleAction found = new LifecycleAction(held.transition(), held.group(), held.hook(), held.instance(),
        Optional.empty(), held.heldSince(), rig.lifecycleActions.identified(held).activity(), Optional.empty());
    FakeAutomations.End end = handledUntilASecondAfterItsRunbooksEnd(found);
    rig.automations.failNext(FakeAutomations.Operation.LATEST, Failures.throttled("ThrottlingException"));

    Outcome released = rig.orchestrator().runbookEnded(eventOf(end), rig.budget(), rig.continuations);

    assertEquals(LifecycleResult.CONTINUE, assertInstanceOf(Outcome.Completed.class, released).result());
    assertEquals(LifecycleResult.CONTINUE, rig.lifecycleActions.ending(held).orElseThrow().result());
  }

  @Test
  void anExecutionOfOurRunbookThatNobodyOfOursStartedReleasesNothing() {
    LifecycleAction action = rig.held(rig.terminating());
    Runbook.ExecutionId byHand = rig.automations.start(new Runbook.Start(Rig.DOCUMENT,
        Map.of(Runbook.INSTANCE_PARAMETER, List.of(action.instance().value())),
        "11111111-2222-4333-8444-555555555555", Map.of("team", "ops")));

    Outcome outcome = rig.orchestrator().runbookEnded(
        new RunbookEnd(byHand, Rig.DOCUMENT, new Runbook.Status("Success"), rig.clock.now()), rig.budget(),
        rig.continuations);

    assertInstanceOf(Outcome.Ignored.class, outcome);
    assertEquals(0, rig.lifecycleActions.calls(FakeLifecycleActions.Operation.COMPLETE));
    assertTrue(rig.lifecycleActions.ending(action).isEmpty());
  }

  @Test
  void anotherRunbooksOrAStatusThatIsNoEndReleasesNothingAndCallsNothing() {
    Runbook.ExecutionId execution = new Runbook.ExecutionId("11111111-2222-4333-8444-555555555555");

    assertInstanceOf(Outcome.Ignored.class, rig.orchestrator().runbookEnded(
        new RunbookEnd(execution, "AWS-RestartEC2Instance", new Runbook.Status("Success"), rig.clock.now()),
        rig.budget(), rig.continuations));
    assertInstanceOf(Outcome.Ignored.class, rig.orchestrator().runbookEnded(
        new RunbookEnd(execution, Rig.DOCUMENT, new Runbook.Status("InProgress"), rig.clock.now()),
        rig.budget(), rig.continuations));
    assertEquals(0, rig.automations.calls(FakeAutomations.Operation.TAGS));
  }

  @Test
  void anEventWhoseExecutionSsmDoesNotKnowIsLeftToTheFollowersPolling() {
    Outcome outcome = rig.orchestrator().runbookEnded(new RunbookEnd(
            new Runbook.ExecutionId("11111111-2222-4333-8444-555555555555"), Rig.DOCUMENT,
            new Runbook.Status("Success"), rig.clock.now()), rig.budget(), rig.continuations);

    assertInstanceOf(Outcome.LeftToPolling.class, outcome);
  }

  /**
   * A runbook of two hours costs a few seconds of invocations: a few short polls, then the wait is
   * parked and comes back every five minutes, heartbeating a hook of ten minutes in time.
   */
  @Test
  void aLongRunbookIsWaitedForParkedWithItsHookKeptAlive() {
    rig.heartbeatTimeout(Duration.ofMinutes(10));
    LifecycleAction action = rig.held(rig.terminating());
    rig.automations.everyRunbook(Script.runsThen(Duration.ofHours(2), "Success"));

    Outcome outcome = rig.handleAcrossInvocations(action, Duration.ofMinutes(15));

    assertInstanceOf(Outcome.Completed.class, outcome);
    assertFalse(rig.lifecycleActions.ending(action).orElseThrow().byTimeout());
    assertTrue(rig.invocationTime().compareTo(Duration.ofMinutes(1)) < 0, "in invocations " + rig.invocationTime());
    assertTrue(rig.automations.calls(FakeAutomations.Operation.STATUS) < 40,
        rig.automations.calls(FakeAutomations.Operation.STATUS) + " status checks");
  }

  /**
   * An execution queued behind SSM's quota has not run, so no end of it can be missed while it
   * waits there: still Pending at its second check, it is parked for the longest fallback, where a
   * running one is polled through its first seconds and comes back after as long as its action has
   * waited.
   */
  @Test
  void anExecutionQueuedBehindSsmsQuotaIsParkedAtItsSecondCheckForTheLongestFallback() {
    rig.automations.capacity(1, 10).everyRunbook(Script.runsThen(Duration.ofMinutes(40), "Success"));
    LifecycleAction running = rig.held(rig.terminating());
    LifecycleAction queued = rig.held(rig.terminating());

    Outcome.Parked runningParked = assertInstanceOf(Outcome.Parked.class, rig.handle(running));
    int runningChecks = rig.automations.calls(FakeAutomations.Operation.STATUS);
    Outcome.Parked queuedParked = assertInstanceOf(Outcome.Parked.class, rig.handle(queued));
    int queuedChecks = rig.automations.calls(FakeAutomations.Operation.STATUS) - runningChecks;

    Timings.StatusEvents events = rig.timings().statusEvents().orElseThrow();
    assertEquals(events.shortestFallback(), runningParked.delay());
    assertTrue(runningChecks > 2, runningChecks + " checks of the running one");
    assertTrue(queuedParked.continuation().execution().isPresent());
    assertEquals(events.longestFallback(), queuedParked.delay());
    assertEquals(2, queuedChecks);
  }

  /** The action handled, its three-minute runbook succeeding, and the clock a second past the runbook's end. */
  private FakeAutomations.End handledUntilASecondAfterItsRunbooksEnd(LifecycleAction action) {
    rig.automations.everyRunbook(Script.runsThen(Duration.ofMinutes(3), "Success"));
    rig.handle(action);
    FakeAutomations.End end = ends.get(0);
    rig.clock.sleepUntil(end.at().plusSeconds(1));
    return end;
  }

  private static RunbookEnd eventOf(FakeAutomations.End end) {
    return new RunbookEnd(end.execution(), end.documentName(), end.status(), end.at());
  }
}
