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
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The supervision of the hold: a launching instance's agent is waited for, the hook's own
 * timeouts rule the heartbeats and the deadline, and throttling never ends an action early.
 */
class HoldTest {

  private static final HookTimeouts ONE_MINUTE_HOOK =
      new HookTimeouts(Duration.ofMinutes(1), Duration.ofMinutes(100), Optional.of(LifecycleResult.ABANDON));

  private final Rig rig = new Rig().withLaunchRunbook();

  private LifecycleAction launching() {
    return rig.held(rig.action(LifecycleAction.Transition.LAUNCHING, rig.clock.now()));
  }

  // "Troubleshooting managed node availability" (AWS Systems Manager User Guide): the agent
  // registers once the instance has booted, so a launch action comes before it.
  @Test
  void aLaunchWaitsForItsAgentToRegisterThenStartsTheRunbook() {
    LifecycleAction action = launching();
    Instant registered = Rig.T0.plusSeconds(90);
    rig.automations.agentRegistersAt(action.instance(), registered);

    Outcome.Completed completed = assertInstanceOf(Outcome.Completed.class, rig.handle(action));

    assertEquals(LifecycleResult.CONTINUE, completed.result());
    assertEquals(1, rig.automations.executions().size());
    assertFalse(rig.automations.executions().get(0).startedAt().isBefore(registered));
    assertTrue(rig.milestones.stream().anyMatch(Milestone.AwaitingAgent.class::isInstance), rig.milestones.toString());
    assertTrue(rig.milestones.stream().noneMatch(Milestone.AgentUnreachable.class::isInstance));
  }

  @Test
  void aLaunchWhoseAgentNeverComesOnlineGetsTheFailureResultAtTheBoundSayingSo() {
    rig.agentWait(Duration.ofMinutes(10));
    LifecycleAction action = launching();
    rig.automations.agent(action.instance(), Fleet.Agent.NOT_MANAGED);

    Outcome.Completed completed = assertInstanceOf(Outcome.Completed.class, rig.handle(action));

    assertEquals(LifecycleResult.ABANDON, completed.result());
    assertEquals(0, rig.automations.calls(FakeAutomations.Operation.START));
    assertTrue(completed.reason().contains("did not come online within 600 s"), completed.reason());
    Instant ended = rig.lifecycleActions.ending(action).orElseThrow().at();
    assertFalse(ended.isAfter(Rig.T0.plus(Duration.ofMinutes(10))), "ended at " + ended);
    assertTrue(ended.isAfter(Rig.T0.plus(Duration.ofMinutes(9))), "ended at " + ended);
  }

  // Found by the fault simulation, seed 81: the agent registered 592 s after the launch, within the
  // 600 s agent wait, but the next look would have come after the wait, so the launch was abandoned.
  @Test
  void anAgentRegisteringInTheWaitsLastPauseIsLookedForAtTheWaitsEnd() {
    rig.agentWait(Duration.ofMinutes(10));
    LifecycleAction action = launching();
    Instant registered = Rig.T0.plusSeconds(599);
    rig.automations.agentRegistersAt(action.instance(), registered);

    Outcome.Completed completed = assertInstanceOf(Outcome.Completed.class, rig.handle(action));

    assertEquals(LifecycleResult.CONTINUE, completed.result(), completed.reason());
    assertEquals(1, rig.automations.executions().size());
    assertFalse(rig.automations.executions().get(0).startedAt().isBefore(registered));
  }

  // Found by the fault simulation, seed 2: DescribeInstanceInformation failed for now while the agent
  // had not registered yet, the runbook started anyway, failed for want of an agent, and the launch
  // was abandoned.
  @Test
  void aLaunchWhoseAgentCheckFailsAsksAgainRatherThanStartingBeforeItsAgent() {
    LifecycleAction action = launching();
    Instant registered = Rig.T0.plusSeconds(90);
    rig.automations.agentRegistersAt(action.instance(), registered);
    rig.automations.failNext(FakeAutomations.Operation.AGENT, Failures.throttled("ThrottlingException"));

    Outcome.Completed completed = assertInstanceOf(Outcome.Completed.class, rig.handle(action));

    assertEquals(LifecycleResult.CONTINUE, completed.result(), completed.reason());
    assertEquals(1, rig.automations.executions().size());
    assertFalse(rig.automations.executions().get(0).startedAt().isBefore(registered));
  }

