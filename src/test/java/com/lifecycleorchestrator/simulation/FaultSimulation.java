package com.lifecycleorchestrator.simulation;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The deterministic fault simulation over many seeds: runs each seed's {@link FaultRun}, checks
 * its invariants, and prints the figures in aggregate, the runs where every path to an action was
 * lost (invariant I4's exception), and for each violating seed its schedule and the command that
 * replays it. {@code -Dseed=N} runs one seed and prints its schedule; {@code -Dseeds=N} (and
 * {@code -Dfrom=K}) runs seeds K to K+N-1.
 */
public final class FaultSimulation {

  static final String REPLAY = "mvn -q test-compile exec:java@faults -Dseed=";

  /** The figures of many runs, added up. */
  static final class Summary {
    int runs;
    long actions;
    long starts;
    long startsWithoutActiveAction;
    long invocations;
    long apiCalls;
    long environments;
    final Map<String, Long> faults = new TreeMap<>();
    final Map<History.Ender, Long> endings = new EnumMap<>(History.Ender.class);
    final Map<Long, List<String>> violations = new TreeMap<>();
    final Map<Long, List<String>> lostOnEveryPath = new TreeMap<>();

    void add(FaultRun.Figures figures) {
      runs++;
      actions += figures.actions();
      starts += figures.starts();
      startsWithoutActiveAction += figures.startsWithoutActiveAction();
      invocations += figures.invocations();
      apiCalls += figures.apiCalls();
      environments += figures.environments();
      figures.faults().forEach((kind, count) -> faults.merge(kind, (long) count, Long::sum));
      figures.endings().forEach((ender, count) -> endings.merge(ender, (long) count, Long::sum));
      if (!figures.violations().isEmpty()) {
        violations.put(figures.seed(), figures.violations());
      }
      if (!figures.lostOnEveryPath().isEmpty()) {
        lostOnEveryPath.put(figures.seed(), figures.lostOnEveryPath());
      }
    }

    String print() {
      StringBuilder out = new StringBuilder();
      out.append(String.format(Locale.ROOT, "runs %d, actions %d, executions started %d (%d with no action held "
              + "at their seat), invocations %d, execution environments %d%n", runs, actions, starts,
          startsWithoutActiveAction, invocations, environments));
      out.append(String.format(Locale.ROOT, "per action: %.1f API calls, %.2f invocations%n",
          apiCalls / (double) actions, invocations / (double) actions));
      out.append("actions ended by: ").append(endings).append(System.lineSeparator());
      out.append("faults injected:").append(System.lineSeparator());
      faults.forEach((kind, count) -> out.append(String.format(Locale.ROOT, "  %-34s %d%n", kind, count)));
      long lost = lostOnEveryPath.values().stream().mapToLong(List::size).sum();
      out.append(String.format(Locale.ROOT, "actions whose every path was lost (I4's exception): %d in %d runs%s%n",
          lost, lostOnEveryPath.size(), lostOnEveryPath.isEmpty() ? "" : ": " + shortList(lostOnEveryPath)));
      out.append(String.format(Locale.ROOT, "invariant violations: %d in %d runs%n",
          violations.values().stream().mapToLong(List::size).sum(), violations.size()));
      violations.forEach((seed, found) -> {
        out.append("  seed ").append(seed).append(" (replay: ").append(REPLAY).append(seed).append(")")
            .append(System.lineSeparator());
        found.forEach(violation -> out.append("    ").append(violation).append(System.lineSeparator()));
      });
      return out.toString();
    }

    private static String shortList(Map<Long, List<String>> bySeed) {
      List<String> shown = new ArrayList<>();
      bySeed.entrySet().stream().limit(20).forEach(entry -> shown.add("seed " + entry.getKey() + " " + entry.getValue()));
      return String.join("; ", shown) + (bySeed.size() > 20 ? "; ..." : "");
    }
  }

  private FaultSimulation() {}

  /** Runs {@code count} seeds from {@code from}. */
  static Summary run(long from, int count) {
    Summary summary = new Summary();
    for (long seed = from; seed < from + count; seed++) {
      summary.add(FaultRun.run(seed).figures());
    }
    return summary;
  }

  /** One seed's schedule, figures and violations, with the command that replays it. */
  static String replay(long seed) {
    FaultRun.Result result = FaultRun.run(seed);
    StringBuilder out = new StringBuilder("schedule of seed " + seed + ":" + System.lineSeparator());
    result.history().schedule.forEach(line -> out.append("  ").append(line).append(System.lineSeparator()));
    out.append(result.figures()).append(System.lineSeparator());
    result.figures().violations().forEach(v -> out.append("VIOLATION ").append(v).append(System.lineSeparator()));
    out.append("replay: ").append(REPLAY).append(seed).append(System.lineSeparator());
    return out.toString();
  }

  public static void main(String[] args) {
    String seed = System.getProperty("seed");
    if (seed != null) {
      System.out.print(replay(Long.parseLong(seed)));
      return;
    }
    long from = Long.parseLong(System.getProperty("from", "1"));
    int count = Integer.parseInt(System.getProperty("seeds", "100000"));
    long began = System.nanoTime();
    Summary summary = run(from, count);
    System.out.printf(Locale.ROOT, "Fault simulation, seeds %d to %d, %.1f s%n", from, from + count - 1,
        (System.nanoTime() - began) / 1e9);
    System.out.print(summary.print());
    if (!summary.violations.isEmpty()) {
      long first = summary.violations.keySet().iterator().next();
      System.out.print(replay(first));
      System.exit(1);
    }
  }
}
