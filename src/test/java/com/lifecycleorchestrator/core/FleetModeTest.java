package com.lifecycleorchestrator.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.lifecycleorchestrator.testkit.FakeAutomations.Script;
import com.lifecycleorchestrator.testkit.FakeLifecycleActions;
import com.lifecycleorchestrator.testkit.Rig;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Fleet mode: one deployment serves every group that opts in with its tag, each with the runbook
 * its tag names, and leaves every other group alone.
 */
class FleetModeTest {

  private static final String ROLE = "arn:aws:iam::123456789012:role/lifecycle-runbooks";
  private static final String DRAIN = "drain-and-archive";
  private static final LifecycleAction.GroupName WEB = new LifecycleAction.GroupName("web-asg");
  private static final LifecycleAction.GroupName BATCH = new LifecycleAction.GroupName("batch-asg");
  private static final LifecycleAction.GroupName OTHER = new LifecycleAction.GroupName("someone-elses-asg");

  private final Rig rig = new Rig().fleet(new Enrolment(Set.of(DRAIN), Map.of("AutomationAssumeRole", List.of(ROLE))));

  @Test
  void aGroupTaggedDefaultRunsTheStacksRunbook() {
    rig.lifecycleActions.tag(WEB, LifecycleAction.Transition.TERMINATING, Enrolment.DEFAULT);

    Outcome outcome = rig.handle(rig.held(rig.terminatingIn(WEB)));

    assertEquals(LifecycleResult.CONTINUE, assertInstanceOf(Outcome.Completed.class, outcome).result());
    assertEquals(Rig.DOCUMENT, rig.automations.executions().get(0).start().documentName());
  }

  /** The group read that chooses the runbook also serves the pre-flight: one call, not two. */
  @Test
  void theGroupIsReadOnceForTheRunbookAndThePreFlightAndABeingDeletedGroupIsReleased() {
    rig.lifecycleActions.tag(WEB, LifecycleAction.Transition.TERMINATING, Enrolment.DEFAULT)
        .groupState(WEB, Fleet.GroupState.DELETING);

    Outcome outcome = rig.handle(rig.held(rig.terminatingIn(WEB)));

    assertEquals(LifecycleResult.CONTINUE, assertInstanceOf(Outcome.Completed.class, outcome).result());
    assertTrue(rig.automations.executions().isEmpty());
    assertEquals(1, rig.lifecycleActions.calls(FakeLifecycleActions.Operation.DESCRIBE));
  }

  @Test
  void aGroupTaggedWithAnAllowedRunbookRunsItWithTheStacksRoleAndTheInstanceOnly() {
    rig.lifecycleActions.tag(BATCH, LifecycleAction.Transition.TERMINATING, DRAIN);

    Outcome outcome = rig.handle(rig.held(rig.terminatingIn(BATCH)));

    assertInstanceOf(Outcome.Completed.class, outcome);
    Runbook.Start start = rig.automations.executions().get(0).start();
    assertEquals(DRAIN, start.documentName());
    assertEquals(Set.of("AutomationAssumeRole", Runbook.INSTANCE_PARAMETER), start.parameters().keySet());
  }

  @Test
  void aGroupWithoutTheTagIsLeftAloneAfterOneReadOfTheGroup() {
    LifecycleAction action = rig.held(rig.terminatingIn(OTHER));

    Outcome outcome = rig.handle(action);

    assertTrue(assertInstanceOf(Outcome.Ignored.class, outcome).reason().contains(Enrolment.TERMINATE_TAG));
    assertEquals(1, rig.lifecycleActions.calls(FakeLifecycleActions.Operation.DESCRIBE));
    assertEquals(0, rig.lifecycleActions.calls(FakeLifecycleActions.Operation.HEARTBEAT));
    assertEquals(0, rig.lifecycleActions.calls(FakeLifecycleActions.Operation.DESCRIBE_HOOKS));
    assertTrue(rig.automations.executions().isEmpty());
    assertTrue(rig.lifecycleActions.ending(action).isEmpty(), "no result is sent");
  }