  // Found by the fault simulation, seed 12032: a hand-over's invocation could not read the hook for
  // now, heartbeated by the configured hour instead of the hook's own 15 minutes, and the hold lapsed.
  @Test
  void aContinuationHeartbeatsByTheHooksTimeoutsItCarriesWhileTheHookCannotBeRead() {
    LifecycleAction action = rig.action(LifecycleAction.Transition.TERMINATING, rig.clock.now());
    rig.lifecycleActions.hook(action.group(), action.hook(), ONE_MINUTE_HOOK);
    rig.held(action);
    rig.automations.everyRunbook(Script.runsThen(Duration.ofMinutes(10), "Success"));
    Runbook runbook = rig.config().runbookFor(action.transition()).orElseThrow();
    Runbook.ExecutionId execution = rig.automations.start(runbook.startFor(action, 0, rig.clock.now()));
    Continuation continuation = new Continuation(action, Optional.of(execution), rig.clock.now(),
        rig.clock.now().plus(ONE_MINUTE_HOOK.globalTimeout()), Optional.of(ONE_MINUTE_HOOK), 1, 0, Optional.empty(), Optional.empty(),
        Optional.empty());
    rig.lifecycleActions.failNext(FakeLifecycleActions.Operation.DESCRIBE_HOOKS, Failures.throttled("Throttling"));

    Outcome outcome = rig.orchestrator().resume(continuation, rig.budget(), rig.continuations);

    assertEquals(LifecycleResult.CONTINUE, assertInstanceOf(Outcome.Completed.class, outcome).result());
    assertFalse(rig.lifecycleActions.ending(action).orElseThrow().byTimeout());
  }

  @Test
  void theAgentWaitIsBoundedByTheHooksDeadline() {
    rig.agentWait(Duration.ofHours(2));
    LifecycleAction action = rig.action(LifecycleAction.Transition.LAUNCHING, rig.clock.now());
    rig.lifecycleActions.hook(action.group(), action.hook(), ONE_MINUTE_HOOK);
    rig.held(action);
    rig.automations.agent(action.instance(), Fleet.Agent.NOT_MANAGED);

    Outcome outcome = rig.handleAcrossInvocations(action, Duration.ofMinutes(15));

    assertEquals(LifecycleResult.ABANDON, assertInstanceOf(Outcome.Completed.class, outcome).result());
    FakeLifecycleActions.Ending ending = rig.lifecycleActions.ending(action).orElseThrow();
    assertFalse(ending.byTimeout(), "the hook's timeout decided, not the function");
    assertTrue(ending.at().isBefore(Rig.T0.plus(ONE_MINUTE_HOOK.globalTimeout())), ending.toString());
  }

  @Test
  void theAgentWaitCrossesAHandOver() {
    LifecycleAction action = launching();
    rig.automations.agentRegistersAt(action.instance(), Rig.T0.plus(Duration.ofMinutes(5)));

    Outcome outcome = rig.handleAcrossInvocations(action, Duration.ofMinutes(2));

    assertEquals(LifecycleResult.CONTINUE, assertInstanceOf(Outcome.Completed.class, outcome).result());
    assertTrue(rig.continuations.handedOver().size() >= 2, rig.continuations.handedOver().toString());
    assertEquals(1, rig.automations.calls(FakeAutomations.Operation.START));
  }

  @Test
  void aTerminatingInstanceWhoseAgentIsMissingIsNotWaitedFor() {
    LifecycleAction action = rig.held(rig.terminating());
    rig.automations.agentRegistersAt(action.instance(), Rig.T0.plusSeconds(90));

    Outcome.Completed completed = assertInstanceOf(Outcome.Completed.class, rig.handle(action));

    assertEquals(LifecycleResult.ABANDON, completed.result());
    assertEquals(Rig.T0, rig.lifecycleActions.ending(action).orElseThrow().at());
  }

  // "LifecycleHook" (Amazon EC2 Auto Scaling API Reference): HeartbeatTimeout, GlobalTimeout and
  // DefaultResult are the hook's own, as DescribeLifecycleHooks gives them.
  @Test
  void heartbeatsFollowTheHooksOwnTimeoutNotTheSetting() {
    LifecycleAction action = rig.action(LifecycleAction.Transition.TERMINATING, rig.clock.now());
    rig.lifecycleActions.hook(action.group(), action.hook(), ONE_MINUTE_HOOK);
    rig.held(action);
    rig.automations.everyRunbook(Script.runsThen(Duration.ofMinutes(10), "Success"));

    Outcome outcome = rig.handle(action);

    assertEquals(LifecycleResult.CONTINUE, assertInstanceOf(Outcome.Completed.class, outcome).result());
    assertFalse(rig.lifecycleActions.ending(action).orElseThrow().byTimeout());
    List<Instant> heartbeats = rig.lifecycleActions.heartbeats(action);
    assertTrue(heartbeats.size() >= 20, heartbeats.toString());
  }

