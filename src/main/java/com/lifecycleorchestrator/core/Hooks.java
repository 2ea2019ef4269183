package com.lifecycleorchestrator.core;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The timeouts of the hooks this function serves, read from Auto Scaling and kept for
 * {@link #LIFETIME} in the execution environment, so that an operator who changes a hook reaches
 * warm environments within minutes. Where the function may not read a hook, the configured
 * heartbeat timeout stands in for it, and that is reported once per reading.
 */
public final class Hooks {

  /** How long a hook's timeouts are kept before they are read again. */
  public static final Duration LIFETIME = Duration.ofMinutes(5);

  private record Reading(HookTimeouts timeouts, Instant readAt) {}

  private final LifecycleActions lifecycleActions;
  private final Duration fallbackHeartbeatTimeout;
  private final Clock clock;
  private final Map<String, Reading> known = new ConcurrentHashMap<>();

  public Hooks(LifecycleActions lifecycleActions, Duration fallbackHeartbeatTimeout, Clock clock) {
    this.lifecycleActions = lifecycleActions;
    this.fallbackHeartbeatTimeout = fallbackHeartbeatTimeout;
    this.clock = clock;
  }

  /** Whether a reading of the action's hook within its lifetime is kept: then asking for it calls nobody. */
  boolean holds(LifecycleAction action) {
    Reading cached = known.get(key(action.group(), action.hook()));
    return cached != null && isFresh(cached, clock.now());
  }

  /**
   * The timeouts of the hook holding the action. A hook that cannot be read for now (throttled, a
   * server error) is assumed to have the configured heartbeat timeout this time and read again next
   * time; one that is refused (no permission, no such hook) keeps the assumption for the lifetime.
   */
  HookTimeouts of(LifecycleAction action, Milestone.Listener listener) {
    return of(action, listener, Optional.empty());
  }

  /**
   * The timeouts of the hook holding the action; while the hook cannot be read for now, the
   * timeouts {@code readBefore} from an earlier reading (a continuation carries them) rather than the
   * configured assumption, which may be longer than the hook's own and let the hold lapse.
   */
  HookTimeouts of(LifecycleAction action, Milestone.Listener listener, Optional<HookTimeouts> readBefore) {
    return of(action.group(), action.hook(), readBefore, failure -> listener.reached(action, failure));
  }

  /**
   * The hook's timeouts read from Auto Scaling now, whatever the age of the reading kept, which
   * they replace; {@code kept} when the hook cannot be read now.
   */
  HookTimeouts readNow(LifecycleAction action, HookTimeouts kept) {
    try {
      return readAndKeep(action.group(), action.hook(), clock.now());
    } catch (ServiceFailure failure) {
      return kept;
    }
  }

  /** The timeouts of the group's hook, reporting a hook that cannot be read to {@code unreadable}. */
  HookTimeouts of(LifecycleAction.GroupName group, LifecycleAction.HookName hook,
      Consumer<Milestone.HookUnreadable> unreadable) {
    return of(group, hook, Optional.empty(), unreadable);
  }

  private HookTimeouts of(LifecycleAction.GroupName group, LifecycleAction.HookName hook,
      Optional<HookTimeouts> readBefore, Consumer<Milestone.HookUnreadable> unreadable) {
    String key = key(group, hook);
    Instant now = clock.now();
    Reading cached = known.get(key);
    if (cached != null && isFresh(cached, now)) {
      return cached.timeouts();
    }
    try {
      return readAndKeep(group, hook, now);
    } catch (ServiceFailure.Rejected refused) {
      HookTimeouts assumed = HookTimeouts.assumed(fallbackHeartbeatTimeout);
      known.put(key, new Reading(assumed, now));
      unreadable.accept(new Milestone.HookUnreadable(refused.code(), assumed, true));
      return assumed;
    } catch (ServiceFailure failure) {
      HookTimeouts assumed = readBefore.orElseGet(() -> HookTimeouts.assumed(fallbackHeartbeatTimeout));
      unreadable.accept(new Milestone.HookUnreadable(failure.code(), assumed, false));
      return assumed;
    }
  }

  /**
   * Reads the hook from Auto Scaling and keeps the reading.
   *
   * @throws ServiceFailure the hook could not be read
   */
  private HookTimeouts readAndKeep(LifecycleAction.GroupName group, LifecycleAction.HookName hook, Instant now) {
    HookTimeouts read = lifecycleActions.timeoutsOf(group, hook);
    known.put(key(group, hook), new Reading(read, now));
    return read;
  }

  private static boolean isFresh(Reading reading, Instant now) {
    return now.isBefore(reading.readAt().plus(LIFETIME));
  }

  private static String key(LifecycleAction.GroupName group, LifecycleAction.HookName hook) {
    return group.value() + "\n" + hook.value();
  }
}
