package com.lifecycleorchestrator.testkit;

import com.lifecycleorchestrator.core.Orchestration;
import com.lifecycleorchestrator.core.Outcome;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;

/**
 * Runs several orchestrations at once on one virtual clock, each step at its due time, so that
 * deliveries that overlap in time are tried deterministically.
 */
public final class Interleaving {

  /** A delivery that arrives at {@code at} and begins its orchestration then. */
  public record Arrival(Instant at, Function<Instant, Orchestration> begin) {}

  private Interleaving() {}

  /** The outcomes, in the order of the arrivals. */
  public static List<Outcome> run(VirtualClock clock, List<Arrival> arrivals) {
    List<Orchestration> running = new ArrayList<>();
    List<Integer> order = new ArrayList<>();
    List<Arrival> waiting = new ArrayList<>(arrivals);
    waiting.sort(Comparator.comparing(Arrival::at));
    List<Arrival> byArrival = new ArrayList<>(waiting);
    while (!waiting.isEmpty() || running.stream().anyMatch(o -> o.outcome().isEmpty())) {
      Instant nextStep = running.stream().filter(o -> o.outcome().isEmpty())
          .map(Orchestration::nextStepAt).min(Comparator.naturalOrder()).orElse(Instant.MAX);
      if (!waiting.isEmpty() && !waiting.get(0).at().isAfter(nextStep)) {
        Arrival arrival = waiting.remove(0);
        clock.sleepUntil(arrival.at());
        running.add(arrival.begin().apply(clock.now()));
        order.add(byArrival.indexOf(arrival));
        continue;
      }
      clock.sleepUntil(nextStep);
      for (Orchestration orchestration : running) {
        if (orchestration.outcome().isEmpty() && !orchestration.nextStepAt().isAfter(clock.now())) {
          orchestration.advance(clock.now());
        }
      }
    }
    Outcome[] outcomes = new Outcome[arrivals.size()];
    for (int i = 0; i < running.size(); i++) {
      outcomes[order.get(i)] = running.get(i).outcome().orElseThrow();
    }
    return List.of(outcomes);
  }
}
