package com.lifecycleorchestrator.core;

import static java.util.Objects.requireNonNull;

import java.util.Optional;

/**
 * Maps where a runbook stands to the result sent for its lifecycle action: success continues, any
 * failure sends the configured failure result, and a runbook still running has no result yet.
 */
public record ResultPolicy(LifecycleResult onFailure) {

  public ResultPolicy {
    requireNonNull(onFailure, "onFailure");
  }

  public Optional<LifecycleResult> resultFor(Runbook.Status status) {
    return switch (status.state()) {
      case RUNNING -> Optional.empty();
      case SUCCEEDED -> Optional.of(LifecycleResult.CONTINUE);
      case FAILED -> Optional.of(onFailure);
    };
  }
}
