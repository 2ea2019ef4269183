package com.lifecycleorchestrator.standin;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Faults the stand-in injects on demand, for every operation or for one: a share of calls
 * throttled, the next calls failing with 5xx, added latency, and connections closed without an
 * answer, either before the call takes effect or after (the answer lost on its way back, which a
 * client can only find out by asking again). Shares are drawn from a seeded random, so a test's
 * faults fall the same way on every run for the same order of calls.
 */
public final class Faults {

  /** What a faulty call does instead of answering normally. */
  enum Kind {
    THROTTLE,
    SERVER_ERROR,
    /** The caller's IAM policy does not allow the call. */
    DENY,
    /** The connection closes before the call reaches the service: it takes no effect. */
    DROP_BEFORE,
    /** The call takes effect, then the connection closes without its answer. */
    DROP_AFTER
  }

  /** What the stand-in does with one call. */
  record Decision(Kind kind, int status, Duration latency) {
    static final Decision NONE = new Decision(null, 0, Duration.ZERO);

    boolean faulty() {
      return kind != null;
    }
  }

  private static final class Rule {
    final String operation;
    final Kind kind;
    final int status;
    final double share;
    int remaining;

    Rule(String operation, Kind kind, int status, double share, int remaining) {
      this.operation = operation;
      this.kind = kind;
      this.status = status;
      this.share = share;
      this.remaining = remaining;
    }

    boolean appliesTo(String calledOperation) {
      return (operation == null || operation.equals(calledOperation)) && remaining != 0;
    }
  }

  private record Latency(String operation, Duration added) {}

  private final Random random;
  private final List<Rule> rules = new ArrayList<>();
  private final List<Latency> latencies = new ArrayList<>();

  Faults(long seed) {
    this.random = new Random(seed);
  }

  /** Faults for every operation of every service. */
  public Scope everyOperation() {
    return new Scope(null);
  }

  /** Faults for one operation, named as on the wire, e.g. {@code GetAutomationExecution}. */
  public Scope on(String operation) {
    return new Scope(operation);
  }

  /** No more faults. */
  public synchronized void clear() {
    rules.clear();
    latencies.clear();
  }

  synchronized Decision decide(String operation) {
    Duration latency = latencies.stream()
        .filter(l -> l.operation() == null || l.operation().equals(operation))
        .map(Latency::added)
        .reduce(Duration.ZERO, Duration::plus);
    for (Rule rule : rules) {
      if (!rule.appliesTo(operation)) {
        continue;
      }
      boolean fires = rule.remaining > 0 || random.nextDouble() < rule.share;
      if (fires) {
        if (rule.remaining > 0) {
          rule.remaining--;
        }
        return new Decision(rule.kind, rule.status, latency);
      }
    }
    return latency.isZero() ? Decision.NONE : new Decision(null, 0, latency);
  }

  private synchronized Faults add(Rule rule) {
    rules.add(rule);
    return this;
  }

  /** The faults of one scope: every operation, or one. */
  public final class Scope {
    private final String operation;

    private Scope(String operation) {
      this.operation = operation;
    }

    /** This share of calls (0 to 1) is throttled, in each service's own terms. */
    public Faults throttle(double share) {
      return add(new Rule(operation, Kind.THROTTLE, 400, checkedShare(share), -1));
    }

    /** The next {@code calls} calls are throttled. */
    public Faults throttleNext(int calls) {
      return add(new Rule(operation, Kind.THROTTLE, 400, 0, checkedCount(calls)));
    }

    /**
     * Every call is refused as the caller's IAM policy does not allow it ("Troubleshoot access
     * denied error messages", IAM User Guide), in the service's own terms.
     */
    public Faults deny() {
      return add(new Rule(operation, Kind.DENY, 403, 1.0, -1));
    }

    /** The next {@code calls} calls fail with this 5xx status (500 or 503) and take no effect. */
    public Faults failNext(int calls, int status) {
      if (status != 500 && status != 503) {
        throw new IllegalArgumentException("a server error is 500 or 503, got " + status);
      }
      return add(new Rule(operation, Kind.SERVER_ERROR, status, 0, checkedCount(calls)));
    }

    /** The next {@code calls} calls find their connection closed before they reach the service. */
    public Faults dropNext(int calls) {
      return add(new Rule(operation, Kind.DROP_BEFORE, 0, 0, checkedCount(calls)));
    }

    /** The next {@code calls} calls take effect, and then lose their answer to a closed connection. */
    public Faults loseAnswerOfNext(int calls) {
      return add(new Rule(operation, Kind.DROP_AFTER, 0, 0, checkedCount(calls)));
    }

    /** Every call waits this long (on the wall clock) before it is answered. */
    public Faults delay(Duration added) {
      synchronized (Faults.this) {
        latencies.add(new Latency(operation, added));
      }
      return Faults.this;
    }
  }

  private static double checkedShare(double share) {
    if (share < 0 || share > 1) {
      throw new IllegalArgumentException("a share of calls is from 0 to 1, got " + share);
    }
    return share;
  }

  private static int checkedCount(int calls) {
    if (calls < 1) {
      throw new IllegalArgumentException("a number of calls is at least 1, got " + calls);
    }
    return calls;
  }
}
