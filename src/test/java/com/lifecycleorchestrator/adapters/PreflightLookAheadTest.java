package com.lifecycleorchestrator.adapters;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.lifecycleorchestrator.core.Automations;
import com.lifecycleorchestrator.core.Fleet;
import com.lifecycleorchestrator.core.HookTimeouts;
import com.lifecycleorchestrator.core.LifecycleAction;
import com.lifecycleorchestrator.core.LifecycleActions;
import com.lifecycleorchestrator.core.LifecycleResult;
import com.lifecycleorchestrator.core.LookAhead;
import com.lifecycleorchestrator.core.Milestone;
import com.lifecycleorchestrator.core.Orchestrator;
import com.lifecycleorchestrator.core.Outcome;
import com.lifecycleorchestrator.core.Runbook;
import com.lifecycleorchestrator.core.ServiceFailure;
import com.lifecycleorchestrator.testkit.Failures;
import com.lifecycleorchestrator.testkit.FakeAutomations;
import com.lifecycleorchestrator.testkit.FakeLifecycleActions;
import com.lifecycleorchestrator.testkit.Rig;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The pre-flight's look-ups made at once, ahead of the core's asking: each answer made ahead serves
 * the core's own call for the same request, in the pre-flight's order only, once, and only within
 * the handling; the heartbeat and everything with an effect stay the core's own calls.
 */
class PreflightLookAheadTest {

  private final Rig rig = new Rig();
  private final LifecycleAction action = rig.held(rig.terminating());
  private final Runbook.Seat seat = rig.config().runbookFor(LifecycleAction.Transition.TERMINATING).orElseThrow()
      .seatOf(action);

  /** The look-ups made on the caller's thread, as soon as they are asked for: one order, every run. */
  private final PreflightLookAhead lookAhead =
      new PreflightLookAhead(rig.automations, rig.lifecycleActions, Runnable::run);

  @Test
  void anActionHandledThroughTheLookAheadEndsAsWithoutItAndCallsAwsNoMoreOften() {
    Rig without = new Rig();
    LifecycleAction same = without.held(without.terminating());

    Outcome ahead = new Orchestrator(lookAhead.automations(), lookAhead.lifecycleActions(), Optional.empty(),
        rig.clock, rig.config(), Milestone.Listener.NONE, lookAhead).handle(action, rig.budget(), rig.continuations);
    Outcome notAhead = without.handle(same);

    assertEquals(LifecycleResult.CONTINUE, assertInstanceOf(Outcome.Completed.class, ahead).result());
    assertEquals(assertInstanceOf(Outcome.Completed.class, notAhead).result(), ((Outcome.Completed) ahead).result());
    for (FakeAutomations.Operation operation : FakeAutomations.Operation.values()) {
      assertEquals(without.automations.calls(operation), rig.automations.calls(operation), operation.name());
    }
    for (FakeLifecycleActions.Operation operation : FakeLifecycleActions.Operation.values()) {
      assertEquals(without.lifecycleActions.calls(operation), rig.lifecycleActions.calls(operation), operation.name());
    }
  }

  @Test
  void theLookUpsAreMadeAllAtOnceAndTheCoresCallsTakeTheirAnswers() throws InterruptedException {
    Gate gate = new Gate();
    ExecutorService threads = Executors.newCachedThreadPool();
    try {
      PreflightLookAhead concurrent = new PreflightLookAhead(heldAt(gate, rig.automations),
          heldAt(gate, rig.lifecycleActions), threads);

      concurrent.lookUp(preflight(true));

      // All four are under way at the same time, none answered yet.
      assertTrue(gate.started.await(1, TimeUnit.MINUTES), "the four look-ups did not run at once");
      assertEquals(0, rig.lifecycleActions.calls(FakeLifecycleActions.Operation.DESCRIBE_HOOKS));
      gate.open.countDown();
      walkThePreflight(concurrent);
    } finally {
      threads.shutdownNow();
    }

    assertCallsToAws(1, 1, 1, 1, 1);
  }

