package com.lifecycleorchestrator.handler;

import com.lifecycleorchestrator.core.LifecycleAction;
import com.lifecycleorchestrator.core.LifecycleResult;
import com.lifecycleorchestrator.core.Milestone;
import com.lifecycleorchestrator.core.Outcome;
import java.time.Duration;
import java.util.Optional;
import java.util.function.LongSupplier;
import software.amazon.lambda.powertools.metrics.Metrics;
import software.amazon.lambda.powertools.metrics.MetricsBuilder;
import software.amazon.lambda.powertools.metrics.model.MetricUnit;

/**
 * The function's metrics, in CloudWatch Embedded Metric Format through Powertools: one EMF line per
 * invocation with how its lifecycle action ended, how long after its runbook the instance was
 * released, how long the runbook ran, and how often the function waited: hand-overs, parkings,
 * start retries, throttled calls.
 */
final class FunctionMetrics implements Milestone.Listener {

  /** The namespace and the one dimension (Service) of the metrics, unless Powertools' variables say otherwise. */
  static final String NAMESPACE = "LifecycleOrchestrator";
  static final String SERVICE = "lifecycle-orchestrator";

  private final Metrics metrics;
  private final LongSupplier throttledAttempts;

  /** @param throttledAttempts the calls AWS throttled since it was last asked */
  FunctionMetrics(LongSupplier throttledAttempts) {
    this.throttledAttempts = throttledAttempts;
    this.metrics = MetricsBuilder.builder()
        .withNamespace(Optional.ofNullable(System.getenv("POWERTOOLS_METRICS_NAMESPACE")).orElse(NAMESPACE))
        .withService(Optional.ofNullable(System.getenv("POWERTOOLS_SERVICE_NAME")).orElse(SERVICE))
        .build();
  }

  @Override
  public void reached(LifecycleAction action, Milestone milestone) {
    if (milestone instanceof Milestone.StartRetried) {
      metrics.addMetric("StartRetries", 1, MetricUnit.COUNT);
    } else if (milestone instanceof Milestone.HandedOver) {
      metrics.addMetric("HandOvers", 1, MetricUnit.COUNT);
    } else if (milestone instanceof Milestone.Parked) {
      metrics.addMetric("ActionsParked", 1, MetricUnit.COUNT);
    } else if (milestone instanceof Milestone.AgentUnreachable) {
      metrics.addMetric("AgentsUnreachable", 1, MetricUnit.COUNT);
    } else if (milestone instanceof Milestone.GroupBeingDeleted) {
      metrics.addMetric("ReleasedForGroupDeletion", 1, MetricUnit.COUNT);
    }
  }

  /** Records how the invocation ended and writes the invocation's metrics. */
  void flush(Outcome outcome) {
    if (outcome instanceof Outcome.Completed completed) {
      metrics.addMetric(completed.result() == LifecycleResult.CONTINUE ? "ActionsContinued" : "ActionsAbandoned",
          1, MetricUnit.COUNT);
      completed.progress().timings().releaseDelay()
          .ifPresent(delay -> metrics.addMetric("ReleaseDelay", seconds(delay), MetricUnit.SECONDS));
      completed.progress().timings().runbookDuration()
          .ifPresent(duration -> metrics.addMetric("RunbookDuration", seconds(duration), MetricUnit.SECONDS));
    } else if (outcome instanceof Outcome.Reconciled reconciled) {
      metrics.addMetric("ActionsRecovered", reconciled.report().recovered(), MetricUnit.COUNT);
      metrics.addMetric("ReleasedForGroupDeletion", reconciled.report().releasedForDeletion(), MetricUnit.COUNT);
    } else if (outcome instanceof Outcome.AlreadyCompleted) {
      metrics.addMetric("ActionsAlreadyCompleted", 1, MetricUnit.COUNT);
    } else if (outcome.needsAttention()) {
      metrics.addMetric("ActionsNotHandled", 1, MetricUnit.COUNT);
    }
    metrics.addMetric("ThrottledCalls", throttledAttempts.getAsLong(), MetricUnit.COUNT);
    metrics.flush();
  }

  private static double seconds(Duration duration) {
    return duration.toMillis() / 1000.0;
  }
}
