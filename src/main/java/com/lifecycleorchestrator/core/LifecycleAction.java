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
 */
public record LifecycleAction(
    Transition transition,
    GroupName group,
    HookName hook,
    InstanceId instance,
    Optional<Token> token,
    Instant heldSince) {

  public LifecycleAction {
    requireNonNull(transition, "transition");
    requireNonNull(group, "group");
    requireNonNull(hook, "hook");
    requireNonNull(instance, "instance");
    requireNonNull(token, "token");
    requireNonNull(heldSince, "heldSince");
  }

  /** The action as an Auto Scaling event names it, token included. */
  public LifecycleAction(
      Transition transition, GroupName group, HookName hook, InstanceId instance, Token token, Instant heldSince) {
    this(transition, group, hook, instance, Optional.of(token), heldSince);
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
