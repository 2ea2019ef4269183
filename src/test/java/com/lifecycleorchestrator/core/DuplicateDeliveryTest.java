package com.lifecycleorchestrator.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.lifecycleorchestrator.testkit.FakeAutomations;
import com.lifecycleorchestrator.testkit.FakeAutomations.TokenReuse;
import com.lifecycleorchestrator.testkit.FakeLifecycleActions;
import com.lifecycleorchestrator.testkit.Interleaving;
import com.lifecycleorchestrator.testkit.Rig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * EventBridge and Lambda both deliver at least once: however the deliveries of one lifecycle
 * action overlap, one runbook execution serves them all and the action is completed once.
 */
class DuplicateDeliveryTest {

  @Property(tries = 200)
  void oneExecutionServesEveryDeliveryOfAnAction(
      @ForAll("offsets") @Size(min = 2, max = 4) List<Integer> arrivalSeconds,
      @ForAll TokenReuse tokenReuse,
      @ForAll @IntRange(min = 1, max = 600) int runbookSeconds) {
    Rig rig = new Rig();
    rig.automations.onTokenReuse(tokenReuse)
        .everyRunbook(FakeAutomations.Script.runsThen(Duration.ofSeconds(runbookSeconds), "Success"));
    LifecycleAction action = rig.held(rig.terminating());

    List<Interleaving.Arrival> arrivals = new ArrayList<>();
    for (int seconds : arrivalSeconds) {
      arrivals.add(new Interleaving.Arrival(Rig.T0.plusSeconds(seconds),
          now -> Orchestration.begin(action, rig.config().runbookFor(action.transition()).orElseThrow(),
              rig.ports(), rig.rules(), rig.budget(), now)));
    }
    List<Outcome> outcomes = Interleaving.run(rig.clock, arrivals);

    assertEquals(1, rig.automations.executions().size(), "executions started");
    long completedByUs = outcomes.stream().filter(o -> o instanceof Outcome.Completed).count();
    assertTrue(completedByUs <= 1, "completed more than once: " + outcomes);
    for (Outcome outcome : outcomes) {
      assertFalse(outcome.needsAttention(), "a delivery needs attention: " + outcome);
    }
    FakeLifecycleActions.Ending ending = rig.lifecycleActions.ending(action).orElseThrow();
    assertEquals(LifecycleResult.CONTINUE, ending.result());
    assertFalse(ending.byTimeout());
  }

  @Provide
  Arbitrary<List<Integer>> offsets() {
    return Arbitraries.oneOf(
            Arbitraries.just(0),
            Arbitraries.integers().between(0, 5),
            Arbitraries.integers().between(0, 1800))
        .list();
  }
}
