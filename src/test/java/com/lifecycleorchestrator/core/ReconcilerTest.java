package com.lifecycleorchestrator.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.lifecycleorchestrator.testkit.Failures;
import com.lifecycleorchestrator.testkit.FakeAutomations;
import com.lifecycleorchestrator.testkit.FakeAutomations.Script;
import com.lifecycleorchestrator.testkit.FakeAutomations.TokenReuse;
import com.lifecycleorchestrator.testkit.FakeLifecycleActions;
import com.lifecycleorchestrator.testkit.Interleaving;
import com.lifecycleorchestrator.testkit.Rig;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** The reconciler recovers the lifecycle actions nobody handles, and never starts a second runbook. */
class ReconcilerTest {

  @Example
  void anActionWhoseEventNeverArrivedIsHandedToTheSameOrchestrationAsAnEventAndCompletedByInstanceId() {
    Rig rig = new Rig();
    LifecycleAction lost = rig.held(rig.terminating());
    rig.clock.advance(Duration.ofMinutes(5));

    Reconciler.Report pass = rig.reconciler().reconcile(rig.continuations);

    assertEquals(new Reconciler.Report(1, 1, 1, 0, 0, 0), pass);
    Continuation recovered = rig.continuations.handedOver().get(0);
    assertEquals(lost.instance(), recovered.action().instance());
    assertTrue(recovered.action().token().isEmpty());
    assertTrue(recovered.execution().isEmpty(), "the pass starts nothing itself");
    assertTrue(rig.automations.executions().isEmpty());
    assertEquals(1, rig.lifecycleActions.heartbeats(lost).size());
    Outcome outcome = rig.orchestrator().resume(recovered, rig.budget(), rig.continuations);
    assertEquals(LifecycleResult.CONTINUE, assertInstanceOf(Outcome.Completed.class, outcome).result());
    assertEquals(LifecycleResult.CONTINUE, rig.lifecycleActions.ending(lost).orElseThrow().result());
    assertEquals(1, rig.automations.executions().size());
  }

  /**
   * Found by the fault simulation: the reconciler handed an action over without the hook's timeouts
   * it had read, so an invocation that could not read the hook for now heartbeated by the
   * configured timeout, longer than the hook's own, and the hold lapsed.
   */
  @Example
  void aHandOverCarriesTheHookTimeoutsThePassRead() {
    Rig rig = new Rig();
    LifecycleAction lost = rig.terminating();
    HookTimeouts hook = new HookTimeouts(Duration.ofMinutes(15), Duration.ofHours(25), Optional.of(LifecycleResult.ABANDON));
    rig.lifecycleActions.hook(lost.group(), lost.hook(), hook);
    rig.held(lost);
    rig.clock.advance(Duration.ofMinutes(5));

    rig.reconciler().reconcile(rig.continuations);

    assertEquals(Optional.of(hook), rig.continuations.handedOver().get(0).hook());
  }

  /**
   * Found by the fault simulation, seed 16510: an operator completed the action a reconciler's
   * hand-over follows, the instance came back to the same hook for its next action, and the
   * follower, whose action has no token, completed that next action by instance id with the
   * earlier runbook's result. The scaling activity holding the instance tells the two apart.
   */
  @Example
  void aFollowerWithoutTokenDoesNotCompleteTheInstancesNextAction() {
    Rig rig = new Rig();
    rig.automations.everyRunbook(Script.runsThen(Duration.ofMinutes(10), "Success"));
    LifecycleAction first = rig.held(rig.terminating());
    rig.clock.advance(Duration.ofMinutes(5));
    rig.reconciler().reconcile(rig.continuations);
    Continuation recovered = rig.continuations.handedOver().get(0);
    Orchestration following = Orchestration.resume(recovered,
        rig.config().runbookFor(first.transition()).orElseThrow(), rig.ports(), rig.rules(), rig.budget(),
        rig.clock.now());
    while (rig.automations.executions().isEmpty()) {
      rig.clock.sleepUntil(following.nextStepAt());
      following.advance(rig.clock.now());
    }

    rig.lifecycleActions.completeElsewhere(first, LifecycleResult.ABANDON);
    rig.clock.advance(Duration.ofMinutes(1));
    LifecycleAction next = rig.held(new LifecycleAction(first.transition(), first.group(), first.hook(),
        first.instance(), new LifecycleAction.Token("87654321-4321-4321-4321-999999999999"), rig.clock.now()));
    Steps.runToEnd(following, rig.clock);

    assertInstanceOf(Outcome.AlreadyCompleted.class, following.outcome().orElseThrow());
    assertTrue(rig.lifecycleActions.ending(next).isEmpty(), "the next action was completed by the earlier follower");
  }