  @Test
  void nothingWithAnEffectIsMadeAhead() {
    lookAhead.lookUp(preflight(true));

    assertEquals(0, rig.lifecycleActions.calls(FakeLifecycleActions.Operation.HEARTBEAT));
    assertEquals(0, rig.lifecycleActions.calls(FakeLifecycleActions.Operation.COMPLETE));
    assertEquals(0, rig.automations.calls(FakeAutomations.Operation.START));
    assertEquals(0, rig.automations.calls(FakeAutomations.Operation.RECORD));
    assertEquals(1, rig.automations.calls(FakeAutomations.Operation.LATEST));
  }

  @Test
  void theSeatsRecordMadeAheadIsNotTakenWhenTheHeartbeatFails() {
    rig.lifecycleActions.failNext(FakeLifecycleActions.Operation.HEARTBEAT, Failures.serverError());
    lookAhead.lookUp(preflight(true));
    lookAhead.lifecycleActions().timeoutsOf(action.group(), action.hook());

    assertThrows(ServiceFailure.class, () -> lookAhead.lifecycleActions().recordHeartbeat(action));
    lookAhead.automations().latest(seat);
    lookAhead.lifecycleActions().describe(action.group());
    lookAhead.automations().agentOf(action.instance());

    assertCallsToAws(1, 1, 2, 2, 2);
  }

  @Test
  void anActionNoLongerActiveEndsTheLookAhead() {
    rig.lifecycleActions.completeElsewhere(action, LifecycleResult.CONTINUE);
    lookAhead.lookUp(preflight(false));

    assertEquals(LifecycleActions.Answer.NOT_ACTIVE, lookAhead.lifecycleActions().recordHeartbeat(action));
    lookAhead.automations().latest(seat);

    assertCallsToAws(0, 1, 2, 1, 1);
  }

  @Test
  void aCallOutOfThePreflightsOrderGoesToAwsAndSoDoesEveryOneAfter() {
    lookAhead.lookUp(preflight(false));

    lookAhead.lifecycleActions().describe(action.group());
    lookAhead.lifecycleActions().recordHeartbeat(action);
    lookAhead.automations().latest(seat);
    lookAhead.automations().agentOf(action.instance());

    assertCallsToAws(0, 1, 2, 2, 2);
  }

  @Test
  void aLookUpForAnotherRequestIsNotTaken() {
    lookAhead.lookUp(preflight(true));

    assertThrows(ServiceFailure.Rejected.class, () -> lookAhead.lifecycleActions()
        .timeoutsOf(action.group(), new LifecycleAction.HookName("a-hook-the-group-does-not-have")));

    assertEquals(2, rig.lifecycleActions.calls(FakeLifecycleActions.Operation.DESCRIBE_HOOKS));
  }

  @Test
  void aLookUpThatFailedIsMadeAgainByTheCoresOwnCall() {
    rig.automations.failNext(FakeAutomations.Operation.AGENT, Failures.throttled("ThrottlingException"));
    lookAhead.lookUp(preflight(true));

    walkThePreflight(lookAhead);

    assertCallsToAws(1, 1, 1, 1, 2);
  }

  @Test
  void eachAnswerIsTakenOnceAndNoneOutlivesTheHandling() {
    lookAhead.lookUp(preflight(true));
    walkThePreflight(lookAhead);
    lookAhead.lifecycleActions().describe(action.group());

    lookAhead.lookUp(preflight(false));
    lookAhead.forget();
    lookAhead.lifecycleActions().recordHeartbeat(action);
    lookAhead.automations().latest(seat);

    assertCallsToAws(1, 2, 3, 3, 2);
  }

  /** How often AWS was asked for each call of the pre-flight, in its order: hook, heartbeat, record, group, agent. */
  private void assertCallsToAws(int hook, int heartbeat, int record, int group, int agent) {
    assertEquals(List.of(hook, heartbeat, record, group, agent), List.of(
        rig.lifecycleActions.calls(FakeLifecycleActions.Operation.DESCRIBE_HOOKS),
        rig.lifecycleActions.calls(FakeLifecycleActions.Operation.HEARTBEAT),
        rig.automations.calls(FakeAutomations.Operation.LATEST),
        rig.lifecycleActions.calls(FakeLifecycleActions.Operation.DESCRIBE),
        rig.automations.calls(FakeAutomations.Operation.AGENT)));
  }