  @Test
  void aRunbookTheStackDoesNotAllowIsRefusedNamingTheGroupTheTagAndTheFix() {
    rig.lifecycleActions.tag(BATCH, LifecycleAction.Transition.TERMINATING, "AWS-TerminateEverything");
    LifecycleAction action = rig.held(rig.terminatingIn(BATCH));

    Outcome outcome = rig.handle(action);

    Outcome.RunbookNotAllowed refused = assertInstanceOf(Outcome.RunbookNotAllowed.class, outcome);
    assertTrue(refused.needsAttention());
    for (String named : List.of("batch-asg", Enrolment.TERMINATE_TAG, "AWS-TerminateEverything", "AllowedRunbooks")) {
      assertTrue(refused.reason().contains(named), refused.reason() + " names " + named);
    }
    assertTrue(rig.automations.executions().isEmpty());
    assertTrue(rig.lifecycleActions.ending(action).isEmpty(), "no result is sent");
  }

  @Test
  void aGroupThatCannotBeReadFailsTheDeliverySoThatItIsTriedAgain() {
    rig.lifecycleActions.tag(WEB, LifecycleAction.Transition.TERMINATING, Enrolment.DEFAULT);
    rig.lifecycleActions.failNext(FakeLifecycleActions.Operation.DESCRIBE,
        new ServiceFailure.Throttled("Throttling", "Rate exceeded", null));

    Outcome outcome = rig.handle(rig.held(rig.terminatingIn(WEB)));

    assertTrue(assertInstanceOf(Outcome.Unfinished.class, outcome).needsAttention());
    assertTrue(rig.automations.executions().isEmpty());
  }

  @Test
  void aHandedOverActionKeepsTheRunbookItStartedWithWhenItsGroupIsTaggedAnew() {
    rig.automations.everyRunbook(Script.runsThen(Duration.ofMinutes(20), "Success"));
    rig.lifecycleActions.tag(BATCH, LifecycleAction.Transition.TERMINATING, DRAIN);
    LifecycleAction action = rig.held(rig.terminatingIn(BATCH));
    Outcome.HandedOver handedOver = assertInstanceOf(Outcome.HandedOver.class, rig.handle(action));
    assertEquals(Optional.of(DRAIN), handedOver.continuation().runbook());

    rig.lifecycleActions.tag(BATCH, LifecycleAction.Transition.TERMINATING, Enrolment.DEFAULT);
    Outcome outcome = rig.orchestrator().resume(handedOver.continuation(), rig.budget(), rig.continuations);

    assertInstanceOf(Outcome.Completed.class, outcome);
    assertEquals(List.of(DRAIN), rig.automations.executions().stream()
        .map(execution -> execution.start().documentName()).toList(), "one execution, of the runbook it began with");
  }

  @Test
  void theReconcilerFindsTheEnrolledGroupsAndHandsEachLostActionOverWithItsGroupsRunbook() {
    rig.lifecycleActions.tag(WEB, LifecycleAction.Transition.TERMINATING, Enrolment.DEFAULT);
    rig.lifecycleActions.tag(BATCH, LifecycleAction.Transition.TERMINATING, DRAIN);
    LifecycleAction web = rig.held(rig.terminatingIn(WEB));
    LifecycleAction batch = rig.held(rig.terminatingIn(BATCH));
    LifecycleAction other = rig.held(rig.terminatingIn(OTHER));
    rig.clock.advance(Duration.ofMinutes(5));

    Reconciler.Report pass = rig.reconciler().reconcile(rig.continuations);

    assertEquals(2, pass.recovered());
    Map<LifecycleAction.GroupName, Optional<String>> runbooks = new HashMap<>();
    rig.continuations.handedOver().forEach(handed -> runbooks.put(handed.action().group(), handed.runbook()));
    assertEquals(Map.of(WEB, Optional.of(Rig.DOCUMENT), BATCH, Optional.of(DRAIN)), runbooks);
    assertTrue(rig.lifecycleActions.heartbeats(other).isEmpty(), "a group without the tag is not touched");
    for (Continuation handed : rig.continuations.handedOver()) {
      assertInstanceOf(Outcome.Completed.class, rig.orchestrator().resume(handed, rig.budget(), rig.continuations));
    }
    assertEquals(List.of(Rig.DOCUMENT, DRAIN), List.of(web, batch).stream()
        .map(action -> rig.automations.executions().stream()
            .filter(execution -> execution.start().parameters().get(Runbook.INSTANCE_PARAMETER)
                .equals(List.of(action.instance().value())))
            .findFirst().orElseThrow().start().documentName())
        .toList());
  }
}