  /**
   * A launch found without its event waits for its agent like one with it: the pass hands it over,
   * and the runbook starts only once the agent is online ("Troubleshooting managed node
   * availability": an agent registers some time after the instance boots).
   */
  @Example
  void aLostLaunchIsNeverStartedBeforeItsAgentIsOnline() {
    Rig rig = new Rig();
    rig.withLaunchRunbook().hooks(Map.of(LifecycleAction.Transition.LAUNCHING, new LifecycleAction.HookName("graceful-exit")));
    LifecycleAction launch = rig.held(rig.action(LifecycleAction.Transition.LAUNCHING, Rig.T0));
    rig.automations.agentRegistersAt(launch.instance(), Rig.T0.plus(Duration.ofMinutes(4)));
    rig.clock.advance(Duration.ofMinutes(1));

    Reconciler.Report pass = rig.reconciler().reconcile(rig.continuations);

    assertEquals(1, pass.recovered(), pass.toString());
    assertTrue(rig.automations.executions().isEmpty());
    Outcome outcome = rig.orchestrator().resume(rig.continuations.handedOver().get(0), rig.budget(),
        rig.continuations);
    assertEquals(LifecycleResult.CONTINUE, assertInstanceOf(Outcome.Completed.class, outcome).result());
    assertFalse(rig.automations.executions().get(0).startedAt().isBefore(Rig.T0.plus(Duration.ofMinutes(4))));
  }

  /**
   * A hand-over waits to run while the action it was made for ends (completed by hand) and the
   * instance comes back to the same hook (a warm-pool cycle). The hand-over, which knows its action
   * by its scaling activity only, sees another activity holding the instance and stops: a heartbeat
   * or a result by instance id would reach the next action, whose hold, agent wait and deadline are
   * not its own. The next action's late event gets the one runbook.
   */
  @Example
  void aHandOverWhoseActionEndedBeforeItRanStopsAndLeavesTheNextActionToItsOwnPaths() {
    Rig rig = new Rig();
    LifecycleAction seen = rig.held(rig.terminating());
    rig.clock.advance(Duration.ofMinutes(1));
    rig.reconciler().reconcile(rig.continuations);
    rig.lifecycleActions.completeElsewhere(seen, LifecycleResult.CONTINUE);
    rig.clock.advance(Duration.ofMinutes(30));
    LifecycleAction next = rig.held(new LifecycleAction(seen.transition(), seen.group(), seen.hook(), seen.instance(),
        new LifecycleAction.Token("11111111-2222-3333-4444-555555555555"), rig.clock.now()));

    Outcome stale = rig.orchestrator().resume(rig.continuations.handedOver().get(0), rig.budget(), rig.continuations);
    Outcome late = rig.orchestrator().handle(next, rig.budget(), rig.continuations);

    assertTrue(assertInstanceOf(Outcome.AlreadyCompleted.class, stale).reason().contains("has ended"), stale.toString());
    assertEquals(LifecycleResult.CONTINUE, assertInstanceOf(Outcome.Completed.class, late).result());
    assertEquals(1, rig.automations.executions().size());
    assertEquals(1, rig.lifecycleActions.heartbeats(next).size(), "the late event's claim only, none from the stale hand-over");
  }

