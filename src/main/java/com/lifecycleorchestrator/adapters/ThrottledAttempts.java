package com.lifecycleorchestrator.adapters;

import java.util.concurrent.atomic.LongAdder;
import software.amazon.awssdk.core.metrics.CoreMetric;
import software.amazon.awssdk.metrics.MetricCollection;
import software.amazon.awssdk.metrics.MetricPublisher;

/**
 * Counts the attempts AWS throttled, including those the SDK's retry strategy went on to save, so
 * that a user can see how close the function runs to the account's API rates.
 */
public final class ThrottledAttempts implements MetricPublisher {

  /** The SDK's error type of a throttled attempt. */
  private static final String THROTTLING = "Throttling";

  private final LongAdder count = new LongAdder();

  @Override
  public void publish(MetricCollection apiCall) {
    apiCall.childrenWithName("ApiCallAttempt")
        .filter(attempt -> attempt.metricValues(CoreMetric.ERROR_TYPE).contains(THROTTLING))
        .forEach(attempt -> count.increment());
  }

  /** The throttled attempts since the last time this was asked. */
  public long takeCount() {
    return count.sumThenReset();
  }

  @Override
  public void close() {}
}
