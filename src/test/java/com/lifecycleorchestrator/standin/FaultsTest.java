package com.lifecycleorchestrator.standin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class FaultsTest {

  private final Faults faults = new Faults(42);

  @Test
  void countedFaultsHitTheNextCallsOfTheirOperationOnly() {
    faults.on("GetAutomationExecution").throttleNext(2);

    List<Faults.Kind> kinds = new ArrayList<>();
    for (String operation : List.of("StartAutomationExecution", "GetAutomationExecution", "GetAutomationExecution",
        "GetAutomationExecution")) {
      kinds.add(faults.decide(operation).kind());
    }

    assertEquals(Arrays.asList(null, Faults.Kind.THROTTLE, Faults.Kind.THROTTLE, null), kinds);
  }

  @Test
  void aShareOfFaultsFallsOnAboutThatShareOfCallsTheSameWayEveryRun() {
    faults.everyOperation().throttle(0.3);
    Faults again = new Faults(42);
    again.everyOperation().throttle(0.3);

    int throttled = 0;
    for (int call = 0; call < 10_000; call++) {
      Faults.Decision decision = faults.decide("GetAutomationExecution");
      assertEquals(decision, again.decide("GetAutomationExecution"));
      throttled += decision.faulty() ? 1 : 0;
    }

    assertEquals(3000, throttled, 150);
  }

  @Test
  void faultsApplyInTheOrderTheyWereAskedFor() {
    faults.everyOperation().failNext(1, 503).everyOperation().dropNext(1).on("CompleteLifecycleAction").loseAnswerOfNext(1);

    assertEquals(new Faults.Decision(Faults.Kind.SERVER_ERROR, 503, Duration.ZERO), faults.decide("CompleteLifecycleAction"));
    assertEquals(Faults.Kind.DROP_BEFORE, faults.decide("CompleteLifecycleAction").kind());
    assertEquals(Faults.Kind.DROP_AFTER, faults.decide("CompleteLifecycleAction").kind());
    assertEquals(Faults.Decision.NONE, faults.decide("CompleteLifecycleAction"));
  }

  @Test
  void latencyAddsUpAndComesWithOrWithoutAFault() {
    faults.everyOperation().delay(Duration.ofMillis(100)).on("GetAutomationExecution").delay(Duration.ofMillis(50));
    faults.on("GetAutomationExecution").throttleNext(1);

    assertEquals(new Faults.Decision(Faults.Kind.THROTTLE, 400, Duration.ofMillis(150)),
        faults.decide("GetAutomationExecution"));
    assertEquals(new Faults.Decision(null, 0, Duration.ofMillis(150)), faults.decide("GetAutomationExecution"));
    assertEquals(new Faults.Decision(null, 0, Duration.ofMillis(100)), faults.decide("StartAutomationExecution"));
  }

  @Test
  void onlyFaultsThatAwsCouldAnswerAreAccepted() {
    assertThrows(IllegalArgumentException.class, () -> faults.everyOperation().failNext(1, 502));
    assertThrows(IllegalArgumentException.class, () -> faults.everyOperation().throttle(1.5));
    assertThrows(IllegalArgumentException.class, () -> faults.everyOperation().dropNext(0));
  }
}