  @Example
  void anActionWhoseRunbookRunsWithALivingFollowerIsKeptAliveAndLeftToIt() {
    Rig rig = new Rig();
    LifecycleAction action = rig.held(rig.terminating());
    rig.automations.everyRunbook(Script.runsThen(Duration.ofMinutes(30), "Success"));
    rig.automations.start(rig.config().runbookFor(action.transition()).orElseThrow().startFor(action, 0, rig.clock.now()));
    rig.clock.advance(Duration.ofMinutes(10));

    Reconciler.Report pass = rig.reconciler().reconcile(rig.continuations);

    assertEquals(0, pass.recovered());
    assertTrue(rig.continuations.handedOver().isEmpty());
    assertEquals(1, rig.lifecycleActions.heartbeats(action).size(),
        "a heartbeat that names the execution's token: it keeps the action alive and proves it is the same");
    assertEquals(0, rig.lifecycleActions.calls(FakeLifecycleActions.Operation.ACTIVITIES),
        "the token names the action: the group's scaling activities are not listed");
  }

  /**
   * "How Lambda handles errors and retries with asynchronous invocation": an event "might also be
   * deleted from the queue without being sent to the function". A follower whose hand-over was lost
   * gives no sign of life; the pass takes its action over.
   */
  @Example
  void anActionWhoseFollowerIsGoneIsTakenOverAndFollowsItsOwnExecution() {
    Rig rig = new Rig();
    LifecycleAction action = rig.held(rig.terminating());
    rig.automations.everyRunbook(Script.runsThen(Duration.ofMinutes(50), "Success"));
    Runbook.ExecutionId execution = rig.automations.start(
        rig.config().runbookFor(action.transition()).orElseThrow().startFor(action, 0, rig.clock.now()));
    rig.clock.advance(Duration.ofMinutes(30));

    Reconciler.Report pass = rig.reconciler().reconcile(rig.continuations);

    assertEquals(1, pass.recovered());
    Continuation takenOver = rig.continuations.handedOver().get(0);
    assertEquals(Optional.of(execution), takenOver.execution());
    assertEquals(action.token(), takenOver.action().token(), "completed by its token, reaching this action or none");
    Outcome outcome = rig.orchestrator().resume(takenOver, rig.budget(), rig.continuations);
    while (outcome instanceof Outcome.HandedOver handedOver) {
      outcome = rig.orchestrator().resume(handedOver.continuation(), rig.budget(), rig.continuations);
    }
    assertEquals(LifecycleResult.CONTINUE, assertInstanceOf(Outcome.Completed.class, outcome).result());
    assertEquals(LifecycleResult.CONTINUE, rig.lifecycleActions.ending(action).orElseThrow().result());
    assertEquals(1, rig.automations.executions().size());
  }

  @Example
  void anActionWhoseRunbookEndedLongAgoIsCompletedWithItsResult() {
    Rig rig = new Rig();
    LifecycleAction action = rig.held(rig.terminating());
    rig.automations.everyRunbook(Script.runsThen(Duration.ofMinutes(2), "Failed"));
    rig.automations.start(rig.config().runbookFor(action.transition()).orElseThrow().startFor(rig.lifecycleActions.identified(action), 0, rig.clock.now()));
    rig.clock.advance(Duration.ofSeconds(150));
    assertEquals(0, rig.reconciler().reconcile(rig.continuations).recovered(), "recovered within the grace");
    rig.clock.advance(Duration.ofMinutes(5));

    Reconciler.Report pass = rig.reconciler().reconcile(rig.continuations);

    assertEquals(1, pass.recovered());
    Continuation recovered = rig.continuations.handedOver().get(0);
    assertTrue(recovered.execution().isPresent());
    Outcome outcome = rig.orchestrator().resume(recovered, rig.budget(), rig.continuations);
    assertEquals(LifecycleResult.ABANDON, assertInstanceOf(Outcome.Completed.class, outcome).result());
    assertEquals(1, rig.automations.executions().size());
  }

