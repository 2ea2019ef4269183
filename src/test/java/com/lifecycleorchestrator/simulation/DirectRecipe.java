package com.lifecycleorchestrator.simulation;

import com.lifecycleorchestrator.core.LifecycleAction;
import com.lifecycleorchestrator.core.Runbook;
import com.lifecycleorchestrator.core.ServiceFailure;
import com.lifecycleorchestrator.testkit.FakeAutomations;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Random;

/**
 * The recipe this project replaces: an EventBridge rule whose target is the runbook itself. The
 * rule starts the runbook (EventBridge retries a refused start with backoff, up to 185 times in 24
 * hours); nobody completes the lifecycle action, so every instance waits out the heartbeat timeout
 * and gets the hook's default result, whether its runbook is done, still running or failed.
 */
final class DirectRecipe {

  private static final int MAX_ATTEMPTS = 185;
  private static final Duration MAX_BACKOFF = Duration.ofMinutes(5);

  private final EventLoop loop;
  private final FakeAutomations automations;
  private final Runbook runbook;
  private final Random random;

  DirectRecipe(EventLoop loop, FakeAutomations automations, Runbook runbook, Random random) {
    this.loop = loop;
    this.automations = automations;
    this.runbook = runbook;
    this.random = random;
  }

  /** The rule's target starts the runbook for the action, retrying as EventBridge does. */
  void deliver(LifecycleAction action, Instant at, Map<LifecycleAction, String> executions) {
    attempt(action, at, 0, executions);
  }

  private void attempt(LifecycleAction action, Instant at, int attempt, Map<LifecycleAction, String> executions) {
    loop.at(at, () -> {
      try {
        executions.put(action, automations.start(runbook.startFor(action, 0, loop.clock().now())).value());
      } catch (ServiceFailure refused) {
        if (attempt + 1 < MAX_ATTEMPTS && !(refused instanceof ServiceFailure.Rejected)) {
          long cap = Math.min(MAX_BACKOFF.toMillis(), 1000L << Math.min(attempt, 20));
          attempt(action, loop.clock().now().plusMillis((long) (cap * (0.5 + random.nextDouble() / 2))),
              attempt + 1, executions);
        }
      }
    });
  }
}