  @Test
  void theHooksOwnGlobalTimeoutBoundsTheWait() {
    LifecycleAction action = rig.action(LifecycleAction.Transition.TERMINATING, rig.clock.now());
    rig.lifecycleActions.hook(action.group(), action.hook(), ONE_MINUTE_HOOK);
    rig.held(action);
    rig.automations.everyRunbook(Script.runsThen(Duration.ofHours(3), "Success"));

    Outcome outcome = rig.handleAcrossInvocations(action, Duration.ofMinutes(15));

    Outcome.Completed completed = assertInstanceOf(Outcome.Completed.class, outcome);
    assertEquals(LifecycleResult.ABANDON, completed.result());
    assertTrue(completed.reason().contains("global timeout at " + Rig.T0.plus(ONE_MINUTE_HOOK.globalTimeout())),
        completed.reason());
  }

  @Test
  void aHookTheFunctionMayNotReadIsHeartbeatByTheSettingAndReportedOnce() {
    Orchestrator orchestrator = rig.orchestrator();
    rig.lifecycleActions.failNext(FakeLifecycleActions.Operation.DESCRIBE_HOOKS,
        Failures.accessDenied("autoscaling:DescribeLifecycleHooks"));
    LifecycleAction first = rig.held(rig.terminating());
    LifecycleAction second = rig.held(rig.terminating());

    orchestrator.handle(first, rig.budget(), rig.continuations);
    orchestrator.handle(second, rig.budget(), rig.continuations);

    assertEquals(1, rig.lifecycleActions.calls(FakeLifecycleActions.Operation.DESCRIBE_HOOKS));
    assertEquals(List.of(new Milestone.HookUnreadable("AccessDenied", HookTimeouts.assumed(rig.heartbeatTimeout()), true)),
        rig.milestones.stream().filter(Milestone.HookUnreadable.class::isInstance).toList());
    assertEquals(LifecycleResult.CONTINUE, rig.lifecycleActions.ending(second).orElseThrow().result());
  }

  @Test
  void aHookIsReadOncePerHookWithinItsLifetime() {
    Orchestrator orchestrator = rig.orchestrator();

    for (int i = 0; i < 3; i++) {
      orchestrator.handle(rig.held(rig.terminating()), rig.budget(), rig.continuations);
    }

    assertEquals(1, rig.lifecycleActions.calls(FakeLifecycleActions.Operation.DESCRIBE_HOOKS));
  }

  /**
   * An operator lowers a hook's heartbeat timeout (PutLifecycleHook, 3,600 s to 60 s): a warm
   * execution environment reads the hook again within five minutes, and heartbeats its next
   * action by the new timeout, before the hook would give up.
   */
  @Test
  void aHookChangedByAnOperatorReachesAWarmEnvironmentWithinFiveMinutes() {
    Orchestrator warm = rig.orchestrator();
    warm.handle(rig.held(rig.terminating()), rig.budget(), rig.continuations);
    rig.lifecycleActions.hook(new LifecycleAction.GroupName("web-asg"), new LifecycleAction.HookName("graceful-exit"),
        new HookTimeouts(Duration.ofSeconds(60), Duration.ofHours(1), Optional.of(LifecycleResult.ABANDON)));
    rig.clock.advance(Hooks.LIFETIME);
    rig.automations.everyRunbook(Script.runsThen(Duration.ofMinutes(3), "Success"));
    LifecycleAction next = rig.held(rig.terminating());

    Outcome outcome = warm.handle(next, rig.budget(), rig.continuations);

    assertEquals(LifecycleResult.CONTINUE, assertInstanceOf(Outcome.Completed.class, outcome).result());
    assertFalse(rig.lifecycleActions.ending(next).orElseThrow().byTimeout());
    List<Instant> heartbeats = rig.lifecycleActions.heartbeats(next);
    for (int i = 1; i < heartbeats.size(); i++) {
      assertTrue(Duration.between(heartbeats.get(i - 1), heartbeats.get(i)).compareTo(Duration.ofSeconds(60)) < 0,
          "heartbeats " + heartbeats);
    }
    assertTrue(heartbeats.size() >= 3, "heartbeats " + heartbeats);
  }