  @Example
  void aPassLooksAtEnoughInstancesToCoverThemAllWithinFortyPercentOfTheHeartbeatTimeoutAtItsPace() {
    Rig rig = new Rig();
    for (int i = 0; i < 2000; i++) {
      rig.held(rig.terminating());
    }

    Reconciler.Report pass = rig.reconciler().reconcile(rig.continuations);

    assertEquals(500, pass.examined(), "a quarter of them: four passes fit in 24 minutes");
    assertTrue(!rig.clock.now().isAfter(Rig.T0.plusSeconds(270)), "the pass took until " + rig.clock.now());
    for (int i = 0; i < 3000; i++) {
      rig.held(rig.terminating());
    }
    Reconciler.Report crowded = rig.reconciler().reconcile(rig.continuations);
    assertEquals(1079, crowded.examined(), "after the group is described, one instance every 250 ms until 270 s");
  }

  /**
   * Found by the scale simulation at N = 5,000 (seeds 20261125 and 5 each left an action to the
   * hook's default): an action whose event was lost, waiting for SSM's capacity, is kept alive by the
   * passes alone, and a pass whose read of its record failed (SSM throttles
   * DescribeAutomationExecutions while a large scale-in claims: "Error retries and exponential
   * backoff in AWS") gave it no heartbeat. Two such passes in a row, or one in a turn a full bucket
   * left it out of, and its hook gave up.
   */
  @Example
  void aLostActionWhoseRecordCannotBeReadNowIsKeptAliveAndExaminedAgainInThePass() {
    Rig rig = new Rig();
    LifecycleAction lost = rig.held(rig.terminating());
    rig.clock.advance(Duration.ofMinutes(5));
    rig.automations.failNext(FakeAutomations.Operation.LATEST, Failures.throttled("ThrottlingException"));

    Reconciler.Report pass = rig.reconciler().reconcile(rig.continuations);

    assertEquals(1, pass.failedCalls());
    List<Instant> heartbeats = rig.lifecycleActions.heartbeats(lost);
    assertEquals(2, heartbeats.size(), "a heartbeat when the record could not be read, and one when it was examined again");
    assertEquals(heartbeats.get(0).plus(Reconciler.AGAIN_AFTER_A_FAILURE), heartbeats.get(1));
    assertEquals(1, pass.recovered(), "examined again in the same pass, and handed over");
  }

  /**
   * The same action when the group's scaling activities cannot be listed for now: no activity listed
   * is not no activity in progress. The instance is examined again with the listing tried once more,
   * not left alone as an instance nothing names; a listing that fails again is not tried a third
   * time in the pass, so a long throttling costs one more call a pass, not one per instance.
   */
  @Example
  void aLostActionWhoseScalingActivitiesCannotBeListedForNowIsExaminedAgainWithTheListingTriedAgain() {
    Rig rig = new Rig();
    LifecycleAction lost = rig.held(rig.terminating());
    LifecycleAction alsoLost = rig.held(rig.terminating());
    rig.clock.advance(Duration.ofMinutes(5));
    rig.lifecycleActions.failNext(FakeLifecycleActions.Operation.ACTIVITIES, Failures.throttled("Throttling"));

    Reconciler.Report pass = rig.reconciler().reconcile(rig.continuations);

    assertEquals(new Reconciler.Report(2, 2, 2, 0, 1, 0), pass);
    assertEquals(1, rig.lifecycleActions.heartbeats(lost).size());
    assertEquals(1, rig.lifecycleActions.heartbeats(alsoLost).size());
    assertEquals(2, rig.lifecycleActions.calls(FakeLifecycleActions.Operation.ACTIVITIES));

    rig.clock.advance(Duration.ofMinutes(5));
    rig.lifecycleActions.failNext(FakeLifecycleActions.Operation.ACTIVITIES,
        Failures.times(2, Failures.throttled("Throttling")));
    Reconciler.Report throttled = rig.reconciler().reconcile(rig.continuations);

    assertEquals(2, throttled.failedCalls(), "the listing, and its one more try");
    assertEquals(2, throttled.unidentified(), "then left alone, as an instance nothing names");
    assertEquals(4, rig.lifecycleActions.calls(FakeLifecycleActions.Operation.ACTIVITIES));
  }