  private LookAhead.Preflight preflight(boolean readsHook) {
    return new LookAhead.Preflight(action, seat, readsHook);
  }

  /** The core's calls of a claim and pre-flight that go through, in their order. */
  private void walkThePreflight(PreflightLookAhead through) {
    HookTimeouts hook = through.lifecycleActions().timeoutsOf(action.group(), action.hook());
    assertEquals(rig.heartbeatTimeout(), hook.heartbeatTimeout());
    assertEquals(LifecycleActions.Answer.ACCEPTED, through.lifecycleActions().recordHeartbeat(action));
    assertEquals(Optional.empty(), through.automations().latest(seat));
    assertEquals(Fleet.GroupState.ACTIVE, through.lifecycleActions().describe(action.group()).state());
    assertEquals(Fleet.Agent.ONLINE, through.automations().agentOf(action.instance()));
  }

  /** Lets every look-up start, and holds each until told to answer. */
  private static final class Gate {
    final CountDownLatch started = new CountDownLatch(4);
    final CountDownLatch open = new CountDownLatch(1);

    <T> T pass(Supplier<T> lookUp) {
      started.countDown();
      try {
        if (!open.await(1, TimeUnit.MINUTES)) {
          throw new IllegalStateException("never told to answer");
        }
      } catch (InterruptedException interrupted) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(interrupted);
      }
      return lookUp.get();
    }
  }

  /** The rig's SSM, its look-ups held at the gate. */
  private Automations heldAt(Gate gate, FakeAutomations ssm) {
    return new Automations() {
      @Override
      public Runbook.ExecutionId start(Runbook.Start start) {
        return ssm.start(start);
      }

      @Override
      public Optional<Runbook.Found> findEarlier(Runbook.Start start) {
        return ssm.findEarlier(start);
      }

      @Override
      public Optional<Runbook.Entry> latest(Runbook.Seat asked) {
        return gate.pass(() -> ssm.latest(asked));
      }

      @Override
      public void record(Runbook.ExecutionId execution, Map<String, String> tags) {
        ssm.record(execution, tags);
      }

      @Override
      public Map<String, String> tagsOf(Runbook.ExecutionId execution) {
        return ssm.tagsOf(execution);
      }

      @Override
      public Fleet.Agent agentOf(LifecycleAction.InstanceId instance) {
        return gate.pass(() -> ssm.agentOf(instance));
      }

      @Override
      public Runbook.Observation observe(Runbook.ExecutionId execution) {
        return ssm.observe(execution);
      }
    };
  }

  /** The rig's Auto Scaling, its look-ups held at the gate. */
  private LifecycleActions heldAt(Gate gate, FakeLifecycleActions autoScaling) {
    return new LifecycleActions() {
      @Override
      public Answer recordHeartbeat(LifecycleAction heartbeaten) {
        return autoScaling.recordHeartbeat(heartbeaten);
      }

      @Override
      public Answer complete(LifecycleAction completed, LifecycleResult result) {
        return autoScaling.complete(completed, result);
      }

      @Override
      public HookTimeouts timeoutsOf(LifecycleAction.GroupName group, LifecycleAction.HookName hook) {
        return gate.pass(() -> autoScaling.timeoutsOf(group, hook));
      }

      @Override
      public Fleet.Group describe(LifecycleAction.GroupName group) {
        return gate.pass(() -> autoScaling.describe(group));
      }

      @Override
      public List<Fleet.Activity> activitiesInProgress(LifecycleAction.GroupName group) {
        return autoScaling.activitiesInProgress(group);
      }

      @Override
      public Map<LifecycleAction.GroupName, Fleet.Group> enrolled() {
        return autoScaling.enrolled();
      }
    };
  }
}
