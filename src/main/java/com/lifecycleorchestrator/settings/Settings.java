package com.lifecycleorchestrator.settings;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.lifecycleorchestrator.core.Backoff;
import com.lifecycleorchestrator.core.Enrolment;
import com.lifecycleorchestrator.core.LifecycleAction;
import com.lifecycleorchestrator.core.LifecycleResult;
import com.lifecycleorchestrator.core.Orchestration;
import com.lifecycleorchestrator.core.Orchestrator;
import com.lifecycleorchestrator.core.Reconciler;
import com.lifecycleorchestrator.core.ResultPolicy;
import com.lifecycleorchestrator.core.Runbook;
import com.lifecycleorchestrator.core.Timings;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.DoubleSupplier;
import java.util.regex.Pattern;

/**
 * The function's configuration, read from environment variables once per cold start and validated
 * together: a bad configuration yields one error that lists every problem.
 */
public record Settings(
    String region,
    Runbook terminateRunbook,
    Optional<Runbook> launchRunbook,
    LifecycleResult failureResult,
    Optional<LifecycleResult> unreachableAgentResult,
    Duration heartbeatTimeout,
    Duration agentWait,
    Duration maxPollInterval,
    Optional<String> waitingRoomQueueUrl,
    Map<LifecycleAction.Transition, LifecycleAction.HookName> hooks,
    Optional<Reconciler.Config> reconciler,
    Orchestrator.WarmPoolReturn warmPoolReturn,
    Optional<Enrolment> enrolment,
    boolean statusEvents) {

  public static final String REGION = "AWS_REGION";
  public static final String DOCUMENT = "AUTOMATION_DOCUMENT_NAME";
  public static final String LAUNCH_DOCUMENT = "LAUNCH_AUTOMATION_DOCUMENT_NAME";
  public static final String ASSUME_ROLE = "AUTOMATION_ASSUME_ROLE_ARN";
  public static final String PARAMETERS = "AUTOMATION_PARAMETERS";
  public static final String LAUNCH_PARAMETERS = "LAUNCH_AUTOMATION_PARAMETERS";
  public static final String GROUP_NAME_PARAMETER = "AUTOMATION_GROUP_NAME_PARAMETER";
  public static final String FAILURE_RESULT = "FAILURE_RESULT";
  public static final String UNREACHABLE_AGENT_RESULT = "UNREACHABLE_AGENT_RESULT";
  public static final String HEARTBEAT_TIMEOUT = "HEARTBEAT_TIMEOUT_SECONDS";
  public static final String AGENT_WAIT = "AGENT_WAIT_SECONDS";
  public static final String MAX_POLL_INTERVAL = "MAX_POLL_INTERVAL_SECONDS";
  public static final String WAITING_ROOM_QUEUE_URL = "WAITING_ROOM_QUEUE_URL";
  public static final String GROUP_NAMES = "AUTO_SCALING_GROUP_NAMES";
  public static final String HOOK_NAME = "LIFECYCLE_HOOK_NAME";
  public static final String LAUNCH_HOOK_NAME = "LAUNCH_LIFECYCLE_HOOK_NAME";
  public static final String RECONCILE_BATCH = "RECONCILE_BATCH_SIZE";
  public static final String RECONCILE_EVERY = "RECONCILE_EVERY_MINUTES";
  public static final String RECONCILE_PACE = "RECONCILE_INSTANCES_PER_SECOND";
  // ---- Warm pools ----
  public static final String WARM_POOL_RETURN = "WARM_POOL_RETURN";
  /** Whether the runbooks' status-change events reach the function (the template's RunbookStatusRule). */
  public static final String STATUS_EVENTS = "RUNBOOK_STATUS_EVENTS";
  // ---- Fleet mode ----
  public static final String FLEET_MODE = "FLEET_MODE";
  public static final String ALLOWED_RUNBOOKS = "ALLOWED_RUNBOOKS";

  /** Every variable the settings read. */
  public static final List<String> VARIABLES = List.of(REGION, DOCUMENT, LAUNCH_DOCUMENT, ASSUME_ROLE,
      PARAMETERS, LAUNCH_PARAMETERS, GROUP_NAME_PARAMETER, FAILURE_RESULT, UNREACHABLE_AGENT_RESULT, HEARTBEAT_TIMEOUT, AGENT_WAIT,
      MAX_POLL_INTERVAL, WAITING_ROOM_QUEUE_URL, GROUP_NAMES, HOOK_NAME, LAUNCH_HOOK_NAME, RECONCILE_EVERY, RECONCILE_BATCH,
      RECONCILE_PACE, WARM_POOL_RETURN, FLEET_MODE, ALLOWED_RUNBOOKS, STATUS_EVENTS);

  /** The value of UNREACHABLE_AGENT_RESULT that starts the runbook even without an agent. */
  static final String RUN_ANYWAY = "RUN";

  static final int DEFAULT_HEARTBEAT_TIMEOUT_SECONDS = 3600;

  /**
   * A launching instance's SSM agent registers with Systems Manager only once the instance has
   * booted and the agent has started and reached an SSM endpoint ("Troubleshooting managed node
   * availability", AWS Systems Manager User Guide): usually a minute or two after the launch. Ten
   * minutes leaves room for a slow boot or user data that runs first, while an instance that will
   * never be managed is still let go well within a launch hook's usual hour.
   */
  public static final Duration DEFAULT_AGENT_WAIT = Duration.ofSeconds(600);

  /** A launching instance's agent is looked for after 5 s, then every 1.5 times longer, up to 30 s. */
  static final Duration FIRST_AGENT_CHECK = Duration.ofSeconds(5);
  static final double AGENT_CHECK_GROWTH = 1.5;
  static final Duration MAX_AGENT_CHECK = Duration.ofSeconds(30);
  static final int DEFAULT_RECONCILE_BATCH = 25;
  static final int DEFAULT_RECONCILE_EVERY_MINUTES = 5;
  static final int DEFAULT_RECONCILE_PACE = 4;

  /** A reconciler pass ends this long before the next one starts, and never takes longer than ten minutes. */
  static final Duration PASS_GAP = Duration.ofSeconds(30);
  static final Duration LONGEST_PASS = Duration.ofMinutes(10);
  static final int DEFAULT_MAX_POLL_INTERVAL_SECONDS = 15;
  /**
   * With status-change events, how long a young runbook is still polled: most end within a minute,
   * and the first polls of the backoff (1, 1.5, 2.3, 3.4 s) cost little.
   */
  static final Duration SHORT_POLLING = Duration.ofSeconds(10);
  /**
   * With status-change events, the polling that stands in for a late or lost one: a parked wait
   * comes back after as long as its action has waited so far, from a minute (also the polling of a
   * wait without a waiting room, which holds its invocation anyway, and of `sam local invoke`, which
   * no status event reaches) to 15 minutes, the waiting room's longest delay: the longest an
   * instance waits after its runbook ended if its event never comes.
   */
  static final Duration SHORTEST_EVENT_FALLBACK = Duration.ofMinutes(1);
  static final Duration LONGEST_EVENT_FALLBACK = Duration.ofMinutes(15);

  /** The first status check of a new runbook comes after this, and each pause grows by half. */
  static final Duration FIRST_POLL = Duration.ofSeconds(1);
  static final double POLL_GROWTH = 1.5;

  /** The pause before retrying a call that failed for now: 1 s, growing by half to at most 20 s. */
  static final Duration FIRST_RETRY_PAUSE = Duration.ofSeconds(1);
  static final double RETRY_GROWTH = 1.5;
  static final Duration MAX_RETRY_PAUSE = Duration.ofSeconds(20);

  /**
   * A start refused because SSM's execution queue is full, or throttled, waits for capacity: 10 s,
   * doubling to 15 minutes, so that thousands of waiting actions add a few start calls a second,
   * not hundreds. 15 minutes is the longest SQS delays a message ("Amazon SQS delay queues", SQS
   * Developer Guide), so the waiting room's longest stay; SSM's queue of 1,000 executions holds far
   * more work than that, so it does not run dry while its waiters are away.
   */
  static final Duration FIRST_CAPACITY_WAIT = Duration.ofSeconds(10);
  static final double CAPACITY_WAIT_GROWTH = 2.0;
  static final Duration MAX_CAPACITY_WAIT = Duration.ofMinutes(15);

  /**
   * A claim Auto Scaling throttled (its heartbeat) is one of a scale-in's events, which all claim
   * within seconds: it claims again a moment drawn anywhere within a minute, then two, four, up to
   * the longest capacity wait ("full jitter"), so that the claims Auto Scaling's rate turned away
   * come back spread over the time it needs to take them, not together into the same throttling.
   */
  static final Duration FIRST_THROTTLED_CLAIM_SPREAD = Duration.ofMinutes(1);

  /**
   * SSM's status call may not know an execution for a moment after its start (eventual
   * consistency); one unknown for longer is taken to be lost.
   */
  static final Duration NOT_FOUND_GRACE = Duration.ofSeconds(60);

  /** An execution Pending this long is taken to be queued behind SSM's concurrency quota. */
  static final Duration QUEUED_AFTER = Duration.ofSeconds(30);

  /** A queued execution is left unwatched, parked, for this long at most. */
  static final Duration LONGEST_QUEUED_PARK = Duration.ofMinutes(2);

  /** Our result goes out this long before the hook's global timeout if the runbook has not ended. */
  static final Duration DEADLINE_MARGIN = Duration.ofMinutes(2);

  /** Heartbeats go out at 40% of the hook's heartbeat timeout: two can fail before the hook gives up. */
  static final int HEARTBEAT_PERCENT = 40;

  /**
   * The SDK's attempts per call (the first included), enough to ride out throttling; the longest
   * one attempt may take; the longest a call may take with all its retries.
   */
  static final int SDK_ATTEMPTS = 8;
  static final Duration SDK_ATTEMPT_TIMEOUT = Duration.ofSeconds(10);
  static final Duration SDK_CALL_TIMEOUT = Duration.ofSeconds(30);

  /** Kept back from an invocation's wait: one call with all its retries, and some. */
  static final Duration INVOCATION_RESERVE = SDK_CALL_TIMEOUT.plusSeconds(5);

  /** Kept back from the invocation's end to return cleanly. */
  static final Duration RETURN_MARGIN = Duration.ofSeconds(2);

  private static final String ASSUME_ROLE_PARAMETER = "AutomationAssumeRole";
  private static final Pattern DOCUMENT_FORM = Pattern.compile("[a-zA-Z0-9_\\-.:/]{3,128}");
  private static final Pattern ROLE_ARN_FORM =
      Pattern.compile("arn:aws[a-z-]*:iam::\\d{12}:role/[\\w+=,.@/-]{1,512}");
  private static final Pattern PARAMETER_NAME_FORM = Pattern.compile("[A-Za-z0-9_]{1,50}");
  private static final Pattern QUEUE_URL_FORM = Pattern.compile("https?://\\S+");
  private static final Pattern REGION_FORM = Pattern.compile("[a-z]{2}(-[a-z]+)+-\\d+");

  /**
   * The rules and runbooks the core runs by, with jitter drawn afresh from the operating system's
   * entropy at each draw. A generator seeded during init (ThreadLocalRandom's seeds among them)
   * would be in the SnapStart snapshot, and every execution environment restored from it would
   * draw the same jitter ("Handling uniqueness with Lambda SnapStart").
   */
  public Orchestrator.Config orchestration() {
    return orchestration(() -> new SecureRandom().nextDouble());
  }

  /** The rules and runbooks the core runs by, with jitter drawn from {@code random}. */
  public Orchestrator.Config orchestration(DoubleSupplier random) {
    Map<LifecycleAction.Transition, Runbook> runbooks = new EnumMap<>(LifecycleAction.Transition.class);
    runbooks.put(LifecycleAction.Transition.TERMINATING, terminateRunbook);
    launchRunbook.ifPresent(runbook -> runbooks.put(LifecycleAction.Transition.LAUNCHING, runbook));
    return new Orchestrator.Config(runbooks, hooks, new Orchestration.Rules(
        new ResultPolicy(failureResult, unreachableAgentResult), heartbeatTimeout, timings(random),
        reconciler.isPresent()), warmPoolReturn, enrolment);
  }

  /** Every timing the function runs by, with jitter drawn from {@code random}. */
  public Timings timings(DoubleSupplier random) {
    return timings(maxPollInterval, agentWait, statusEvents, random);
  }

  /**
   * Every timing the function runs by, given the longest pause between two status checks, how
   * long a launching instance's agent may take to come online, and whether the runbooks'
   * status-change events reach the function.
   */
  public static Timings timings(Duration maxPollInterval, Duration agentWait, boolean statusEvents,
      DoubleSupplier random) {
    return new Timings(
        new Backoff(FIRST_POLL, POLL_GROWTH, maxPollInterval, random),
        new Backoff(FIRST_RETRY_PAUSE, RETRY_GROWTH, MAX_RETRY_PAUSE, random),
        new Backoff(FIRST_CAPACITY_WAIT, CAPACITY_WAIT_GROWTH, MAX_CAPACITY_WAIT, random),
        new Backoff(FIRST_THROTTLED_CLAIM_SPREAD, CAPACITY_WAIT_GROWTH, MAX_CAPACITY_WAIT, random),
        new Backoff(FIRST_AGENT_CHECK, AGENT_CHECK_GROWTH, MAX_AGENT_CHECK, random),
        agentWait,
        NOT_FOUND_GRACE,
        QUEUED_AFTER,
        LONGEST_QUEUED_PARK,
        DEADLINE_MARGIN,
        HEARTBEAT_PERCENT,
        INVOCATION_RESERVE,
        RETURN_MARGIN,
        new Timings.Sdk(SDK_ATTEMPTS, SDK_ATTEMPT_TIMEOUT, SDK_CALL_TIMEOUT),
        statusEvents ? Optional.of(new Timings.StatusEvents(SHORT_POLLING, SHORTEST_EVENT_FALLBACK,
            LONGEST_EVENT_FALLBACK)) : Optional.empty());
  }

  /** The SDK's attempts and timeouts of each call. */
  public Timings.Sdk sdk() {
    return timings(() -> 0.0).sdk();
  }

  /** Reads the settings from the process environment. */
  public static Settings fromEnvironment() {
    return from(System.getenv());
  }

  /**
   * Reads the settings from the given variables.
   *
   * @throws InvalidSettings listing every problem found
   */
  public static Settings from(Map<String, String> env) {
    Reader reader = new Reader(env);
    String region = reader.required(REGION, REGION_FORM,
        "an AWS Region such as eu-west-1 (Lambda sets it; set it yourself to run elsewhere)");
    Optional<String> role = reader.optional(ASSUME_ROLE, ROLE_ARN_FORM,
        "an IAM role ARN such as arn:aws:iam::123456789012:role/AutomationRole");
    Map<String, List<String>> parameters = reader.parameters(PARAMETERS);
    Map<String, List<String>> launchParameters = reader.parameters(LAUNCH_PARAMETERS);
    role.ifPresent(arn -> {
      parameters.put(ASSUME_ROLE_PARAMETER, List.of(arn));
      launchParameters.put(ASSUME_ROLE_PARAMETER, List.of(arn));
    });
    Optional<String> groupNameParameter = reader.optional(GROUP_NAME_PARAMETER, PARAMETER_NAME_FORM,
        "the name of a runbook parameter, 1 to 50 letters, digits and _");
    groupNameParameter.filter(parameters::containsKey).ifPresent(name -> reader.problem(
        GROUP_NAME_PARAMETER + " names " + name + ", which " + PARAMETERS + " sets too; set it in one place"));
    String document = reader.required(DOCUMENT, DOCUMENT_FORM,
        "an SSM document name or ARN of 3 to 128 letters, digits and _-.:/");
    Optional<String> launchDocument = reader.optional(LAUNCH_DOCUMENT, DOCUMENT_FORM,
        "an SSM document name or ARN of 3 to 128 letters, digits and _-.:/");
    LifecycleResult failureResult = reader.result(FAILURE_RESULT, LifecycleResult.ABANDON, false).orElseThrow();
    Optional<LifecycleResult> unreachableAgentResult = reader.result(UNREACHABLE_AGENT_RESULT, failureResult, true);
    int heartbeatSeconds = reader.number(HEARTBEAT_TIMEOUT, DEFAULT_HEARTBEAT_TIMEOUT_SECONDS, 30, 7200,
        "the heartbeat timeout in seconds of a lifecycle hook the function may not read");
    int agentWaitSeconds = reader.number(AGENT_WAIT, (int) DEFAULT_AGENT_WAIT.toSeconds(), 0, 7200,
        "how many seconds after its launch an instance's SSM agent may take to come online");
    int pollSeconds = reader.number(MAX_POLL_INTERVAL, DEFAULT_MAX_POLL_INTERVAL_SECONDS, 1, 300,
        "the longest pause in seconds between two status checks of a runbook");
    Optional<String> waitingRoom = reader.optional(WAITING_ROOM_QUEUE_URL, QUEUE_URL_FORM,
        "the URL of the SQS queue that brings parked actions back to the function");
    Map<LifecycleAction.Transition, LifecycleAction.HookName> hooks = new EnumMap<>(LifecycleAction.Transition.class);
    reader.hook(HOOK_NAME).ifPresent(hook -> hooks.put(LifecycleAction.Transition.TERMINATING, hook));
    reader.hook(LAUNCH_HOOK_NAME).ifPresent(hook -> hooks.put(LifecycleAction.Transition.LAUNCHING, hook));
    boolean fleetMode = reader.fleetMode(hooks);
    Optional<Enrolment> enrolment = reader.enrolment(fleetMode, role);
    Optional<Reconciler.Config> reconciler =
        reader.reconciler(Duration.ofSeconds(pollSeconds), !hooks.isEmpty(), fleetMode);
    Orchestrator.WarmPoolReturn warmPoolReturn = reader.warmPoolReturn();
    boolean statusEvents = reader.flag(STATUS_EVENTS, false,
        "whether the runbooks' status-change events reach the function");
    reader.throwIfAnyProblem();
    return new Settings(region,
        new Runbook(document, parameters, groupNameParameter),
        launchDocument.map(name -> new Runbook(name, launchParameters)),
        failureResult,
        unreachableAgentResult,
        Duration.ofSeconds(heartbeatSeconds),
        Duration.ofSeconds(agentWaitSeconds),
        Duration.ofSeconds(pollSeconds),
        waitingRoom,
        hooks,
        reconciler,
        warmPoolReturn,
        enrolment,
        statusEvents);
  }

  /** A configuration that cannot work, with every problem in it. */
  public static final class InvalidSettings extends RuntimeException {
    private final List<String> problems;

    InvalidSettings(List<String> problems) {
      super("The function's environment variables are not valid; fix them in template.yaml or the "
          + "function's configuration: " + String.join("; ", problems));
      this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
      return problems;
    }
  }

  private static final class Reader {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, String> env;
    private final List<String> problems = new ArrayList<>();

    Reader(Map<String, String> env) {
      this.env = env;
    }

    private Optional<String> value(String name) {
      String value = env.get(name);
      return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.strip());
    }

    String required(String name, Pattern form, String meaning) {
      Optional<String> value = value(name);
      if (value.isEmpty()) {
        problems.add(name + " is required: " + meaning);
        return null;
      }
      return checked(name, value.get(), form, meaning);
    }

    Optional<String> optional(String name, Pattern form, String meaning) {
      return value(name).map(value -> checked(name, value, form, meaning));
    }

    private String checked(String name, String value, Pattern form, String meaning) {
      if (!form.matcher(value).matches()) {
        problems.add(name + " must be " + meaning + ", got '" + value + "'");
      }
      return value;
    }

    /**
     * What a return to the warm pool on scale-in does: RUN (the default) runs the terminate runbook,
     * since the instance leaves service as at a termination; CONTINUE releases it to the pool at once.
     */
    Orchestrator.WarmPoolReturn warmPoolReturn() {
      Optional<String> value = value(WARM_POOL_RETURN);
      if (value.isEmpty()) {
        return Orchestrator.WarmPoolReturn.RUN;
      }
      try {
        return Orchestrator.WarmPoolReturn.valueOf(value.get());
      } catch (IllegalArgumentException e) {
        problems.add(WARM_POOL_RETURN + " must be RUN (run the terminate runbook when an instance returns to the "
            + "warm pool) or CONTINUE (let it return at once), got '" + value.get() + "'");
        return Orchestrator.WarmPoolReturn.RUN;
      }
    }

    void problem(String problem) {
      problems.add(problem);
    }

    /**
     * Whether fleet mode is on ({@code FLEET_MODE=true}): every group that opts in with its tag is
     * served at the terminate hook (and the launch hook) named, so the hook must be named, and the
     * groups are found by their tag, not named.
     */
    boolean fleetMode(Map<LifecycleAction.Transition, LifecycleAction.HookName> hooks) {
      Optional<String> value = value(FLEET_MODE);
      if (!flag(FLEET_MODE, false, "true: serve every group that opts in with its tag; false: serve the groups "
          + "the rule delivers")) {
        if (value.isEmpty() || value.get().equals("false")) {
          value(ALLOWED_RUNBOOKS).ifPresent(allowed -> problems.add(ALLOWED_RUNBOOKS + " names runbooks that groups "
              + "may ask for by tag, which only fleet mode reads: set " + FLEET_MODE + "=true, or leave it empty"));
        }
        return false;
      }
      if (!hooks.containsKey(LifecycleAction.Transition.TERMINATING)) {
        problems.add("fleet mode handles the hook of each served group that " + HOOK_NAME + " names: set it");
      }
      if (value(GROUP_NAMES).isPresent()) {
        problems.add("fleet mode finds the groups it serves by their tag, so " + GROUP_NAMES
            + " must be empty; set it only with " + FLEET_MODE + "=false");
      }
      return true;
    }

    /**
     * In fleet mode, the runbooks groups may ask for by tag besides the stack's own: a comma-separated
     * list of SSM document names; each gets the stack's role, if it passes one.
     */
    Optional<Enrolment> enrolment(boolean fleetMode, Optional<String> role) {
      if (!fleetMode) {
        return Optional.empty();
      }
      Set<String> allowed = new LinkedHashSet<>();
      for (String name : value(ALLOWED_RUNBOOKS).map(list -> list.split(",")).orElse(new String[0])) {
        if (!name.isBlank()) {
          allowed.add(checked(ALLOWED_RUNBOOKS, name.strip(), DOCUMENT_FORM,
              "SSM document names of 3 to 128 letters, digits and _-.:/, separated by commas"));
        }
      }
      if (allowed.contains(Enrolment.DEFAULT)) {
        problems.add(ALLOWED_RUNBOOKS + " must not name '" + Enrolment.DEFAULT + "': a group's tag says "
            + Enrolment.DEFAULT + " for the stack's own runbook, which is always allowed");
      }
      Map<String, List<String>> parameters = new LinkedHashMap<>();
      role.ifPresent(arn -> parameters.put(ASSUME_ROLE_PARAMETER, List.of(arn)));
      return Optional.of(new Enrolment(allowed, parameters));
    }

    /**
     * The reconciler, in fleet mode always (it finds the groups by their tag), and otherwise when both
     * the groups and the hook are named: its passes run at the schedule's
     * rate and end before the next begins; each examines at least a batch of waiting instances at a
     * steady pace, and leaves an ended execution a few polling intervals to be completed by the
     * invocation that follows it.
     */
    Optional<Reconciler.Config> reconciler(Duration maxPollInterval, boolean hooksNamed, boolean fleetMode) {
      Optional<String> groups = value(GROUP_NAMES);
      int batch = number(RECONCILE_BATCH, DEFAULT_RECONCILE_BATCH, 1, 5000,
          "how many waiting instances a reconciler pass examines at least");
      int every = number(RECONCILE_EVERY, DEFAULT_RECONCILE_EVERY_MINUTES, 1, 60,
          "the minutes between two reconciler passes, the rate of the template's schedule");
      int pace = number(RECONCILE_PACE, DEFAULT_RECONCILE_PACE, 1, 50,
          "how many waiting instances a reconciler pass examines per second, one SSM call each");
      List<LifecycleAction.GroupName> names = new ArrayList<>();
      if (!fleetMode) {
        if (groups.isEmpty()) {
          return Optional.empty();
        }
        if (!hooksNamed) {
          problems.add("the reconciler of " + GROUP_NAMES + " needs the hook whose actions it recovers: set "
              + HOOK_NAME + " (and " + LAUNCH_HOOK_NAME + " for launch actions)");
          return Optional.empty();
        }
        for (String name : groups.get().split(",")) {
          try {
            names.add(new LifecycleAction.GroupName(name.strip()));
          } catch (IllegalArgumentException e) {
            problems.add(GROUP_NAMES + " must be Auto Scaling group names separated by commas; '" + name + "' " + e.getMessage());
          }
        }
        if (names.isEmpty()) {
          return Optional.empty();
        }
      }
      Duration interval = Duration.ofMinutes(every);
      Duration passTime = interval.minus(PASS_GAP).compareTo(LONGEST_PASS) < 0 ? interval.minus(PASS_GAP) : LONGEST_PASS;
      return Optional.of(new Reconciler.Config(names, interval, batch, Duration.ofMillis(1000 / pace),
          passTime, maxPollInterval.multipliedBy(4)));
    }

    Optional<LifecycleAction.HookName> hook(String name) {
      try {
        return value(name).map(LifecycleAction.HookName::new);
      } catch (IllegalArgumentException e) {
        problems.add(name + " " + e.getMessage());
        return Optional.empty();
      }
    }

    /** A lifecycle result; or, where {@code runAllowed}, RUN, read as none. */
    Optional<LifecycleResult> result(String name, LifecycleResult fallback, boolean runAllowed) {
      Optional<String> value = value(name).map(text -> text.toUpperCase(Locale.ROOT));
      if (value.isEmpty()) {
        return Optional.of(fallback);
      }
      if (runAllowed && value.get().equals(RUN_ANYWAY)) {
        return Optional.empty();
      }
      try {
        return Optional.of(LifecycleResult.valueOf(value.get()));
      } catch (IllegalArgumentException e) {
        problems.add(name + " must be ABANDON or CONTINUE" + (runAllowed ? " or " + RUN_ANYWAY : "")
            + ", got '" + value.get() + "'");
        return Optional.of(fallback);
      }
    }

    /** A switch: {@code true} or {@code false}, as the template's parameters allow them. */
    boolean flag(String name, boolean fallback, String meaning) {
      Optional<String> value = value(name);
      if (value.isEmpty()) {
        return fallback;
      }
      if (value.get().equals("true") || value.get().equals("false")) {
        return Boolean.parseBoolean(value.get());
      }
      problems.add(name + " must be true or false (" + meaning + "), got '" + value.get() + "'");
      return fallback;
    }

    int number(String name, int fallback, int min, int max, String meaning) {
      Optional<String> value = value(name);
      if (value.isEmpty()) {
        return fallback;
      }
      try {
        int seconds = Integer.parseInt(value.get());
        if (seconds >= min && seconds <= max) {
          return seconds;
        }
      } catch (NumberFormatException e) {
        // reported below
      }
      problems.add(name + " must be a whole number from " + min + " to " + max + " ("
          + meaning + "), got '" + value.get() + "'");
      return fallback;
    }

    /** Runbook parameters in the variable, the ones the function sets itself refused. */
    Map<String, List<String>> parameters(String variable) {
      Map<String, List<String>> parameters = new LinkedHashMap<>();
      Optional<String> value = value(variable);
      if (value.isEmpty()) {
        return parameters;
      }
      String shape = " must be a JSON object of runbook parameter name to a list of strings, such as "
          + "{\"S3BucketName\": [\"my-logs\"]}";
      JsonNode root;
      try {
        root = JSON.readTree(value.get());
      } catch (JsonProcessingException e) {
        problems.add(variable + shape + "; it is not JSON: " + e.getOriginalMessage());
        return parameters;
      }
      if (root == null || !root.isObject()) {
        problems.add(variable + shape + ", got '" + value.get() + "'");
        return parameters;
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        String name = field.getKey();
        if (name.equals(Runbook.INSTANCE_PARAMETER) || name.equals(ASSUME_ROLE_PARAMETER)) {
          problems.add(variable + " must not set " + name + ": the function sets "
              + (name.equals(ASSUME_ROLE_PARAMETER) ? "it from " + ASSUME_ROLE : "it to the event's instance"));
          continue;
        }
        if (name.isEmpty() || name.length() > 50) {
          problems.add(variable + " has a parameter name of " + name.length()
              + " characters; SSM allows 1 to 50");
          continue;
        }
        List<String> values = stringsOf(field.getValue());
        if (values == null) {
          problems.add(variable + " parameter " + name + shape);
        } else {
          parameters.put(name, values);
        }
      }
      return parameters;
    }

    private static List<String> stringsOf(JsonNode node) {
      if (!node.isArray() || node.size() > 50) {
        return null;
      }
      List<String> strings = new ArrayList<>();
      for (JsonNode element : node) {
        if (!element.isTextual() || element.asText().isEmpty() || element.asText().length() > 512) {
          return null;
        }
        strings.add(element.asText());
      }
      return strings;
    }

    void throwIfAnyProblem() {
      if (!problems.isEmpty()) {
        throw new InvalidSettings(problems);
      }
    }
  }
}