  /**
   * In a scale-in larger than SSM's queue most waiting actions have no execution yet and wait in the
   * waiting room. A lost action found then is kept alive by the passes and tried again at a later
   * one, not parked beside them: a pass must not add to a queue it cannot shorten.
   */
  @Example
  void whileSsmIsFullALostActionIsKeptAliveByThePassesNotParked() {
    Rig rig = new Rig().withWaitingRoom();
    LifecycleAction lost = rig.held(rig.terminating());

    Outcome outcome = handOverOfALostActionWhoseStartFails(rig, Failures.queueFull());

    assertInstanceOf(Outcome.LeftToTheReconciler.class, outcome);
    assertFalse(outcome.needsAttention());
    assertTrue(rig.waitingRoom.stays().isEmpty(), "nothing parked");
    assertTrue(rig.lifecycleActions.ending(lost).isEmpty(), "still held, kept alive by the passes");
    rig.clock.advance(Duration.ofMinutes(5));
    rig.reconciler().reconcile(rig.continuations);
    Outcome later = rig.orchestrator().resume(rig.continuations.handedOver().get(1), rig.budget(), rig.continuations);
    assertEquals(LifecycleResult.CONTINUE, assertInstanceOf(Outcome.Completed.class, later).result());
  }

  /**
   * A throttled start is a call that failed for now, not a full queue: the hand-over of a lost action
   * tries it again a few times, since the passes that would take the action back may be failing too.
   */
  @Example
  void aLostActionsStartThrottledForNowIsTriedAgainByItsHandOver() {
    Rig rig = new Rig().withWaitingRoom();
    LifecycleAction lost = rig.held(rig.terminating());

    Outcome outcome = handOverOfALostActionWhoseStartFails(rig, Failures.throttled("ThrottlingException"));

    assertEquals(LifecycleResult.CONTINUE, assertInstanceOf(Outcome.Completed.class, outcome).result());
    assertEquals(LifecycleResult.CONTINUE, rig.lifecycleActions.ending(lost).orElseThrow().result());
  }

  @Example
  void theInstancesOfAGroupBeingDeletedAreReleased() {
    Rig rig = new Rig();
    List<LifecycleAction> actions = List.of(rig.held(rig.terminating()), rig.held(rig.terminating()));
    rig.lifecycleActions.groupState(actions.get(0).group(), Fleet.GroupState.DELETING);

    Reconciler.Report pass = rig.reconciler().reconcile(rig.continuations);

    assertEquals(2, pass.releasedForDeletion());
    for (LifecycleAction action : actions) {
      assertEquals(LifecycleResult.CONTINUE, rig.lifecycleActions.ending(action).orElseThrow().result());
    }
    assertEquals(0, rig.automations.totalCalls());
  }

  @Example
  void aPassExaminesABoundedBatchAndRepeatedPassesRecoverEveryAction() {
    Rig rig = new Rig();
    rig.clock.sleepUntil(Rig.T0.plus(Duration.ofMinutes(5)));
    List<LifecycleAction> lost = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      lost.add(rig.held(rig.terminating()));
    }

