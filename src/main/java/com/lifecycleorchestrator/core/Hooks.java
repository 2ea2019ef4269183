package com.lifecycleorchestrator.core;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The timeouts of the hooks this function serves, read from Auto Scaling once per hook for the
 * life of the execution environment. Where the function may not read a hook, the configured
 * heartbeat timeout stands in for it, and that is reported once.
 */
public final class Hooks {

  private final LifecycleActions lifecycleActions;
  private final Duration fallbackHeartbeatTimeout;
  private final Map<String, HookTimeouts> known = new ConcurrentHashMap<>();

  public Hooks(LifecycleActions lifecycleActions, Duration fallbackHeartbeatTimeout) {
    this.lifecycleActions = lifecycleActions;
    this.fallbackHeartbeatTimeout = fallbackHeartbeatTimeout;
  }

  /**
   * The timeouts of the hook holding the action. A hook that cannot be read for now (throttled, a
   * server error) is assumed to have the configured heartbeat timeout this time and read again next
   * time; one that is refused (no permission, no such hook) keeps the assumption.
   */
  HookTimeouts of(LifecycleAction action, Milestone.Listener listener) {
    String key = action.group().value() + "\n" + action.hook().value();
    HookTimeouts cached = known.get(key);
    if (cached != null) {
      return cached;
    }
    try {
      HookTimeouts read = lifecycleActions.timeoutsOf(action.group(), action.hook());
      known.put(key, read);
      return read;
    } catch (ServiceFailure.Rejected refused) {
      HookTimeouts assumed = HookTimeouts.assumed(fallbackHeartbeatTimeout);
      if (known.putIfAbsent(key, assumed) == null) {
        listener.reached(action, new Milestone.HookUnreadable(refused.code(), assumed, true));
      }
      return assumed;
    } catch (ServiceFailure failure) {
      HookTimeouts assumed = HookTimeouts.assumed(fallbackHeartbeatTimeout);
      listener.reached(action, new Milestone.HookUnreadable(failure.code(), assumed, false));
      return assumed;
    }
  }
}
