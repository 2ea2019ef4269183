package com.lifecycleorchestrator.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.lifecycleorchestrator.testkit.Failures;
import com.lifecycleorchestrator.testkit.FakeAutomations;
import com.lifecycleorchestrator.testkit.FakeLifecycleActions;
import com.lifecycleorchestrator.testkit.Rig;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Before holding an instance for a runbook: a group being deleted releases its instances at once,
 * and an instance whose agent cannot run the runbook gets a deliberate result at once.
 */
class PreflightTest {

  private final Rig rig = new Rig();

  @ParameterizedTest
  @EnumSource(value = Fleet.Agent.class, names = "ONLINE", mode = EnumSource.Mode.EXCLUDE)
  void anInstanceWhoseAgentCannotRunTheRunbookGetsTheFailureResultAtOnceSayingWhy(Fleet.Agent agent) {
    LifecycleAction action = rig.held(rig.terminating());
    rig.automations.agent(action.instance(), agent);

    Outcome.Completed completed = assertInstanceOf(Outcome.Completed.class, rig.handle(action));

    assertEquals(LifecycleResult.ABANDON, completed.result());
    assertEquals(0, rig.automations.calls(FakeAutomations.Operation.START));
    assertEquals(Rig.T0, rig.lifecycleActions.ending(action).orElseThrow().at());
    String expected = agent == Fleet.Agent.NOT_MANAGED ? "does not manage the instance" : "agent is";
    assertTrue(completed.reason().contains(expected), completed.reason());
    assertTrue(rig.milestones.contains(new Milestone.AgentUnreachable(agent, false)));
  }

  @Test
  void anUnreachableAgentCanBeLetGoWithContinue() {
    rig.unreachableAgentResult(Optional.of(LifecycleResult.CONTINUE));
    LifecycleAction action = rig.held(rig.terminating());
    rig.automations.agent(action.instance(), Fleet.Agent.CONNECTION_LOST);

    assertEquals(LifecycleResult.CONTINUE, assertInstanceOf(Outcome.Completed.class, rig.handle(action)).result());
  }

  @Test
  void anUnreachableAgentCanBeIgnoredForRunbooksThatDoNotNeedIt() {
    rig.unreachableAgentResult(Optional.empty());
    LifecycleAction action = rig.held(rig.terminating());
    rig.automations.agent(action.instance(), Fleet.Agent.NOT_MANAGED);

    Outcome.Completed completed = assertInstanceOf(Outcome.Completed.class, rig.handle(action));

    assertEquals(1, rig.automations.executions().size());
    assertTrue(completed.reason().contains("Success"), completed.reason());
  }

  @Test
  void anAgentCheckThatFailsDoesNotStopTheRunbook() {
    LifecycleAction action = rig.held(rig.terminating());
    rig.automations.failNext(FakeAutomations.Operation.AGENT,
        Failures.throttled("ThrottlingException"));

    assertEquals(LifecycleResult.CONTINUE, assertInstanceOf(Outcome.Completed.class, rig.handle(action)).result());
  }

  @Test
  void anActionHeartbeatenAtOnceAsksAboutItsGroupOnceAtTheStart() {
    LifecycleAction action = rig.held(rig.action(LifecycleAction.Transition.TERMINATING,
        Rig.T0.minus(Duration.ofMinutes(40))));

    assertEquals(LifecycleResult.CONTINUE, assertInstanceOf(Outcome.Completed.class, rig.handle(action)).result());

    assertEquals(Rig.T0, rig.lifecycleActions.heartbeats(action).get(0));
    assertEquals(1, rig.lifecycleActions.calls(FakeLifecycleActions.Operation.DESCRIBE));
  }

  @Test
  void anInstanceOfAGroupBeingDeletedIsReleasedWithContinueAtOnce() {
    LifecycleAction action = rig.held(rig.terminating());
    rig.lifecycleActions.groupState(action.group(), Fleet.GroupState.DELETING);

    Outcome.Completed completed = assertInstanceOf(Outcome.Completed.class, rig.handle(action));

    assertEquals(LifecycleResult.CONTINUE, completed.result());
    assertTrue(completed.reason().contains("group is being deleted"), completed.reason());
    assertEquals(0, rig.automations.calls(FakeAutomations.Operation.START));
  }

