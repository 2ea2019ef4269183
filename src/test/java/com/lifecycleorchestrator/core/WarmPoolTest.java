package com.lifecycleorchestrator.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.lifecycleorchestrator.testkit.Failures;
import com.lifecycleorchestrator.testkit.FakeAutomations.Script;
import com.lifecycleorchestrator.testkit.FakeLifecycleActions;
import com.lifecycleorchestrator.testkit.Rig;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * One instance meets the hooks several times with a warm pool ("Warm pool instance lifecycle", EC2
 * Auto Scaling User Guide): every lifecycle action gets its own runbook, a return to the pool does
 * what the setting says, and a recovered action's deadline is never later than Auto Scaling's.
 */
class WarmPoolTest {

  private final Rig rig = new Rig();

  /** The same instance returned to the pool, then terminated from it: two actions, two runbooks. */
  @Test
  void anInstanceReturnedToThePoolThenTerminatedGetsTwoRunbooksAndTwoResults() {
    rig.automations.everyRunbook(Script.runsThen(Duration.ofSeconds(30), "Success"));
    LifecycleAction toPool = rig.held(rig.terminating().withDestination(LifecycleAction.Place.WARM_POOL));
    Outcome first = rig.handle(toPool);
    rig.clock.advance(Duration.ofHours(2));
    LifecycleAction terminated = rig.held(new LifecycleAction(toPool.transition(), toPool.group(), toPool.hook(),
        toPool.instance(), new LifecycleAction.Token("22222222-3333-4444-5555-666666666666"), rig.clock.now())
        .withDestination(LifecycleAction.Place.EC2));
    rig.automations.everyRunbook(Script.runsThen(Duration.ofSeconds(30), "Failed"));

    Outcome second = rig.handle(terminated);

    assertEquals(2, rig.automations.executions().size(), "each action starts its own execution");
    assertNotEquals(rig.automations.executions().get(0).start().clientToken(),
        rig.automations.executions().get(1).start().clientToken());
    assertEquals(LifecycleResult.CONTINUE, assertInstanceOf(Outcome.Completed.class, first).result());
    assertEquals(LifecycleResult.ABANDON, assertInstanceOf(Outcome.Completed.class, second).result(),
        "the second action completes with its own runbook's result, not the first one's");
  }

  @Test
  void aDuplicateDeliveryOfOneActionFollowsTheFirstExecution() {
    rig.automations.everyRunbook(Script.runsThen(Duration.ofSeconds(30), "Success"));
    LifecycleAction action = rig.held(rig.terminating());

    rig.handle(action);
    Outcome again = rig.handle(action);

    assertEquals(1, rig.automations.executions().size());
    assertInstanceOf(Outcome.AlreadyCompleted.class, again);
  }

  @Test
  void aReturnToThePoolCompletesAtOnceWithContinueWhenTheSettingSaysSo() {
    rig.warmPoolReturn(Orchestrator.WarmPoolReturn.CONTINUE);
    LifecycleAction toPool = rig.held(rig.terminating().withDestination(LifecycleAction.Place.WARM_POOL));
    LifecycleAction terminated = rig.held(rig.terminating().withDestination(LifecycleAction.Place.EC2));
    rig.automations.everyRunbook(Script.runsThen(Duration.ofSeconds(30), "Success"));

    Outcome released = rig.handle(toPool);
    rig.handle(terminated);

    assertEquals(LifecycleResult.CONTINUE, assertInstanceOf(Outcome.Completed.class, released).result());
    assertEquals(LifecycleResult.CONTINUE, rig.lifecycleActions.ending(toPool).orElseThrow().result());
    assertEquals(List.of(terminated.instance().value()), rig.automations.executions().stream()
        .map(execution -> execution.start().parameters().get(Runbook.INSTANCE_PARAMETER).get(0)).toList(),
        "only the real termination runs the runbook");
  }

  // "CompleteLifecycleAction" and "Common Errors" (Amazon EC2 Auto Scaling API Reference): a
  // throttled call answers Throttling (HTTP 400); in a large scale-in it can outlast the SDK's retries.
  @Test
  void aReleaseToThePoolThrottledPastTheSdksRetriesIsSentAgainUntilAccepted() {
    rig.warmPoolReturn(Orchestrator.WarmPoolReturn.CONTINUE);
    LifecycleAction toPool = rig.held(rig.terminating().withDestination(LifecycleAction.Place.WARM_POOL));
    rig.lifecycleActions.failNext(FakeLifecycleActions.Operation.COMPLETE,
        Failures.times(12, Failures.throttled("Throttling")));

    Outcome released = rig.handle(toPool);

    assertEquals(LifecycleResult.CONTINUE, assertInstanceOf(Outcome.Completed.class, released).result());
    assertEquals(13, rig.lifecycleActions.calls(FakeLifecycleActions.Operation.COMPLETE));
    assertEquals(12, rig.milestones.stream().filter(Milestone.CompletionRetried.class::isInstance).count());
    assertFalse(rig.lifecycleActions.ending(toPool).orElseThrow().byTimeout());
    assertTrue(rig.automations.executions().isEmpty());
  }