  /**
   * "RecordLifecycleActionHeartbeat" (API Reference): a heartbeat "extends the timeout by the length
   * of time defined using the PutLifecycleHook API call", the hook's timeout as it is then. An
   * operator shortens the hook from 3,600 s to 120 s while a long runbook runs: the follower reads
   * the hook again after each heartbeat and heartbeats by the new timeout, so the hold never lapses.
   */
  @Test
  void aHookShortenedWhileItsRunbookRunsIsHeartbeatenByItsNewTimeout() {
    LifecycleAction action = rig.held(rig.terminating());
    rig.automations.everyRunbook(Script.runsThen(Duration.ofMinutes(50), "Success"));
    Orchestration orchestration = Orchestration.begin(action,
        rig.config().runbookFor(action.transition()).orElseThrow(), rig.ports(), rig.rules(),
        rig.budget(Duration.ofHours(2)), Rig.T0);
    while (rig.clock.now().isBefore(Rig.T0.plus(Duration.ofMinutes(20)))) {
      rig.clock.sleepUntil(orchestration.nextStepAt());
      orchestration.advance(rig.clock.now());
    }
    rig.lifecycleActions.hook(action.group(), action.hook(),
        new HookTimeouts(Duration.ofSeconds(120), Duration.ofHours(48), Optional.of(LifecycleResult.ABANDON)));
    Steps.runToEnd(orchestration, rig.clock);

    assertEquals(LifecycleResult.CONTINUE, assertInstanceOf(Outcome.Completed.class,
        orchestration.outcome().orElseThrow()).result());
    assertFalse(rig.lifecycleActions.ending(action).orElseThrow().byTimeout());
  }

  // "CompleteLifecycleAction" and "Common Errors" (Amazon EC2 Auto Scaling API Reference): a
  // throttled call answers Throttling (HTTP 400); in a large scale-in it can outlast the SDK's retries.
  @Test
  void aCompletionThrottledPastTheSdksRetriesIsSentAgainUntilAccepted() {
    LifecycleAction action = rig.held(rig.terminating());
    rig.lifecycleActions.failNext(FakeLifecycleActions.Operation.COMPLETE,
        Failures.times(12, Failures.throttled("Throttling")));

    Outcome outcome = rig.handle(action);

    assertEquals(LifecycleResult.CONTINUE, assertInstanceOf(Outcome.Completed.class, outcome).result());
    assertEquals(13, rig.lifecycleActions.calls(FakeLifecycleActions.Operation.COMPLETE));
    assertFalse(rig.lifecycleActions.ending(action).orElseThrow().byTimeout());
  }

  @Test
  void aCompletionStillThrottledWhenTheInvocationEndsIsHandedOverWithItsResult() {
    LifecycleAction action = rig.held(rig.terminating());
    rig.automations.everyRunbook(Script.runsThen(Duration.ofSeconds(30), "Failed"));
    rig.lifecycleActions.failNext(FakeLifecycleActions.Operation.COMPLETE,
        Failures.times(30, Failures.throttled("Throttling")));

    Outcome outcome = rig.handleAcrossInvocations(action, Duration.ofMinutes(3));

    assertEquals(LifecycleResult.ABANDON, assertInstanceOf(Outcome.Completed.class, outcome).result());
    assertTrue(rig.continuations.handedOver().stream().anyMatch(continuation -> continuation.pending()
        .map(Continuation.Pending::result).equals(Optional.of(LifecycleResult.ABANDON))),
        rig.continuations.handedOver().toString());
    assertEquals(1, rig.automations.executions().size());
    assertFalse(rig.lifecycleActions.ending(action).orElseThrow().byTimeout());
  }

  @Test
  void aHeartbeatThrottledPastTheSdksRetriesIsSentAgainBeforeTheHookGivesUp() {
    LifecycleAction action = rig.action(LifecycleAction.Transition.TERMINATING, rig.clock.now());
    rig.lifecycleActions.hook(action.group(), action.hook(), ONE_MINUTE_HOOK);
    rig.held(action);
    rig.automations.everyRunbook(Script.runsThen(Duration.ofMinutes(5), "Success"));
    rig.lifecycleActions.failNext(FakeLifecycleActions.Operation.HEARTBEAT,
        Failures.times(3, Failures.throttled("Throttling")));

    Outcome outcome = rig.handle(action);

    assertEquals(LifecycleResult.CONTINUE, assertInstanceOf(Outcome.Completed.class, outcome).result());
    assertFalse(rig.lifecycleActions.ending(action).orElseThrow().byTimeout());
  }
}