  @Test
  void aDeletionThatBeginsWhileTheRunbookRunsIsSeenAtTheNextHeartbeat() {
    rig.heartbeatTimeout(Duration.ofMinutes(5));
    LifecycleAction action = rig.held(rig.terminating());
    rig.automations.everyRunbook(FakeAutomations.Script.runsThen(Duration.ofMinutes(10), "Success"));
    Orchestration orchestration = begun(action);
    stepUntil(orchestration, Rig.T0.plusSeconds(30));
    rig.lifecycleActions.groupState(action.group(), Fleet.GroupState.DELETING);
    Steps.runToEnd(orchestration, rig.clock);

    assertEquals(LifecycleResult.CONTINUE,
        assertInstanceOf(Outcome.Completed.class, orchestration.outcome().orElseThrow()).result());
    assertTrue(rig.lifecycleActions.ending(action).orElseThrow().at()
        .isBefore(Rig.T0.plus(rig.heartbeatTimeout().dividedBy(2))));
    assertEquals(1, rig.lifecycleActions.calls(FakeLifecycleActions.Operation.HEARTBEAT),
        "only the claim's, which proves the action is still active before the start");
  }

  /**
   * With a reconciler watching the group, a waiting hold's heartbeats do not ask about the group:
   * the reconciler's pass releases the instances of a group being deleted, and the follower's next
   * heartbeat finds its action no longer active.
   */
  @Test
  void aDeletionThatBeginsWhileTheRunbookRunsIsLeftToTheReconcilerWatchingTheGroup() {
    rig.heartbeatTimeout(Duration.ofMinutes(5)).deletionsLeftToTheReconciler();
    LifecycleAction action = rig.held(rig.terminating());
    rig.automations.everyRunbook(FakeAutomations.Script.runsThen(Duration.ofMinutes(10), "Success"));
    Orchestration orchestration = begun(action);
    stepUntil(orchestration, Rig.T0.plusSeconds(30));
    rig.lifecycleActions.groupState(action.group(), Fleet.GroupState.DELETING);
    stepUntil(orchestration, Rig.T0.plus(Duration.ofMinutes(3)));
    assertEquals(1, rig.lifecycleActions.calls(FakeLifecycleActions.Operation.DESCRIBE), "the pre-flight's only");

    assertEquals(1, rig.reconciler().reconcile(rig.continuations).releasedForDeletion());
    Steps.runToEnd(orchestration, rig.clock);

    assertInstanceOf(Outcome.AlreadyCompleted.class, orchestration.outcome().orElseThrow());
    assertEquals(LifecycleResult.CONTINUE, rig.lifecycleActions.ending(action).orElseThrow().result());
  }

  /**
   * A launch waits minutes for its agent after the claim proved it active; a person completes it
   * meanwhile. The start proves the action active again, finds it ended, and starts nothing that
   * the instance's next action at the hook would then take for its own.
   */
  @Test
  void aLaunchCompletedByAPersonWhileItWaitsForItsAgentStartsNoRunbook() {
    rig.withLaunchRunbook();
    LifecycleAction launch = rig.held(rig.action(LifecycleAction.Transition.LAUNCHING, Rig.T0));
    rig.automations.agentRegistersAt(launch.instance(), Rig.T0.plus(Duration.ofMinutes(3)));
    Orchestration orchestration = begun(launch);
    stepUntil(orchestration, Rig.T0.plus(Duration.ofMinutes(2)));
    rig.lifecycleActions.completeElsewhere(launch, LifecycleResult.CONTINUE);
    Steps.runToEnd(orchestration, rig.clock);

    assertInstanceOf(Outcome.AlreadyCompleted.class, orchestration.outcome().orElseThrow());
    assertEquals(0, rig.automations.calls(FakeAutomations.Operation.START));
  }

  /** The action's orchestration, begun at T0 with its transition's runbook. */
  private Orchestration begun(LifecycleAction action) {
    return Orchestration.begin(action, rig.config().runbookFor(action.transition()).orElseThrow(), rig.ports(),
        rig.rules(), rig.budget(), Rig.T0);
  }

  /** Takes the orchestration's steps at their times until the clock reaches {@code until}. */
  private void stepUntil(Orchestration orchestration, Instant until) {
    while (rig.clock.now().isBefore(until)) {
      rig.clock.sleepUntil(orchestration.nextStepAt());
      orchestration.advance(rig.clock.now());
    }
  }
}