    Reconciler.Report first = rig.reconciler().reconcile(rig.continuations);
    assertEquals(100, first.waiting());
    assertTrue(first.examined() > 10 && first.examined() < 40, "one bucket of four: " + first.examined());
    assertEquals(Math.min(first.examined(), 25), first.recovered(), "at most a batch of new actions a pass");
    assertEquals(first.examined() * 2 + 1, rig.automations.totalCalls() + rig.lifecycleActions.calls(
        FakeLifecycleActions.Operation.HEARTBEAT) + rig.lifecycleActions.calls(FakeLifecycleActions.Operation.DESCRIBE),
        "calls of one pass: a describe, then per examined instance a look at its record and a heartbeat");
    assertEquals(1, rig.lifecycleActions.calls(FakeLifecycleActions.Operation.ACTIVITIES),
        "the group's scaling activities, listed once for every action of the pass that has no execution");
    for (int pass = 2; pass <= 4; pass++) {
      rig.clock.sleepUntil(Rig.T0.plus(Duration.ofMinutes(5L * pass)));
      assertTrue(rig.reconciler().reconcile(rig.continuations).recovered() <= 25, "at most a batch of new actions a pass");
    }
    for (LifecycleAction action : lost) {
      assertEquals(1, rig.lifecycleActions.heartbeats(action).size(), "four passes, one bucket each, keep every "
          + "waiting instance alive");
    }
    assertTrue(rig.continuations.handedOver().stream().map(c -> c.action().instance()).distinct().count() >= 96,
        "four passes of at most 25 hand each lost action over: " + rig.continuations.handedOver().size());
  }

  @Property(tries = 100)
  void anEventAndAReconcilerPassTogetherStartOneRunbook(
      @ForAll @IntRange(min = 0, max = 120) int eventDelaySeconds,
      @ForAll @IntRange(min = 0, max = 120) int passDelaySeconds,
      @ForAll TokenReuse tokenReuse) {
    Rig rig = new Rig();
    rig.automations.onTokenReuse(tokenReuse).everyRunbook(Script.runsThen(Duration.ofSeconds(90), "Success"));
    LifecycleAction action = rig.held(rig.terminating());
    Runbook runbook = rig.config().runbookFor(action.transition()).orElseThrow();

    List<Interleaving.Arrival> arrivals = List.of(
        new Interleaving.Arrival(Rig.T0.plusSeconds(eventDelaySeconds),
            now -> Orchestration.begin(action, runbook, rig.ports(), rig.rules(), rig.budget(), now)),
        new Interleaving.Arrival(Rig.T0.plusSeconds(passDelaySeconds), now -> {
          rig.reconciler().reconcile(rig.continuations);
          Optional<Continuation> recovered = rig.continuations.handedOver().stream().findFirst();
          return recovered.isPresent()
              ? Orchestration.resume(recovered.get(), runbook, rig.ports(), rig.rules(), rig.budget(), now)
              : Orchestration.begin(action, runbook, rig.ports(), rig.rules(), rig.budget(), now);
        }));
    List<Outcome> outcomes = Interleaving.run(rig.clock, arrivals);

    assertEquals(1, rig.automations.executions().size(), "executions");
    outcomes.forEach(outcome -> assertFalse(outcome.needsAttention(), outcome.toString()));
    FakeLifecycleActions.Ending ending = rig.lifecycleActions.ending(action).orElseThrow();
    assertEquals(LifecycleResult.CONTINUE, ending.result());
    assertFalse(ending.byTimeout());
  }

  /** A pass five minutes later finds the lost action and hands it over; the hand-over's first start fails so. */
  private static Outcome handOverOfALostActionWhoseStartFails(Rig rig, ServiceFailure failure) {
    rig.clock.advance(Duration.ofMinutes(5));
    rig.reconciler().reconcile(rig.continuations);
    rig.automations.failNext(FakeAutomations.Operation.START, failure);
    return rig.orchestrator().resume(rig.continuations.handedOver().get(0), rig.budget(), rig.continuations);
  }
}
