package com.lifecycleorchestrator.core;

import static java.util.Objects.requireNonNull;

import java.time.Instant;

/**
 * A runbook's end as SSM announces it: the execution's status-change event ("EC2 Automation
 * Execution Status-change Notification", Amazon EventBridge event examples for Systems Manager)
 * names the execution, its runbook (the event's {@code Definition}), the status it reached and when.
 * EventBridge delivers such an event at least once, so it may come twice, late, or for an execution
 * whose action was released already.
 */
public record RunbookEnd(Runbook.ExecutionId execution, String definition, Runbook.Status status, Instant endedAt) {
  public RunbookEnd {
    requireNonNull(execution, "execution");
    requireNonNull(definition, "definition");
    requireNonNull(status, "status");
    requireNonNull(endedAt, "endedAt");
  }
}
