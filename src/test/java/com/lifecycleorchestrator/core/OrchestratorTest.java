package com.lifecycleorchestrator.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.lifecycleorchestrator.testkit.Failures;
import com.lifecycleorchestrator.testkit.FakeAutomations;
import com.lifecycleorchestrator.testkit.FakeAutomations.Script;
import com.lifecycleorchestrator.testkit.FakeLifecycleActions;
import com.lifecycleorchestrator.testkit.Rig;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class OrchestratorTest {

  private final Rig rig = new Rig();

  @Test
  void startsTheRunbookOnTheInstanceWaitsForItAndContinues() {
    rig.parameters(Map.of("S3BucketName", List.of("my-logs"), "AutomationAssumeRole",
        List.of("arn:aws:iam::123456789012:role/Automation")));
    LifecycleAction action = rig.held(rig.terminating());
    rig.automations.everyRunbook(Script.runsThen(Duration.ofSeconds(42), "Success"));

    Outcome outcome = rig.handle(action);

    Outcome.Completed completed = assertInstanceOf(Outcome.Completed.class, outcome);
    assertEquals(LifecycleResult.CONTINUE, completed.result());
    FakeAutomations.Execution execution = rig.automations.executions().get(0);
    assertEquals(Rig.DOCUMENT, execution.start().documentName());
    assertEquals(Map.of(
            "InstanceId", List.of(action.instance().value()),
            "S3BucketName", List.of("my-logs"),
            "AutomationAssumeRole", List.of("arn:aws:iam::123456789012:role/Automation")),
        execution.start().parameters());
    Runbook.Seat seat = rig.config().runbookFor(action.transition()).orElseThrow().seatOf(action);
    assertEquals(Map.of("lifecycle-instance:" + action.instance().value(), action.hook().value(),
            execution.start().lookupTagKey(), action.instance().value(),
            seat.tagKey(), "0",
            "lifecycle-group", action.group().value(),
            "lifecycle-transition", action.transition().wireName(),
            "lifecycle-token", action.token().orElseThrow().value(),
            "lifecycle-held-since", action.heldSince().toString(),
            "lifecycle-followed-at", Rig.T0.toString()),
        execution.start().tags());
    FakeLifecycleActions.Ending ending = rig.lifecycleActions.ending(action).orElseThrow();
    assertEquals(LifecycleResult.CONTINUE, ending.result());
    assertFalse(ending.byTimeout());
    assertEquals(execution.id(), completed.progress().execution().orElseThrow().value());
    assertEquals("Success", completed.progress().status().orElseThrow().name());
  }

  @Test
  void theGroupNameGoesToTheRunbookParameterThatAsksForIt() {
    Runbook runbook = new Runbook(Rig.DOCUMENT, Map.of(), Optional.of("AutoScalingGroupName"));

    Runbook.Start start = runbook.startFor(rig.terminating(), 0, Rig.T0);

    assertEquals(List.of("web-asg"), start.parameters().get("AutoScalingGroupName"));
    assertEquals(2, start.parameters().size());
  }

  /**
   * The event (with its token) and the reconciler (with the instance's scaling activity) name the
   * same action alike: by its seat and epoch, whatever else they know of it.
   */
  @Test
  void theStartIsTheSameForTheEventAndForTheReconcilerAtTheSameEpoch() {
    LifecycleAction.ScalingActivity activity =
        new LifecycleAction.ScalingActivity("5d2e9c1a-7a4b-4c3d-9e8f-0a1b2c3d4e5f", Rig.T0.minusSeconds(20));
    LifecycleAction fromEvent = rig.terminating();
    LifecycleAction found = new LifecycleAction(fromEvent.transition(), fromEvent.group(), fromEvent.hook(),
        fromEvent.instance(), Optional.empty(), activity.startedAt(), Optional.of(activity),
        Optional.of(LifecycleAction.Place.EC2));
    Runbook runbook = rig.config().runbookFor(fromEvent.transition()).orElseThrow();

    assertEquals(runbook.startFor(fromEvent, 3, Rig.T0).clientToken(), runbook.startFor(found, 3, Rig.T0).clientToken());
    assertEquals(runbook.startFor(fromEvent, 3, Rig.T0).parameters(), runbook.startFor(found, 3, Rig.T0).parameters());
    LifecycleAction anotherInstance = new LifecycleAction(fromEvent.transition(), fromEvent.group(), fromEvent.hook(),
        new LifecycleAction.InstanceId("i-0fedcba9876543210"), fromEvent.token().orElseThrow(), fromEvent.heldSince());
    assertNotEquals(runbook.startFor(fromEvent, 3, Rig.T0).clientToken(),
        runbook.startFor(anotherInstance, 3, Rig.T0).clientToken(), "two instances share a client token");
  }

  /** With a warm pool one instance meets the hooks again and again: each action, an epoch of its own. */
  @Test
  void twoActionsOfOneInstanceAtOneHookAreTwoEpochsWithTwoClientTokens() {
    LifecycleAction first = rig.terminating();
    LifecycleAction later = new LifecycleAction(first.transition(), first.group(), first.hook(), first.instance(),
        new LifecycleAction.Token("11111111-2222-3333-4444-555555555555"), Rig.T0.plus(Duration.ofHours(3)));
    Runbook runbook = rig.config().runbookFor(first.transition()).orElseThrow();

    assertEquals(runbook.seatOf(first), runbook.seatOf(later));
    assertNotEquals(runbook.startFor(first, 0, Rig.T0).clientToken(), runbook.startFor(later, 1, Rig.T0).clientToken());
    assertEquals(runbook.startFor(first, 0, Rig.T0).clientToken(), runbook.startFor(later, 0, Rig.T0).clientToken(),
        "the seat and epoch, not the token, name the action");
    assertTrue(runbook.startFor(first, 0, Rig.T0).clientToken().matches(
        "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), "SSM's ClientToken is a UUID");
  }

  /**
   * A role that may not read the executions' tags (AccessDenied on ListTagsForResource): the action
   * is taken as its seat's first, its runbook runs and its result goes out, with a warning that says
   * what to allow.
   */
  @Test
  void anActionWhoseRecordCannotBeReadIsTakenAsItsSeatsFirst() {
    LifecycleAction action = rig.held(rig.terminating());
    rig.automations.failNext(FakeAutomations.Operation.LATEST,
        new com.lifecycleorchestrator.core.ServiceFailure.Rejected("AccessDenied", "not authorized", null));

    Outcome outcome = rig.handle(action);

    assertEquals(LifecycleResult.CONTINUE, assertInstanceOf(Outcome.Completed.class, outcome).result());
    assertEquals(rig.config().runbookFor(action.transition()).orElseThrow().seatOf(action).clientToken(0),
        rig.automations.executions().get(0).start().clientToken());
    assertTrue(rig.milestones.contains(new Milestone.RecordUnreadable("AccessDenied")));
  }

  @Test
  void aShortRunbookReleasesItsInstanceWithinAboutASecondOfEnding() {
    LifecycleAction action = rig.held(rig.terminating());
    rig.automations.everyRunbook(Script.runsThen(Duration.ofMillis(500), "Success"));

    rig.handle(action);

    Instant releasedAt = rig.lifecycleActions.ending(action).orElseThrow().at();
    assertTrue(Duration.between(Rig.T0, releasedAt).compareTo(Duration.ofMillis(2600)) <= 0,
        "released " + Duration.between(Rig.T0, releasedAt) + " after the start");
  }

  @Test
  void aFailedRunbookAbandonsByDefault() {
    LifecycleAction action = rig.held(rig.terminating());
    rig.automations.everyRunbook(Script.runsThen(Duration.ofSeconds(20), "Failed"));

    Outcome outcome = rig.handle(action);

    assertEquals(LifecycleResult.ABANDON, assertInstanceOf(Outcome.Completed.class, outcome).result());
    assertEquals(LifecycleResult.ABANDON, rig.lifecycleActions.ending(action).orElseThrow().result());
  }

  @Test
  void theFailureResultIsASetting() {
    rig.failureResult(LifecycleResult.CONTINUE);
    LifecycleAction action = rig.held(rig.terminating());
    rig.automations.everyRunbook(Script.runsThen(Duration.ofSeconds(20), "TimedOut"));

    rig.handle(action);

    assertEquals(LifecycleResult.CONTINUE, rig.lifecycleActions.ending(action).orElseThrow().result());
  }

  @ParameterizedTest
  @EnumSource(Refusal.class)
  void aRunbookThatCannotStartGetsTheFailureResultAtOnce(Refusal refusal) {
    LifecycleAction action = rig.held(rig.terminating());
    rig.automations.failNext(FakeAutomations.Operation.START, refusal.failure());

    Outcome outcome = rig.handle(action);

    Outcome.Completed completed = assertInstanceOf(Outcome.Completed.class, outcome);
    assertEquals(LifecycleResult.ABANDON, completed.result());
    assertTrue(completed.reason().contains(refusal.failure().code()), completed.reason());
    assertTrue(completed.progress().execution().isEmpty());
    assertEquals(Rig.T0, rig.lifecycleActions.ending(action).orElseThrow().at());
  }

  enum Refusal {
    DOCUMENT_MISSING(new ServiceFailure.Rejected("AutomationDefinitionNotFoundException",
        "Document GracefulExit-ArchiveLogs does not exist", null)),
    PARAMETERS_REFUSED(new ServiceFailure.Rejected("InvalidAutomationExecutionParametersException",
        "Parameter S3BucketName is not defined in the document", null)),
    NOT_AUTHORIZED(new ServiceFailure.Rejected("AccessDeniedException",
        "User is not authorized to perform ssm:StartAutomationExecution", null));

    private final ServiceFailure failure;

    Refusal(ServiceFailure failure) {
      this.failure = failure;
    }

    ServiceFailure failure() {
      return failure;
    }
  }

  /** A late or repeated delivery of an action completed meanwhile starts no runbook: its token reaches no action. */
  @Test
  void anActionCompletedElsewhereIsAlreadyCompletedNotAFailureAndStartsNoRunbook() {
    LifecycleAction action = rig.held(rig.terminating());
    rig.automations.everyRunbook(Script.runsThen(Duration.ofSeconds(10), "Success"));
    rig.lifecycleActions.completeElsewhere(action, LifecycleResult.CONTINUE);

    Outcome outcome = rig.handle(action);

    Outcome.AlreadyCompleted already = assertInstanceOf(Outcome.AlreadyCompleted.class, outcome);
    assertFalse(already.needsAttention());
    assertTrue(rig.automations.executions().isEmpty());
  }

  @Test
  void anActionCompletedElsewhereWhileItsRunbookRunsIsAlreadyCompletedNotAFailure() {
    LifecycleAction action = rig.held(rig.terminating());
    rig.automations.everyRunbook(Script.runsThen(Duration.ofSeconds(10), "Success"));
    Orchestration orchestration = Orchestration.begin(action,
        rig.config().runbookFor(action.transition()).orElseThrow(), rig.ports(), rig.rules(), rig.budget(), Rig.T0);
    while (rig.automations.executions().isEmpty()) {
      rig.clock.sleepUntil(orchestration.nextStepAt());
      orchestration.advance(rig.clock.now());
    }
    rig.lifecycleActions.completeElsewhere(action, LifecycleResult.CONTINUE);
    Steps.runToEnd(orchestration, rig.clock);

    Outcome.AlreadyCompleted already = assertInstanceOf(Outcome.AlreadyCompleted.class,
        orchestration.outcome().orElseThrow());
    assertFalse(already.needsAttention());
    assertEquals(LifecycleResult.CONTINUE, already.intended().orElseThrow());
  }

  @Test
  void aLaunchActionUsesTheLaunchRunbookWhenOneIsConfigured() {
    rig.withLaunchRunbook();
    LifecycleAction action = rig.held(rig.action(LifecycleAction.Transition.LAUNCHING, Rig.T0));

    Outcome outcome = rig.handle(action);

    assertInstanceOf(Outcome.Completed.class, outcome);
    assertEquals(Rig.LAUNCH_DOCUMENT, rig.automations.executions().get(0).start().documentName());
  }

  @Test
  void anActionOfAnotherHookIsNotTouched() {
    LifecycleAction ours = rig.terminating();
    LifecycleAction theirs = new LifecycleAction(ours.transition(), ours.group(),
        new LifecycleAction.HookName("drain-connections"), ours.instance(), ours.token(), ours.heldSince());
    rig.held(theirs);

    Outcome outcome = rig.handle(theirs);

    assertTrue(assertInstanceOf(Outcome.Ignored.class, outcome).reason().contains("drain-connections"));
    assertEquals(0, rig.automations.totalCalls());
    assertTrue(rig.lifecycleActions.ending(theirs).isEmpty());
  }

  @Test
  void aLaunchActionIsIgnoredWithoutALaunchRunbook() {
    LifecycleAction action = rig.held(rig.action(LifecycleAction.Transition.LAUNCHING, Rig.T0));

    Outcome outcome = rig.handle(action);

    assertInstanceOf(Outcome.Ignored.class, outcome);
    assertEquals(0, rig.automations.totalCalls());
    assertEquals(0, rig.lifecycleActions.calls(FakeLifecycleActions.Operation.COMPLETE));
  }

  @Test
  void heartbeatsKeepALongRunbooksHookAliveAndComeBeforeHalfTheTimeout() {
    rig.heartbeatTimeout(Duration.ofMinutes(10));
    LifecycleAction action = rig.held(rig.terminating());
    rig.automations.everyRunbook(Script.runsThen(Duration.ofMinutes(12), "Success"));

    Outcome outcome = rig.handle(action);

    assertInstanceOf(Outcome.Completed.class, outcome);
    FakeLifecycleActions.Ending ending = rig.lifecycleActions.ending(action).orElseThrow();
    assertFalse(ending.byTimeout(), "the hook timed out");
    List<Instant> beats = rig.lifecycleActions.heartbeats(action);
    assertTrue(beats.size() >= 2, "heartbeats: " + beats);
    Instant previous = action.heldSince();
    for (Instant beat : beats) {
      assertTrue(Duration.between(previous, beat).compareTo(Duration.ofMinutes(5)) < 0,
          "a heartbeat came " + Duration.between(previous, beat) + " after the one before");
      previous = beat;
    }
  }

  @Test
  void anActionHeldLongBeforeTheDeliveryIsHeartbeatenAtOnce() {
    rig.heartbeatTimeout(Duration.ofMinutes(10));
    LifecycleAction action = rig.held(rig.action(LifecycleAction.Transition.TERMINATING,
        Rig.T0.minus(Duration.ofMinutes(6))));
    rig.automations.everyRunbook(Script.runsThen(Duration.ofMinutes(5), "Success"));

    rig.handle(action);

    assertEquals(Rig.T0, rig.lifecycleActions.heartbeats(action).get(0));
    assertFalse(rig.lifecycleActions.ending(action).orElseThrow().byTimeout());
  }

  @Test
  void anActionNoLongerActiveAtItsHeartbeatEndsTheWait() {
    rig.heartbeatTimeout(Duration.ofMinutes(2));
    LifecycleAction action = rig.held(rig.terminating());
    rig.automations.everyRunbook(Script.runsThen(Duration.ofMinutes(10), "Success"));
    rig.lifecycleActions.completeElsewhere(action, LifecycleResult.ABANDON);

    Outcome outcome = rig.handle(action);

    assertInstanceOf(Outcome.AlreadyCompleted.class, outcome);
    assertEquals(0, rig.lifecycleActions.calls(FakeLifecycleActions.Operation.COMPLETE));
  }

  @Test
  void theWaitIsHandedOverBeforeTheInvocationsTimeRunsOut() {
    LifecycleAction action = rig.held(rig.terminating());
    rig.automations.everyRunbook(Script.runsThen(Duration.ofHours(2), "Success"));
    Budget budget = rig.budget(Duration.ofMinutes(15));

    Outcome outcome = rig.orchestrator().handle(action, budget, rig.continuations);

    Outcome.HandedOver handedOver = assertInstanceOf(Outcome.HandedOver.class, outcome);
    assertFalse(handedOver.needsAttention());
    assertFalse(rig.clock.now().isAfter(budget.workUntil()), "worked until " + rig.clock.now());
    Continuation continuation = rig.continuations.handedOver().get(0);
    assertEquals(handedOver.continuation(), continuation);
    assertEquals(rig.automations.executions().get(0).id(), continuation.execution().orElseThrow().value());
    assertEquals(1, continuation.handOvers());
    assertEquals(Rig.T0.plus(Duration.ofHours(48)), continuation.hookDeadline());
    assertTrue(rig.lifecycleActions.ending(action).isEmpty());
  }

  @Test
  void transientStatusFailuresAreRiddenOut() {
    LifecycleAction action = rig.held(rig.terminating());
    ServiceFailure throttled = Failures.throttled("ThrottlingException");
    rig.automations.failNext(FakeAutomations.Operation.STATUS, throttled, throttled, throttled);

    Outcome outcome = rig.handle(action);

    assertEquals(LifecycleResult.CONTINUE, assertInstanceOf(Outcome.Completed.class, outcome).result());
  }

  @Test
  void aStartThatFailsForNowIsTriedAgainWithTheSameClientToken() {
    LifecycleAction action = rig.held(rig.terminating());
    rig.automations.failNext(FakeAutomations.Operation.START,
        Failures.serverError());

    Outcome outcome = rig.handle(action);

    assertInstanceOf(Outcome.Completed.class, outcome);
    assertEquals(1, rig.automations.executions().size());
    assertEquals(2, rig.automations.calls(FakeAutomations.Operation.START));
  }

  @Test
  void anExecutionThatSsmNeverKnowsEndsWithTheFailureResult() {
    LifecycleAction action = rig.held(rig.terminating());
    rig.automations.failNext(FakeAutomations.Operation.STATUS, Failures.times(200,
        new ServiceFailure.ExecutionNotFound("AutomationExecutionNotFoundException", "not found", null)));

    Outcome outcome = rig.handle(action);

    Outcome.Completed completed = assertInstanceOf(Outcome.Completed.class, outcome);
    assertEquals(LifecycleResult.ABANDON, completed.result());
    assertTrue(completed.reason().contains("no longer knows"), completed.reason());
  }

  @Test
  void anExecutionBrieflyUnknownAfterItsStartIsWaitedFor() {
    LifecycleAction action = rig.held(rig.terminating());
    ServiceFailure notFound = new ServiceFailure.ExecutionNotFound(
        "AutomationExecutionNotFoundException", "not found", null);
    rig.automations.failNext(FakeAutomations.Operation.STATUS, notFound, notFound);

    Outcome outcome = rig.handle(action);

    assertEquals(LifecycleResult.CONTINUE, assertInstanceOf(Outcome.Completed.class, outcome).result());
  }

  @Test
  void aCompletionThatFailsForNowIsTriedAgain() {
    LifecycleAction action = rig.held(rig.terminating());
    ServiceFailure unavailable = Failures.serverError();
    rig.lifecycleActions.failNext(FakeLifecycleActions.Operation.COMPLETE, unavailable, unavailable);

    Outcome outcome = rig.handle(action);

    assertInstanceOf(Outcome.Completed.class, outcome);
    assertEquals(3, rig.lifecycleActions.calls(FakeLifecycleActions.Operation.COMPLETE));
  }

  @Test
  void aCompletionThatAutoScalingRefusesIsUnfinishedAndNeedsAttention() {
    LifecycleAction action = rig.held(rig.terminating());
    rig.lifecycleActions.failNext(FakeLifecycleActions.Operation.COMPLETE,
        new ServiceFailure.Rejected("AccessDenied", "not authorized to perform "
            + "autoscaling:CompleteLifecycleAction", null));

    Outcome outcome = rig.handle(action);

    Outcome.Unfinished unfinished = assertInstanceOf(Outcome.Unfinished.class, outcome);
    assertTrue(unfinished.needsAttention());
    assertTrue(unfinished.error().contains("AccessDenied"), unfinished.error());
  }

  @Test
  void theTimeSpentInEachPhaseIsReported() {
    LifecycleAction action = rig.held(rig.terminating());
    rig.automations.everyRunbook(Script.runsThen(Duration.ofSeconds(60), "Success"));

    Outcome.Completed completed = assertInstanceOf(Outcome.Completed.class,
        rig.handle(action));

    Outcome.Timings timings = completed.progress().timings();
    assertEquals(Duration.ZERO, timings.starting());
    assertTrue(timings.waiting().compareTo(Duration.ofSeconds(60)) >= 0
        && timings.waiting().compareTo(Duration.ofSeconds(75)) <= 0, timings.toString());
  }
}
