package com.lifecycleorchestrator.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import com.lifecycleorchestrator.testkit.FakeLifecycleActions;
import com.lifecycleorchestrator.testkit.Rig;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * What the orchestrator tells of a new action's pre-flight, so that its look-ups may be made at
 * once: before the first of them, only for an action that is claimed, and that the handling is over.
 */
class LookAheadTest {

  private final Rig rig = new Rig();
  private final List<LookAhead.Preflight> told = new ArrayList<>();
  private final List<Integer> hookReadsWhenTold = new ArrayList<>();
  private int forgotten;

  private final LookAhead recording = new LookAhead() {
    @Override
    public void lookUp(Preflight preflight) {
      told.add(preflight);
      hookReadsWhenTold.add(rig.lifecycleActions.calls(FakeLifecycleActions.Operation.DESCRIBE_HOOKS));
    }

    @Override
    public void forget() {
      forgotten++;
    }
  };

  @Test
  void aNewActionsPreflightIsToldBeforeItsFirstLookUpAndForgottenOnceHandled() {
    Orchestrator orchestrator = orchestrator();
    LifecycleAction first = rig.held(rig.terminating());
    LifecycleAction second = rig.held(rig.terminating());

    Outcome firstHandled = orchestrator.handle(first, rig.budget(), rig.continuations);
    Outcome secondHandled = orchestrator.handle(second, rig.budget(), rig.continuations);

    assertEquals(LifecycleResult.CONTINUE, assertInstanceOf(Outcome.Completed.class, firstHandled).result());
    assertEquals(LifecycleResult.CONTINUE, assertInstanceOf(Outcome.Completed.class, secondHandled).result());
    // The second action's hook is kept from the first's reading: not to be looked up.
    assertEquals(List.of(new LookAhead.Preflight(first, seatOf(first), true),
        new LookAhead.Preflight(second, seatOf(second), false)), told);
    assertEquals(List.of(0, 1), hookReadsWhenTold);
    assertEquals(2, forgotten);
  }

  @Test
  void anActionCompletedAtOnceWithoutAClaimTellsNothing() {
    rig.warmPoolReturn(Orchestrator.WarmPoolReturn.CONTINUE);
    LifecycleAction toPool = rig.held(rig.terminating().withDestination(LifecycleAction.Place.WARM_POOL));

    orchestrator().handle(toPool, rig.budget(), rig.continuations);

    assertEquals(List.of(), told);
    assertEquals(1, forgotten);
  }

  private Orchestrator orchestrator() {
    return new Orchestrator(rig.automations, rig.lifecycleActions, Optional.empty(), rig.clock, rig.config(),
        Milestone.Listener.NONE, recording);
  }

  private Runbook.Seat seatOf(LifecycleAction action) {
    return rig.config().runbookFor(action.transition()).orElseThrow().seatOf(action);
  }
}