  @Test
  void aReleaseToThePoolStillThrottledWhenTheInvocationEndsIsHandedOverWithItsContinue() {
    rig.warmPoolReturn(Orchestrator.WarmPoolReturn.CONTINUE);
    LifecycleAction toPool = rig.held(rig.terminating().withDestination(LifecycleAction.Place.WARM_POOL));
    rig.lifecycleActions.failNext(FakeLifecycleActions.Operation.COMPLETE,
        Failures.times(30, Failures.throttled("Throttling")));

    Outcome released = rig.handleAcrossInvocations(toPool, Duration.ofMinutes(3));

    assertEquals(LifecycleResult.CONTINUE, assertInstanceOf(Outcome.Completed.class, released).result());
    assertTrue(rig.continuations.handedOver().stream().anyMatch(continuation -> continuation.pending()
        .map(Continuation.Pending::result).equals(Optional.of(LifecycleResult.CONTINUE))),
        rig.continuations.handedOver().toString());
    assertFalse(rig.lifecycleActions.ending(toPool).orElseThrow().byTimeout());
    assertTrue(rig.automations.executions().isEmpty());
  }

  @Test
  void aReleaseToThePoolThrottledUntilTheHookTimesOutEndsUnfinishedSayingSo() {
    rig.warmPoolReturn(Orchestrator.WarmPoolReturn.CONTINUE);
    LifecycleAction toPool = rig.terminating().withDestination(LifecycleAction.Place.WARM_POOL);
    rig.lifecycleActions.hook(toPool.group(), toPool.hook(),
        new HookTimeouts(Duration.ofMinutes(1), Duration.ofMinutes(100), Optional.of(LifecycleResult.ABANDON)));
    rig.held(toPool);
    rig.lifecycleActions.failNext(FakeLifecycleActions.Operation.COMPLETE,
        Failures.times(100, Failures.throttled("Throttling")));

    Outcome released = rig.handle(toPool);

    Outcome.Unfinished unfinished = assertInstanceOf(Outcome.Unfinished.class, released);
    assertTrue(unfinished.error().contains("before the lifecycle hook timed out"), unfinished.error());
    assertTrue(rig.clock.now().isBefore(toPool.heldSince().plus(Duration.ofMinutes(1)).plusSeconds(1)),
        "retried no longer than the hook holds the instance");
  }

  @Test
  void theReconcilerReleasesAReturnToThePoolWhenTheSettingSaysContinue() {
    rig.warmPoolReturn(Orchestrator.WarmPoolReturn.CONTINUE);
    LifecycleAction toPool = rig.held(rig.terminating().withDestination(LifecycleAction.Place.WARM_POOL));
    rig.clock.advance(Duration.ofMinutes(5));

    Reconciler.Report pass = rig.reconciler().reconcile(rig.continuations);

    assertEquals(1, pass.recovered());
    assertEquals(LifecycleResult.CONTINUE, rig.lifecycleActions.ending(toPool).orElseThrow().result());
    assertTrue(rig.automations.executions().isEmpty());
  }

  /**
   * An instance kept alive by heartbeats for ten hours: the global timeout still runs from the hold's
   * start ("Amazon EC2 Auto Scaling lifecycle hooks": 48 hours or 100 heartbeat timeouts, whichever
   * is smaller), so the recovered deadline is reckoned from the scaling activity's start, which is no
   * later than the hold's.
   */
  @Test
  void aRecoveredActionsDeadlineRunsFromItsScalingActivityNotFromItsLastHeartbeat() {
    rig.heartbeatTimeout(Duration.ofMinutes(10));
    LifecycleAction action = rig.held(rig.terminating());
    for (int i = 0; i < 60; i++) {
      rig.clock.advance(Duration.ofMinutes(5));
      rig.lifecycleActions.recordHeartbeat(action);
    }

    rig.reconciler().reconcile(rig.continuations);

    Continuation recovered = rig.continuations.handedOver().get(0);
    java.time.Instant realDeadline = action.heldSince().plus(Duration.ofMinutes(10).multipliedBy(100));
    assertFalse(recovered.hookDeadline().isAfter(realDeadline),
        recovered.hookDeadline() + " is later than the hook's global timeout at " + realDeadline);
    assertEquals(rig.lifecycleActions.identified(action).activity(), recovered.action().activity());
  }

  @Test
  void anInstanceWhoseScalingActivityCannotBeListedIsNotRecovered() {
    LifecycleAction action = rig.held(rig.terminating());
    rig.clock.advance(Duration.ofMinutes(5));
    rig.lifecycleActions.failNext(FakeLifecycleActions.Operation.ACTIVITIES,
        new com.lifecycleorchestrator.core.ServiceFailure.Rejected("AccessDenied", "not allowed", null));

    Reconciler.Report pass = rig.reconciler().reconcile(rig.continuations);

    assertEquals(1, pass.unidentified());
    assertEquals(0, pass.recovered());
    assertTrue(rig.automations.executions().isEmpty(), "no start the event's handler could not recognise");
    assertTrue(rig.lifecycleActions.ending(action).isEmpty());
  }

  /** The event's path names its action by seat and epoch: no listing of scaling activities is needed. */
  @Test
  void anEventIsHandledWhileTheScalingActivitiesCannotBeListed() {
    rig.automations.everyRunbook(Script.runsThen(Duration.ofSeconds(30), "Success"));
    LifecycleAction action = rig.held(rig.terminating());
    rig.lifecycleActions.failNext(FakeLifecycleActions.Operation.ACTIVITIES,
        new com.lifecycleorchestrator.core.ServiceFailure.Rejected("AccessDenied", "not allowed", null));

    Outcome outcome = rig.handle(action);

    assertEquals(LifecycleResult.CONTINUE, assertInstanceOf(Outcome.Completed.class, outcome).result());
    Runbook runbook = rig.config().runbookFor(action.transition()).orElseThrow();
    assertEquals(runbook.startFor(action, 0, Rig.T0).clientToken(),
        rig.automations.executions().get(0).start().clientToken());
    assertEquals(0, rig.lifecycleActions.calls(FakeLifecycleActions.Operation.ACTIVITIES));
  }
}
