package com.lifecycleorchestrator.core;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One lifecycle action that an Auto Scaling group holds at a hook: the instance, the group and hook,
 * the token that completes it (Auto Scaling sends one with every event; an action found by the
 * reconciler has none and is completed by its instance id), and when the hold began (the hook's
 * heartbeat timer runs from there). Every identifier refuses a bad value when it is made, so nothing
 * downstream checks it again.
 *
 * <p>With a warm pool one instance meets the hooks several times, so the instance does not name an
 * action: the scaling activity that moved the instance, when it is known, tells one action from the
 * next (see {@link Runbook#startFor}); and where the instance goes ({@link Place}) tells a return to
 * the warm pool from a termination.
 */
public record LifecycleAction(
    Transition transition,
    GroupName group,
    HookName hook,
    InstanceId instance,
    Optional<Token> token,
    Instant heldSince,
    Optional<ScalingActivity> activity,
    Optional<Place> destination) {

  public LifecycleAction {
    requireNonNull(transition, "transition");
    requireNonNull(group, "group");
    requireNonNull(hook, "hook");
    requireNonNull(instance, "instance");
    requireNonNull(token, "token");
    requireNonNull(heldSince, "heldSince");
    requireNonNull(activity, "activity");
    requireNonNull(destination, "destination");
  }

  /** An action whose scaling activity and destination are not known (yet). */
  public LifecycleAction(
      Transition transition, GroupName group, HookName hook, InstanceId instance, Optional<Token> token,
      Instant heldSince) {
    this(transition, group, hook, instance, token, heldSince, Optional.empty(), Optional.empty());
  }

  /** The action as an Auto Scaling event names it, token included. */
  public LifecycleAction(
      Transition transition, GroupName group, HookName hook, InstanceId instance, Token token, Instant heldSince) {
    this(transition, group, hook, instance, Optional.of(token), heldSince);
  }

  /** This action, known to belong to the scaling activity. */
  public LifecycleAction withActivity(ScalingActivity found) {
    return new LifecycleAction(transition, group, hook, instance, token, heldSince, Optional.of(found), destination);
  }

  /** This action, addressed by the token: a call then reaches this very action or none. */
  public LifecycleAction withToken(Token known) {
    return new LifecycleAction(transition, group, hook, instance, Optional.of(known), heldSince, activity, destination);
  }

  /** This action, known to move the instance to the place. */
  public LifecycleAction withDestination(Place place) {
    return new LifecycleAction(transition, group, hook, instance, token, heldSince, activity, Optional.of(place));
  }

  /** Whether the instance goes back to the warm pool on scale-in rather than being terminated. */
  public boolean returnsToWarmPool() {
    return transition == Transition.TERMINATING && destination.equals(Optional.of(Place.WARM_POOL));
  }

  /**
   * Where an instance comes from and goes to, by the names of the {@code Origin} and
   * {@code Destination} fields of Auto Scaling's lifecycle events ("Warm pool example events and
   * patterns", EC2 Auto Scaling User Guide).
   */
  public enum Place {
    EC2("EC2"),
    AUTO_SCALING_GROUP("AutoScalingGroup"),
    WARM_POOL("WarmPool");

    private final String wireName;

    Place(String wireName) {
      this.wireName = wireName;
    }

    public String wireName() {
      return wireName;
    }

    public static Place fromWireName(String name) {
      return Arrays.stream(values())
          .filter(place -> place.wireName.equals(name))
          .findFirst()
          .orElseThrow(() -> new IllegalArgumentException("must be EC2, AutoScalingGroup or WarmPool, got " + quoted(name)));
    }
  }

  /**
   * The scaling activity that put the instance at the hook: the launch, the termination, or the
   * move into or out of the warm pool, as DescribeScalingActivities lists it. Its id is unique to
   * that one move of the instance; it started before the hold began, so its start is a hold start
   * never later than the real one.
   */
  public record ScalingActivity(String id, Instant startedAt) {
    private static final Pattern FORM = Pattern.compile("[0-9A-Za-z-]{1,255}");

    public ScalingActivity {
      requireForm(id, FORM, "must be a scaling activity id such as 2e4bd7a1-5b7d-4a8f-9b1c-0d4f5e6a7b8c");
      requireNonNull(startedAt, "startedAt");
    }
  }

  /** The two lifecycle transitions a hook can hold, by the names Auto Scaling gives them. */
  public enum Transition {
    LAUNCHING("autoscaling:EC2_INSTANCE_LAUNCHING"),
    TERMINATING("autoscaling:EC2_INSTANCE_TERMINATING");

    private final String wireName;

    Transition(String wireName) {
      this.wireName = wireName;
    }

    public String wireName() {
      return wireName;
    }

    public static Transition fromWireName(String name) {
      return Arrays.stream(values())
          .filter(t -> t.wireName.equals(name))
          .findFirst()
          .orElseThrow(() -> new IllegalArgumentException(
              "must be autoscaling:EC2_INSTANCE_TERMINATING or autoscaling:EC2_INSTANCE_LAUNCHING, got "
                  + quoted(name)));
    }
  }

  /** An EC2 instance id: {@code i-} and 8 or 17 lower-case hexadecimal digits. */
  public record InstanceId(String value) {
    private static final Pattern FORM = Pattern.compile("i-(?:[0-9a-f]{8}|[0-9a-f]{17})");

    public InstanceId {
      requireForm(value, FORM, "must be 'i-' followed by 8 or 17 lower-case hexadecimal digits");
    }

    @Override
    public String toString() {
      return value;
    }
  }

  /** A lifecycle action token: the UUID Auto Scaling issues with each held action. */
  public record Token(String value) {
    private static final Pattern FORM = Pattern.compile(
        "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

    public Token {
      requireForm(value, FORM, "must be a UUID such as 87654321-4321-4321-4321-210987654321");
    }

    @Override
    public String toString() {
      return value;
    }
  }

  /** An Auto Scaling group name: 1 to 255 printable characters. */
  public record GroupName(String value) {
    private static final Pattern FORM = Pattern.compile("[^\\p{Cntrl}]{1,255}");

    public GroupName {
      requireForm(value, FORM, "must be 1 to 255 characters without control characters");
    }

    @Override
    public String toString() {
      return value;
    }
  }

  /** A lifecycle hook name: 1 to 255 of letters, digits, '-', '_' and '/'. */
  public record HookName(String value) {
    private static final Pattern FORM = Pattern.compile("[A-Za-z0-9\\-_/]{1,255}");

    public HookName {
      requireForm(value, FORM, "must be 1 to 255 letters, digits, '-', '_' or '/'");
    }

    @Override
    public String toString() {
      return value;
    }
  }

  private static void requireForm(String value, Pattern form, String rule) {
    if (value == null || value.isEmpty()) {
      throw new IllegalArgumentException("is missing or empty");
    }
    if (!form.matcher(value).matches()) {
      throw new IllegalArgumentException(rule + ", got " + quoted(value));
    }
  }

  static String quoted(String value) {
    if (value == null) {
      return "nothing";
    }
    String shown = value.length() > 80 ? value.substring(0, 80) + "..." : value;
    return "'" + shown + "'";
  }
}
