package com.lifecycleorchestrator.testkit;

import com.lifecycleorchestrator.core.ServiceFailure;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * What can go wrong with a fake's calls, per operation: failures queued by a test, an API rate
 * limit, and a share of transient faults drawn at random; and the count of calls and throttles.
 */
final class CallFaults<O extends Enum<O>> {

  private final Map<O, Deque<ServiceFailure>> queued;
  private final Map<O, TokenBucket> rateLimits;
  private final Map<O, Integer> calls;
  private final Map<O, Integer> throttled;
  private final String throttlingCode;
  private double faultShare;
  private Random draw = new Random(0);

  /** @param throttlingCode the error code the service throttles with */
  CallFaults(Class<O> operations, String throttlingCode) {
    this.queued = new EnumMap<>(operations);
    this.rateLimits = new EnumMap<>(operations);
    this.calls = new EnumMap<>(operations);
    this.throttled = new EnumMap<>(operations);
    this.throttlingCode = throttlingCode;
    for (O operation : operations.getEnumConstants()) {
      queued.put(operation, new ArrayDeque<>());
      calls.put(operation, 0);
      throttled.put(operation, 0);
    }
  }

  void failNext(O operation, ServiceFailure... failures) {
    queued.get(operation).addAll(List.of(failures));
  }

  void rateLimit(O operation, TokenBucket bucket) {
    rateLimits.put(operation, bucket);
  }

  void randomFaults(double share, Random draw) {
    this.faultShare = share;
    this.draw = draw;
  }

  int calls(O operation) {
    return calls.get(operation);
  }

  int throttled(O operation) {
    return throttled.get(operation);
  }

  int totalCalls() {
    return calls.values().stream().mapToInt(Integer::intValue).sum();
  }

  /** Counts a call of the operation at {@code now}, and throws if it fails. */
  void call(O operation, Instant now) {
    calls.merge(operation, 1, Integer::sum);
    ServiceFailure fault = queued.get(operation).poll();
    if (fault != null) {
      throw fault;
    }
    TokenBucket limit = rateLimits.get(operation);
    if (limit != null && !limit.tryTake(now)) {
      throttled.merge(operation, 1, Integer::sum);
      throw Failures.throttled(throttlingCode);
    }
    if (faultShare > 0 && draw.nextDouble() < faultShare) {
      throw Failures.serverError();
    }
  }
}
