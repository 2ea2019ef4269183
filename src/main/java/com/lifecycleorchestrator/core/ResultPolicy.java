package com.lifecycleorchestrator.core;

import static java.util.Objects.requireNonNull;

import java.util.Optional;

/**
 * Maps where a runbook stands to the result sent for its lifecycle action: success continues, any
 * failure sends the configured failure result, and a runbook still running has no result yet. An
 * instance whose SSM agent cannot run the runbook gets {@code onUnreachableAgent} at once, or, when
 * that is empty, its runbook anyway (for runbooks that do not need the agent).
 */
public record ResultPolicy(LifecycleResult onFailure, Optional<LifecycleResult> onUnreachableAgent) {

  public ResultPolicy {
    requireNonNull(onFailure, "onFailure");
    requireNonNull(onUnreachableAgent, "onUnreachableAgent");
  }

  public Optional<LifecycleResult> resultFor(Runbook.Status status) {
    return switch (status.state()) {
      case RUNNING -> Optional.empty();
      case SUCCEEDED -> Optional.of(LifecycleResult.CONTINUE);
      case FAILED -> Optional.of(onFailure);
    };
  }
}
